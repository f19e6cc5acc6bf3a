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

# --help and the man page agree: every long option in the usage lines and the option
# list of --help is in the page's SYNOPSIS or in the tag of an OPTIONS item, and back.
help_opts() {   # help_opts PROGRAM: long options of its --help
        "$1" --help 2>/dev/null | grep -E '^(Usage:|  +(\[|-|oci-mountplan))' |
                grep -oE -- '--[a-z][a-z-]*' | sort -u
}
man_opts() {    # man_opts PAGE: long options of SYNOPSIS and of OPTIONS' item tags
        awk '/^\.SH /{ syn = ($2 == "SYNOPSIS"); opt = ($2 == "OPTIONS") }
             /^\.SS /{ if ($2 == "Options") opt = 1; else if (!syn) opt = 0 }
             syn { print } opt && tp { print } { tp = ($0 == ".TP") }' "$1" |
                sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z-]*' | sort -u
}
for pair in "oci-mountplan:${OMP_HOOK:-}" "oci-mountplan-runtime:${OMP_RUNTIME:-}"; do
        name=${pair%%:*} bin=${pair#*:}
        if [ -z "$bin" ] || [ ! -x "$bin" ]; then
                skip "$name --help matches doc/$name.1" "no binary (OMP_HOOK, OMP_RUNTIME)"
                continue
        fi
        help_opts "$bin" >"$work/help"
        man_opts "$src/doc/$name.1" >"$work/man"
        [ -s "$work/help" ] && diff "$work/help" "$work/man" >"$work/out"
        ok_file "$name --help matches doc/$name.1 ($(wc -l <"$work/help") options; < only in --help, > only in the page)" \
                $? "$work/out"
done

tap_done
