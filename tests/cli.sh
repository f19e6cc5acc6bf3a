#!/bin/bash
# Command-line behaviour of the hook (TAP): usage errors, exit codes, input limits,
# running as an ordinary user, and the README's `runc spec` example.
set -u
hook=${OMP_HOOK:-$(dirname "$0")/../oci-mountplan}
src=$(cd "${OMP_SRCDIR:-$(dirname "$0")/..}" && pwd)     # absolute: a hook run takes no other
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/bundle.sh"
plan=$src/plans/systemd.conf
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

check() {       # check NAME WANT_RC GREP_PATTERN -- COMMAND...
        local name=$1 want=$2 pat=$3 rc
        shift 4
        "$@" >"$work/out" 2>&1 </dev/null
        rc=$?
        if [ "$rc" != "$want" ]; then
                ok_file "$name: exit $rc, want $want" 1 "$work/out"
        elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$work/out"; then
                ok_file "$name: output lacks /$pat/" 1 "$work/out"
        else
                ok "$name" 0
        fi
}

make_bundle() {         # make_bundle DIR ARGS_JSON
        mkdir -p "$1/rootfs"
        bundle_fake_systemd "$1/rootfs"
        cat >"$1/config.json" <<JSON
{"ociVersion": "1.0.2", "process": {"args": $2, "cwd": "/"}, "root": {"path": "rootfs"},
 "hostname": "demo", "linux": {"namespaces": [{"type": "mount"}, {"type": "cgroup"}]}}
JSON
}

check "--help exits 0" 0 "Usage: oci-mountplan" -- "$hook" --help
check "--version" 0 "^oci-mountplan [0-9]" -- "$hook" --version
mkdir -p "$work/noplans"
check "no plans found: dry-run is bad usage" 2 "no plans found" -- "$hook" --plan-dir "$work/noplans" --dry-run --bundle /
check "unknown log level" 2 "unknown log level" -- "$hook" --plan "$plan" --log-level loud
check "unknown option is bad usage" 2 '^oci-mountplan: unknown option "--frobnicate"; see --help$' -- \
        "$hook" --plan "$plan" --frobnicate
[ "$(wc -l <"$work/out")" = 1 ]
ok_file "unknown option: one line, no usage" $? "$work/out"
check "unknown stage" 2 "unknown stage \"poststart\"" -- "$hook" --plan "$plan" --stage poststart
check "bad --format" 2 "--format must be text or json" -- "$hook" --plan "$plan" --dry-run --format yaml
check "--bundle needs --dry-run" 2 "go with --dry-run" -- "$hook" --plan "$plan" --bundle /
check "missing plan file" 2 "nope.conf: No such file" -- "$hook" --plan "$work/nope.conf" --validate
check "stray argument" 2 "unexpected argument" -- "$hook" --plan "$plan" extra
check "--validate ok" 0 "1 plan\(s\) valid" -- "$hook" --plan "$plan" --validate
check "--validate every shipped plan" 0 "plan\(s\) valid" -- "$hook" --validate $(printf -- '--plan %s ' "$src"/plans/*.conf)
check "plan directory is not a plan" 2 "$src/plans" -- "$hook" --plan "$src/plans" --validate

# Plan directories: a later directory replaces by name, adds new names, masks with
# an empty file or a symlink to /dev/null; the result runs in lexical order.
mkdir -p "$work/shipped" "$work/admin"
for p in a b c e; do printf 'version = 1;\nactions = ( { type = "mkdir"; target = "/%s"; } );\n' $p >"$work/shipped/$p.conf"; done
printf 'version = 1;\nactions = ( { type = "mkdir"; target = "/b-admin"; } );\n' >"$work/admin/b.conf"
printf 'version = 1;\nactions = ( { type = "mkdir"; target = "/d"; } );\n' >"$work/admin/0-d.conf"
ln -s /dev/null "$work/admin/c.conf"
: >"$work/admin/e.conf"
echo "not a plan" >"$work/admin/README"
make_bundle "$work/dirs" '["/sbin/init"]'
check "plan directories: override, add, mask, lexical order" 0 \
        "^plan 0-d .*plan a \(.*/shipped/a.conf\).*plan b \(.*/admin/b.conf\).*/b-admin.*3 operation" -- \
        sh -c "'$hook' --plan-dir '$work/shipped' --plan-dir '$work/admin' --dry-run --bundle '$work/dirs' | grep -v '^container\\|^machine-id:\\|^exec' | tr '\n' ' '"
check "plan directories: --validate checks what they hold" 0 "3 plan\(s\) valid" -- \
        "$hook" --plan-dir "$work/shipped" --plan-dir "$work/admin" --validate

# Oversized and endless inputs are cut off, not read whole.
head -c 2000000 /dev/zero | tr '\0' ' ' >"$work/big.json"
check "oversized stdin" 2 "stdin: larger than" -- sh -c "exec '$hook' --plan '$plan' <'$work/big.json'"
check "endless stdin" 2 "stdin: larger than" -- sh -c "exec '$hook' --plan '$plan' </dev/zero"
make_bundle "$work/big" '["/sbin/init"]'
{ printf '{"a": "'; head -c 9000000 /dev/zero | tr '\0' a; printf '"}'; } >"$work/big/config.json"
check "oversized config.json" 2 "config.json: larger than" -- "$hook" --plan "$plan" --dry-run --bundle "$work/big"
check "no stdin at all (closed)" 2 "stdin" -- sh -c "exec '$hook' --plan '$plan' <&-"

# The README's example: a bundle from `runc spec`.
if command -v runc >/dev/null; then
        mkdir -p "$work/runc/rootfs"
        bundle_fake_systemd "$work/runc/rootfs"
        (cd "$work/runc" && runc spec)
        sed -i 's|"sh"|"/sbin/init"|' "$work/runc/config.json"
        check "runc spec + /sbin/init lists the systemd operations" 0 "tmpfs +/run host=.*cgroup.*machine-id" -- \
                sh -c "'$hook' --plan '$plan' --dry-run --bundle '$work/runc' | tr '\n' ' '"
        sed -i 's|"/sbin/init"|"/bin/sh"|' "$work/runc/config.json"
        check "runc spec + /bin/sh: the plan does not apply" 0 "does not apply: exec \"/bin/sh\" cannot be followed" -- \
                "$hook" --plan "$plan" --dry-run --bundle "$work/runc"
else
        skip "runc spec example" "runc not installed"
        skip "runc spec example (/bin/sh)" "runc not installed"
fi

# Dry-run and validation need no privileges.
make_bundle "$work/user" '["/sbin/init"]'
chmod -R a+rX "$work"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        check "--dry-run as nobody" 0 "[0-9]+ operation" -- \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$hook" --plan "$plan" --dry-run --bundle "$work/user"
        check "--validate as nobody" 0 "valid" -- \
                setpriv --reuid=65534 --regid=65534 --clear-groups "$hook" --plan "$plan" --validate
else
        check "--dry-run as this user" 0 "[0-9]+ operation" -- "$hook" --plan "$plan" --dry-run --bundle "$work/user"
        skip "--validate as nobody" "not root"
fi

# A plan that does not apply is success, and touches nothing, even for a real hook run.
make_bundle "$work/sh" '["/bin/sh"]'
printf '{"ociVersion":"1.0.2","id":"x","status":"creating","pid":1,"bundle":"%s"}' "$work/sh" >"$work/sh.json"
check "hook run, plan does not apply: exit 0" 0 "" -- sh -c "exec '$hook' --plan '$plan' <'$work/sh.json'"

# A hook run starts in the container's root directory: a relative plan path there
# names the image's file. Refused with one line before anything is read or done;
# --dry-run and --validate, run by a person, still take relative paths.
mkdir -p "$work/rel/plans.d"
make_bundle "$work/rel" '["/sbin/init"]'
printf 'version = 1;\nactions = ( { type = "mkdir"; target = "/made-by-relative-plan"; } );\n' >"$work/rel/p.conf"
cp "$work/rel/p.conf" "$work/rel/plans.d/p.conf"
printf '{"ociVersion":"1.0.2","id":"rel","status":"creating","pid":1,"bundle":"%s"}' "$work/rel" >"$work/rel.json"
one_line_nothing_done() {       # after check: exactly one line out, the plan's directory not made
        [ "$(wc -l <"$work/out")" = 1 ] && [ ! -e "$work/rel/rootfs/made-by-relative-plan" ]
        ok_file "$1: one line, nothing done" $? "$work/out" 5
}
for form in "--plan p.conf" "-p p.conf" "--plan=p.conf" "--plan-dir plans.d" "-d plans.d" "--plan-dir=plans.d" \
            "--plan $work/rel/p.conf --plan-dir plans.d"; do
        opt=--plan; case $form in *-d*) opt=--plan-dir ;; esac
        check "hook run, relative $form: refused" 2 "^oci-mountplan: $opt \"(p.conf|plans.d)\" is a relative path" -- \
                sh -c "cd '$work/rel' && exec '$hook' $form <'$work/rel.json'"
        one_line_nothing_done "hook run, relative $form"
done
# The shipped hooks.d file (podman, CRI-O) runs the hook with absolute paths only.
hookjq='(.hook.path | startswith("/")) and
        ([.hook.args[1:] as $a | range(0; $a | length) | select($a[.] | test("^(--plan|-p|--plan-dir|-d)$")) |
          $a[. + 1]] | all(startswith("/"))) and
        ([.hook.args[1:][] | select(test("^(--plan|--plan-dir)=|^-[pd].")) | sub("^[^=]*=|^-[pd]"; "")] |
          all(startswith("/")))'
for f in oci-mountplan.json oci-mountplan-createruntime.json; do
        check "contrib/hooks.d/$f: the hook and its plans by absolute paths" 0 "" -- \
                jq -e "$hookjq" "$src/contrib/hooks.d/$f"
done
printf '{"hook": {"path": "/usr/bin/oci-mountplan", "args": ["oci-mountplan", "-p", "rel.conf"]}}' >"$work/hooks-rel.json"
check "the hooks.d check catches a relative plan" 1 "" -- jq -e "$hookjq" "$work/hooks-rel.json"
check "--dry-run takes a relative --plan" 0 "made-by-relative-plan" -- \
        sh -c "cd '$work/rel' && exec '$hook' --dry-run --plan p.conf --bundle ."
check "--dry-run takes a relative --plan-dir" 0 "made-by-relative-plan" -- \
        sh -c "cd '$work/rel' && exec '$hook' --dry-run --plan-dir plans.d <'$work/rel.json'"
check "--validate takes relative paths" 0 "2 plan\(s\) valid" -- \
        sh -c "cd '$work/rel' && exec '$hook' --validate --plan p.conf --plan-dir plans.d"

# Whatever config.json, the state, the plan or the command line hold, nothing the
# hook prints carries a raw control character (C0, DEL, C1) or starts a line of its
# own. The marker FORGED follows every newline fed in.
clean() {       # clean NAME LINES|any: $work/out has LINES lines, no raw controls, no forged line
        local bad=""
        LC_ALL=C grep -qaP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$work/out" && bad="raw control bytes"
        grep -qa '^FORGED' "$work/out" && bad="$bad, a forged line"
        [ "$2" = any ] || [ "$(wc -l <"$work/out")" = "$2" ] || bad="$bad, $(wc -l <"$work/out") lines, want $2"
        [ -z "$bad" ] && { ok "$1: escaped" 0; return; }
        ok "$1: $bad" 1 "$(od -c "$work/out" | head -20)"
}
evilplan=$'evil\n\e[1mFORGED-PLAN\x9b.conf'
mkdir -p "$work/evil"
cp -r "$src/tests/data/config-control-chars/." "$work/evil/"
cp "$work/evil/plan.conf" "$work/evil/$evilplan"
check "dry-run: annotation, env, mount destination, hostname, plan name with controls" 0 "FORGED-MOUNT" -- \
        sh -c "cd '$work/evil' && exec '$hook' --dry-run --plan '$evilplan' --bundle . --id evil"
clean "dry-run text" 8
check "dry-run --format json stays exact and valid" 0 "" -- \
        bash -c "set -o pipefail; '$hook' --dry-run --plan '$work/evil/plan.conf' --bundle '$work/evil' --format json |
               jq -e '.plans[0].operations[1].target == \"/srv/v\r\nFORGED-ANNOTATION \u001b[2J\"'"
cp "$work/evil/plan.conf" "$work/evil/"$'bad\xffutf8.conf'
check "dry-run --format json: a plan name that is not UTF-8 is escaped, not left out" 0 "" -- \
        bash -c "set -o pipefail; cd '$work/evil' && '$hook' --dry-run --plan \$'bad\\xffutf8.conf' --bundle . --format json |
               jq -e '.plans[0].file == \"bad\\\\xffutf8.conf\" and .plans[0].name == \"bad\\\\xffutf8\"'"
printf '{"ociVersion":"1.0.2","id":"x\\nFORGED-ID \\u001b[31m\\u009b","status":"creating","bundle":"%s"}' "$work/evil" \
        >"$work/evil-id.json"
check "error: container id with controls" 2 'container id "x\\nFORGED-ID \\x1b\[31m\\xc2\\x9b"' -- \
        sh -c "exec '$hook' --dry-run --plan '$plan' <'$work/evil-id.json'"
clean "error: container id" 1
mkdir -p "$work/evil2/rootfs"
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{"k\\nFORGED-KEY \\u001b[2J":1}}' >"$work/evil2/config.json"
check "error: annotation key with controls" 2 'annotations."k\\nFORGED-KEY \\x1b\[2J" must be a string' -- \
        "$hook" --dry-run --plan "$plan" --bundle "$work/evil2"
clean "error: annotation key" 1
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"hostname":"a\033[31mb\nFORGED-RAW"}' >"$work/evil2/config.json"
check "error: raw ESC in config.json, quoted by jansson" 2 "control character 0x1b" -- \
        "$hook" --dry-run --plan "$plan" --bundle "$work/evil2"
clean "error: raw ESC in config.json" 1
check "error: an unknown option with controls" 2 'unknown option "--x\\x1b\[2J\\nFORGED' -- \
        "$hook" $'--x\e[2J\nFORGED' --plan "$plan"
clean "error: unknown option" 1

# A NUL (\u0000) anywhere is refused, never cut short into another value.
nul_case() {    # nul_case NAME CONFIG_JSON [STATE_ID]
        printf '%s' "$2" >"$work/evil2/config.json"
        printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","bundle":"%s"}' "${3:-nul}" "$work/evil2" \
                >"$work/nul.json"
        check "NUL in $1: refused" 2 'a string holds \\u0000 \(a NUL byte\): refused|NUL byte in object key' -- \
                sh -c "exec '$hook' --dry-run --plan '$plan' <'$work/nul.json'"
        clean "NUL in $1" 1
}
nul_case "an annotation value" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{"k":"a\u0000b"}}'
nul_case "an annotation key" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"annotations":{"k\u0000x":"b"}}'
nul_case "an env value" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["/sbin/init"],"env":["A=a\u0000b"]}}'
nul_case "a mount destination" '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"mounts":[{"destination":"/run\u0000/x"}]}'
nul_case "the container id" '{"ociVersion":"1.0.2","root":{"path":"rootfs"}}' 'a\u0000b'

tap_done
