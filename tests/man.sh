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
        n=$((n + 1))
        if [ -z "$bin" ] || [ ! -x "$bin" ]; then
                echo "ok $n - $name --help matches doc/$name.1 # SKIP no binary (OMP_HOOK, OMP_RUNTIME)"
                continue
        fi
        help_opts "$bin" >"$work/help"
        man_opts "$src/doc/$name.1" >"$work/man"
        if [ -s "$work/help" ] && diff "$work/help" "$work/man" >"$work/out"; then
                echo "ok $n - $name --help matches doc/$name.1 ($(wc -l <"$work/help") options)"
        else
                echo "not ok $n - $name --help matches doc/$name.1 (< only in --help, > only in the page)"
                sed 's/^/#   /' "$work/out"
                failed=$((failed + 1))
        fi
done

echo "1..$n"
[ $failed -eq 0 ]
