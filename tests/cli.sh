#!/bin/bash
# Command-line behaviour of the hook (TAP): usage errors, exit codes, input limits,
# running as an ordinary user, and the README's `runc spec` example.
set -u
hook=${OMP_HOOK:-$(dirname "$0")/../oci-mountplan}
src=${OMP_SRCDIR:-$(dirname "$0")/..}
. "$(dirname "$0")/bundle.sh"
plan=$src/plans/systemd.conf
n=0 failed=0
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

check() {       # check NAME WANT_RC GREP_PATTERN -- COMMAND...
        local name=$1 want=$2 pat=$3 rc
        shift 4
        "$@" >"$work/out" 2>&1 </dev/null
        rc=$?
        n=$((n + 1))
        if [ "$rc" != "$want" ]; then
                echo "not ok $n - $name: exit $rc, want $want"
        elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$work/out"; then
                echo "not ok $n - $name: output lacks /$pat/"
        else
                echo "ok $n - $name"
                return
        fi
        sed 's/^/#   /' "$work/out" | head -20
        failed=$((failed + 1))
}

skip() {
        n=$((n + 1))
        echo "ok $n - $1 # SKIP $2"
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
check "unknown option is bad usage" 2 "Usage" -- "$hook" --plan "$plan" --frobnicate
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

echo "1..$n"
[ $failed -eq 0 ]
