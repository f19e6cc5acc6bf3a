#!/bin/bash
# The man pages (TAP): each formats without a single warning from man-db/groff at
# 80 columns, and lexgrog (what mandb uses for whatis/apropos) finds its NAME.
set -u
. "$(dirname "$0")/tap.sh"
src=${OMP_SRCDIR:-$(dirname "$0")/..}
pages="doc/oci-mountplan.1 doc/oci-mountplan-runtime.1 doc/oci-mountplan.plan.5"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for page in $pages; do
        file=$src/$page
        if ! command -v man >/dev/null || ! command -v lexgrog >/dev/null; then
                skip "$page formats without warnings" "man-db not installed"
                skip "$page has a NAME section" "man-db not installed"
                continue
        fi
        if [ ! -f "$file" ]; then
                echo "$file: missing" >"$work/out"
                ok_file "$page formats without warnings" 1 "$work/out"
                ok_file "$page has a NAME section" 1 "$work/out"
                continue
        fi
        LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$file" >/dev/null 2>"$work/out"
        rc=$?
        [ $rc = 0 ] && [ ! -s "$work/out" ]
        ok_file "$page formats without warnings" $? "$work/out"
        lexgrog "$file" >"$work/out" 2>&1
        rc=$?
        [ $rc = 0 ] && grep -q ': "[^"]* - ' "$work/out"
        ok_file "$page has a NAME section" $? "$work/out"
done

tap_done
