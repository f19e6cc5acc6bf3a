#!/bin/bash
# Generates doc/errors.md from the golden error cases in tests/data/<case>/ (a case
# without plan.conf has plans/systemd.conf, as in tests/golden.sh):
# expected-error (the exact stderr), exit (the status when not 2), args, and for
# plan errors the plan line the message points at. Run after adding or changing a
# case:   doc/gen-errors.sh >doc/errors.md
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
data=$top/tests/data

# A case's plan: its own plan.conf, else the default tests/golden.sh gives it.
case_plan() {          # case_plan CASE_DIR
        if [ -e "$1/plan.conf" ]; then echo "$1/plan.conf"; else echo "$top/plans/systemd.conf"; fi
}

# What each case shows, in a few words; a case not listed here is still listed.
describe() {
        case $1 in
        plan-empty-file) echo "empty plan file" ;;
        plan-missing-version) echo "no \`version\`" ;;
        plan-future-version) echo "\`version\` other than 1" ;;
        plan-syntax-error) echo "libconfig syntax error" ;;
        plan-include) echo "\`@include\`" ;;
        plan-unknown-top-key) echo "unknown top-level key" ;;
        plan-unknown-action) echo "unknown action \`type\`" ;;
        plan-unknown-key) echo "unknown key in an action" ;;
        plan-missing-target) echo "required key missing" ;;
        plan-wrong-type) echo "wrong type for a key" ;;
        plan-relative-target) echo "relative path" ;;
        plan-dotdot-target) echo "path with \`..\`" ;;
        plan-integer-mode) echo "mode given as an integer" ;;
        plan-absurd-mode) echo "mode above 7777" ;;
        plan-bad-replace) echo "unknown \`replace\` value" ;;
        plan-bad-cgroup-child) echo "\`child\` of a cgroup action not one plain name" ;;
        plan-bad-via) echo "unknown \`via\` value" ;;
        plan-bad-exec-pattern) echo "an \`exec\` pattern that is not an absolute path glob" ;;
        plan-bad-tmpfs-option) echo "unknown tmpfs option" ;;
        plan-bad-tmpfs-mode) echo "tmpfs \`mode=\` not octal" ;;
        plan-unknown-condition) echo "unknown condition" ;;
        plan-bad-stage) echo "unknown stage in \`stage\`" ;;
        plan-bad-root-readonly) echo "\`root_readonly\` not a boolean" ;;
        plan-unknown-variable) echo "unknown variable" ;;
        validate-every-error) echo "\`--validate\`: every problem, one line each" ;;
        expansion-empty-component) echo "path with an empty component after expansion" ;;
        expansion-escapes-root) echo "path with \`..\` after expansion" ;;
        stdin-empty) echo "empty state" ;;
        stdin-invalid) echo "state is not valid JSON" ;;
        stdin-not-object) echo "state is not a JSON object" ;;
        state-duplicate-keys) echo "duplicate key in the state" ;;
        state-wrong-type) echo "state field of the wrong type" ;;
        state-no-id) echo "no container id" ;;
        state-bad-id) echo "container id with characters outside [A-Za-z0-9_.+-]" ;;
        state-control-chars-in-id) echo "container id with control characters (escaped in the message)" ;;
        state-no-bundle) echo "no bundle path" ;;
        state-relative-bundle) echo "relative bundle path" ;;
        state-negative-pid) echo "pid out of range" ;;
        config-missing) echo "no config.json in the bundle" ;;
        config-invalid) echo "config.json is not valid JSON" ;;
        config-bad-cgroups-path) echo "\`linux.cgroupsPath\` not a clean cgroup path" ;;
        config-duplicate-keys) echo "duplicate key in config.json" ;;
        config-no-root) echo "no \`root.path\`" ;;
        config-args-not-array) echo "\`process.args\` not an array" ;;
        config-annotation-not-string) echo "annotation value not a string" ;;
        config-mount-no-destination) echo "mount without a destination" ;;
        config-dotdot-destination) echo "a mount destination whose \`..\` climbs out of \`/\`" ;;
        config-nul-in-string) echo "a string with \`\\u0000\` (a NUL byte)" ;;
        hook-relative-plan) echo "hook run with a relative \`--plan\`" ;;
        plan-any-nested) echo "\`any\` inside \`any\`" ;;
        plan-bad-userns) echo "\`userns\` not a boolean" ;;
        plan-options-unknown-variable) echo "unknown variable in mount options" ;;
        plan-options-open-quote) echo "a quoted option value without its closing quote" ;;
        userns-mapping-overlap-inside) echo "two mappings overlap in container ids" ;;
        userns-mapping-overlap-host) echo "two mappings overlap in host ids" ;;
        userns-mapping-zero-size) echo "a mapping of size 0" ;;
        userns-mapping-past-end) echo "a mapping past the last id" ;;
        userns-mapping-too-many) echo "more mappings than the kernel takes (340)" ;;
        userns-mapping-not-integer) echo "a mapping member that is not an id" ;;
        userns-no-mappings) echo "a new user namespace without mappings" ;;
        userns-gid-without-uid) echo "gid mappings without uid mappings" ;;
        userns-root-unmapped) echo "the container's root is not mapped" ;;
        mappings-without-userns) echo "mappings without a user namespace" ;;
        hook-relative-plan-dir) echo "hook run with a relative \`--plan-dir\`" ;;
        *) echo "${1//-/ }" ;;
        esac
}

# The group a case belongs to, from its name.
group_of() {
        case $1 in
        plan-* | validate-*) echo plan ;;
        expansion-*) echo expansion ;;
        stdin-* | state-*) echo state ;;
        config-* | userns-* | mappings-*) echo config ;;
        *) echo other ;;
        esac
}

md_escape() { sed -e 's/|/\\|/g'; }

# The plan lines an error points at ("plan.conf:N: ..."), as `N: text`.
plan_lines() {         # plan_lines CASE_DIR
        local dir=$1 n plan
        plan=$(case_plan "$dir")
        grep -o '^oci-mountplan: [^:]*\.conf:[0-9]*:' "$dir/expected-error" | sed 's/.*:\([0-9]*\):$/\1/' |
                sort -nu | while read -r n; do
                if grep -q "^oci-mountplan: [^:]*:$n: missing " "$dir/expected-error"; then
                        printf '(the whole file)<br>'
                elif [ -s "$plan" ] && [ "$n" -le "$(wc -l <"$plan")" ]; then
                        # shellcheck disable=SC2016 # backticks are Markdown
                        printf '`%s: %s`<br>' "$n" "$(sed -n "${n}p" "$plan" | sed 's/^ *//' | md_escape)"
                else
                        printf '(empty file)<br>'
                fi
        done | sed 's/<br>$//'
}

table() {      # table GROUP WITH_PLAN_LINE
        local g=$1 with_plan=$2 dir name status lines
        if [ "$with_plan" = yes ]; then
                echo "| case | what is wrong | plan line | exact error (stderr) | exit |"
                echo "|---|---|---|---|---|"
        else
                echo "| case | what is wrong | exact error (stderr) | exit |"
                echo "|---|---|---|---|"
        fi
        for dir in "$data"/*/; do
                dir=${dir%/}
                name=$(basename "$dir")
                if [ ! -f "$dir/expected-error" ] || [ "$(group_of "$name")" != "$g" ]; then continue; fi
                status=$(cat "$dir/exit" 2>/dev/null || echo 2)
                lines=$(md_escape <"$dir/expected-error" | awk '{ printf "%s`%s`", (NR > 1 ? "<br>" : ""), $0 }')
                if [ "$with_plan" = yes ]; then
                        printf '| %s | %s | %s | %s | %s |\n' "$name" "$(describe "$name")" "$(plan_lines "$dir")" \
                                "$lines" "$status"
                else
                        printf '| %s | %s | %s | %s |\n' "$name" "$(describe "$name")" "$lines" "$status"
                fi
        done
}

cat <<'EOF'
# Errors: every class of invalid plan and bad input

<!-- Generated by doc/gen-errors.sh from tests/data/*/expected-error; do not edit. -->

Each row is a golden case in `tests/data/<case>/`: `make check` (tests/golden.sh)
runs `oci-mountplan --dry-run --plan plan.conf` (or the case's `args`) with the case
as the bundle and its `state.json` on stdin, and compares standard error with
`expected-error` byte for byte. `@BUNDLE@` stands for the bundle's path. Regenerate
this file with `doc/gen-errors.sh >doc/errors.md`.

Every error is one line on standard error, `oci-mountplan: ` followed by the file (a
plan, `stdin` for the OCI state, `BUNDLE/config.json`) with `:LINE` for plans and
`:LINE:COLUMN` for JSON syntax errors, then the message. The hook stops at the first
error, except with `--validate`, which prints every problem in the plans (up to 64).
Exit status 2 means bad usage or bad input; nothing has been touched then.

## Plan files (found when loading; also by `--validate`)

The plan line is the line of `plan.conf` the message names.

EOF
table plan yes
cat <<'EOF'

## Plans whose paths go wrong after expansion (found when resolving)

Variables are expanded against the container, so these are found by a dry run or a
hook run, not by `--validate`.

EOF
table expansion yes
cat <<'EOF'

## The OCI state on standard input

EOF
table state no
cat <<'EOF'

## The bundle's config.json

EOF
table config no
other=$(for d in "$data"/*/; do n=$(basename "$d"); [ -f "$d/expected-error" ] && [ "$(group_of "$n")" = other ] && echo "$n"; done || true)
if [ -n "$other" ]; then
        printf '\n## Other\n\n'
        table other no
fi
