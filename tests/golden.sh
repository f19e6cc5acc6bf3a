#!/bin/bash
# Replays the golden dry-run cases in tests/data/<case>/ (TAP).
#
# A case folder holds plan.conf (and any other *.conf), config.json, state.json and
#   expected        the dry-run's stdout (exit 0), or
#   expected-error  its stderr (exit 2 unless the file "exit" says otherwise);
#   args            optional: the hook's arguments instead of "--dry-run --plan plan.conf".
# The case is copied to a temporary bundle; "@BUNDLE@" stands for its path on both sides.
set -u
hook=${OMP_HOOK:-$(dirname "$0")/../oci-mountplan}
data=${OMP_SRCDIR:-$(dirname "$0")/..}/tests/data
update=${OMP_UPDATE_GOLDEN:-}
n=0 failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_case() {
        local src=$1 name bundle args want got rc want_rc=0 kind=expected
        name=$(basename "$src")
        bundle=$work/$name
        cp -r "$src" "$bundle"
        [ -f "$bundle/state.json" ] && sed -i "s|@BUNDLE@|$bundle|g" "$bundle/state.json"
        [ -f "$bundle/args" ] && sed -i "s|@BUNDLE@|$bundle|g" "$bundle/args"
        args=$(cat "$bundle/args" 2>/dev/null || echo "--dry-run --plan plan.conf")
        if [ -f "$src/expected-error" ]; then kind=expected-error; want_rc=2; fi
        [ -f "$src/exit" ] && want_rc=$(cat "$src/exit")
        # shellcheck disable=SC2086
        (cd "$bundle" && exec "$hook" $args <"${bundle}/state.json" >"$work/$name.out" 2>"$work/$name.err")
        rc=$?
        if [ $kind = expected ]; then got=$work/$name.out; else got=$work/$name.err; fi
        sed -i "s|$bundle|@BUNDLE@|g" "$got"
        n=$((n + 1))
        if [ -n "$update" ]; then cp "$got" "$src/$kind"; fi
        if [ "$rc" != "$want_rc" ]; then
                echo "not ok $n - $name: exit $rc, want $want_rc"
                sed 's/^/#   /' "$work/$name.err"
                failed=$((failed + 1))
        elif ! diff -u "$src/$kind" "$got" >"$work/diff"; then
                echo "not ok $n - $name: $kind differs"
                sed 's/^/#   /' "$work/diff"
                failed=$((failed + 1))
        else
                echo "ok $n - $name"
        fi
}

for c in "$data"/*/; do
        run_case "${c%/}"
done
echo "1..$n"
[ $failed -eq 0 ]
