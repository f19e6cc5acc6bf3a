#!/bin/bash
# The man pages (TAP): each formats without a single warning from man-db/groff at
# 80 columns, and lexgrog (what mandb uses for whatis/apropos) finds its NAME.
set -u
src=${OMP_SRCDIR:-$(dirname "$0")/..}
pages="doc/oci-mountplan.1 doc/oci-mountplan-runtime.1 doc/oci-mountplan.plan.5"
n=0 failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

result() {      # result OK NAME [OUTPUT_FILE]
        n=$((n + 1))
        if [ "$1" = 0 ]; then
                echo "ok $n - $2"
                return
        fi
        echo "not ok $n - $2"
        [ -n "${3:-}" ] && sed 's/^/#   /' "$3" | head -20
        failed=$((failed + 1))
}

for page in $pages; do
        file=$src/$page
        if ! command -v man >/dev/null || ! command -v lexgrog >/dev/null; then
                n=$((n + 1)); echo "ok $n - $page formats without warnings # SKIP man-db not installed"
                n=$((n + 1)); echo "ok $n - $page has a NAME section # SKIP man-db not installed"
                continue
        fi
        if [ ! -f "$file" ]; then
                echo "$file: missing" >"$work/out"
                result 1 "$page formats without warnings" "$work/out"
                result 1 "$page has a NAME section" "$work/out"
                continue
        fi
        LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$file" >/dev/null 2>"$work/out"
        rc=$?
        [ $rc = 0 ] && [ ! -s "$work/out" ]
        result $? "$page formats without warnings" "$work/out"
        lexgrog "$file" >"$work/out" 2>&1
        rc=$?
        [ $rc = 0 ] && grep -q ': "[^"]* - ' "$work/out"
        result $? "$page has a NAME section" "$work/out"
done

echo "1..$n"
[ $failed -eq 0 ]
