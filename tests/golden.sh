#!/bin/bash
# Replays the golden dry-run cases in tests/data/<case>/ (TAP).
#
# A case folder holds plan.conf (and any other *.conf), config.json, state.json and
#   (each of these three, when the case lacks it, is the default: plans/systemd.conf,
#   tests/data/default/config.json and tests/data/default/state.json; a file "no-config"
#   keeps the bundle without a config.json)
#   expected        the dry-run's stdout (exit 0), or
#   expected-error  its stderr (exit 2 unless the file "exit" says otherwise);
#   args            optional: the hook's arguments instead of "--dry-run --plan plan.conf";
#   rootfs.txt      optional: a small fixture rootfs built in the bundle before the run (the
#                   hook's facts step looks into it), one entry a line:
#                     root DIR         where, relative to the bundle (default: rootfs)
#                     use NAME         the entries of tests/data-rootfs/NAME.txt
#                     dir PATH | file PATH | link PATH TARGET
#                     elf PATH         an executable whose head is an ELF program header
#                     script PATH #!LINE   an executable script
#                     noexec PATH      an ELF header without an execute bit
#                   Without it the rootfs does not exist and the dry run says so.
# The case is copied to a temporary bundle; "@BUNDLE@" stands for its path on both sides
# (in state.json, config.json and args).
set -u
. "$(dirname "$0")/tap.sh"
hook=${OMP_HOOK:-$(dirname "$0")/../oci-mountplan}
top=${OMP_SRCDIR:-$(dirname "$0")/..}
data=$top/tests/data
fixtures=$top/tests/data-rootfs
update=${OMP_UPDATE_GOLDEN:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Writes an ELF64 little-endian header of type ET_EXEC: enough for the facts step.
elf_header() {
        printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\076\000'
}

# build_rootfs SPEC BUNDLE ROOT: the entries of SPEC below ROOT (a "root" line moves ROOT).
build_rootfs() {
        local spec=$1 bundle=$2 root=$3 kind path arg
        while read -r kind path arg; do
                case $kind in
                ''|'#'*) continue ;;
                root) root=$bundle/$path; mkdir -p "$root"; continue ;;
                use) root=$(build_rootfs "$fixtures/$path.txt" "$bundle" "$root") || return 1; continue ;;
                esac
                mkdir -p "$root" "$root$(dirname "$path")"
                case $kind in
                dir) mkdir -p "$root$path" ;;
                file) : >"$root$path" ;;
                link) ln -s "$arg" "$root$path" ;;
                elf) elf_header >"$root$path"; chmod 755 "$root$path" ;;
                noexec) elf_header >"$root$path"; chmod 644 "$root$path" ;;
                script) printf '%s\necho hello\n' "$arg" >"$root$path"; chmod 755 "$root$path" ;;
                *) echo "build_rootfs: $spec: unknown entry \"$kind\"" >&2; return 1 ;;
                esac
        done <"$spec"
        echo "$root"
}

run_case() {
        local src=$1 name bundle args want got rc want_rc=0 kind=expected
        name=$(basename "$src")
        bundle=$work/$name
        cp -r "$src" "$bundle"
        [ -e "$bundle/plan.conf" ] || [ -e "$bundle/plans.d" ] || cp "$top/plans/systemd.conf" "$bundle/plan.conf"
        [ -e "$bundle/config.json" ] || [ -e "$src/no-config" ] || cp "$data/default/config.json" "$bundle/"
        [ -e "$bundle/state.json" ] || cp "$data/default/state.json" "$bundle/"
        [ -f "$bundle/state.json" ] && sed -i "s|@BUNDLE@|$bundle|g" "$bundle/state.json"
        [ -f "$bundle/config.json" ] && sed -i "s|@BUNDLE@|$bundle|g" "$bundle/config.json"
        if [ -f "$src/rootfs.txt" ] && ! build_rootfs "$src/rootfs.txt" "$bundle" "$bundle/rootfs" >/dev/null; then
                ok "$name: cannot build its rootfs.txt" 1
                return
        fi
        [ -f "$bundle/args" ] && sed -i "s|@BUNDLE@|$bundle|g" "$bundle/args"
        args=$(cat "$bundle/args" 2>/dev/null || echo "--dry-run --plan plan.conf")
        if [ -f "$src/expected-error" ]; then kind=expected-error; want_rc=2; fi
        [ -f "$src/exit" ] && want_rc=$(cat "$src/exit")
        # shellcheck disable=SC2086
        (cd "$bundle" && exec "$hook" $args <"${bundle}/state.json" >"$work/$name.out" 2>"$work/$name.err")
        rc=$?
        if [ $kind = expected ]; then got=$work/$name.out; else got=$work/$name.err; fi
        sed -i "s|$bundle|@BUNDLE@|g" "$got"
        if [ -n "$update" ]; then cp "$got" "$src/$kind"; fi
        if [ "$rc" != "$want_rc" ]; then
                ok_file "$name: exit $rc, want $want_rc" 1 "$work/$name.err" 1000
        elif ! diff -u "$src/$kind" "$got" >"$work/diff"; then
                ok_file "$name: $kind differs" 1 "$work/diff" 1000
        else
                ok "$name" 0
        fi
}

for c in "$data"/*/; do
        [ "$c" = "$data/default/" ] && continue         # the defaults, not a case
        run_case "${c%/}"
done
tap_done
