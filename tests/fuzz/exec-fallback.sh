#!/bin/bash
# tests/exec.sh again, with the hook run under tests/fuzz/enosys --openat2 --mount-api:
# openat2 and the new mount API fail with ENOSYS, as on kernels before 5.2/5.6, so
# rootfs.c's component walk and mount.c's mount(2) on /proc/self/fd/N do all the work;
# every check (symlink safety, rollback) must hold there too. With strace installed,
# first checks that the fallbacks are really taken. TAP, as root.
set -u
src=${OMP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${OMP_BUILDDIR:-$src}
hook=${OMP_HOOK:-$build/oci-mountplan}
enosys=$build/tests/fuzz/enosys
. "$src/tests/bundle.sh"
n=0 failed=0

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
        echo "1..0 # SKIP needs root and mount namespaces"
        exit 0
fi
if [ ! -x "$enosys" ] || [ ! -x "$hook" ]; then
        echo "Bail out! $enosys or $hook not built"
        exit 1
fi
work=$(mktemp -d /var/tmp/omp-enosys.XXXXXX)
trap 'rm -rf "$work"' EXIT

result() {      # result NAME OK [DETAIL...]
        n=$((n + 1))
        if [ "$2" = 0 ]; then echo "ok $n - $1"; return; fi
        echo "not ok $n - $1"
        shift 2
        [ $# -gt 0 ] && printf '#   %s\n' "$@"
        failed=$((failed + 1))
}

cat >"$work/hook" <<SH
#!/bin/sh
exec "$enosys" --openat2 --mount-api -- "$hook" "\$@"
SH
chmod +x "$work/hook"

# strace_run NAME HOOK: the systemd plan on a fresh bundle in a private mount
# namespace under strace; the trace goes to $work/NAME.trace.
strace_run() {
        local B=$work/$1 R=$work/$1/rootfs
        mkdir -p "$R"/{etc,run,tmp,var/log,sys/fs/cgroup,sbin}
        : >"$R/etc/machine-id"
        bundle_fake_systemd "$R"
        cat >"$B/config.json" <<JSON
{"ociVersion": "1.0.2", "process": {"args": ["/sbin/init"]}, "root": {"path": "rootfs"}, "mounts": [],
 "linux": {"namespaces": [{"type": "mount"}, {"type": "cgroup"}]}}
JSON
        printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":1,"bundle":"%s"}' "$1" "$B" |
                ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
                unshare -m --propagation private sh -c 'mount --bind "$1" "$1" && exec "$2" -f -qq -o "$3" \
                        -e trace=openat2,fsopen,fsconfig,fsmount,move_mount,open_tree,mount_setattr,mount \
                        "$4" --plan "$5"' sh "$R" "$(command -v strace)" "$work/$1.trace" "$2" "$src/plans/systemd.conf" \
                >"$work/$1.log" 2>&1
}

# (LeakSanitizer cannot work under ptrace: an ASan build's leak check is off for the traced runs.)
if command -v strace >/dev/null; then
        strace_run fallback "$work/hook"
        result "under enosys the hook succeeds" $? "$(cat "$work/fallback.log")"
        grep -q 'openat2(.* = -1 ENOSYS' "$work/fallback.trace" &&
                ! grep -qE 'openat2\(.* = [0-9]+$' "$work/fallback.trace"
        result "openat2 fails with ENOSYS and is not retried successfully" $? "$(grep openat2 "$work/fallback.trace" | head -3)"
        grep -qE '(fsopen|open_tree)\(.* = -1 ENOSYS' "$work/fallback.trace" &&
                ! grep -qE '(fsopen|fsmount|move_mount|open_tree|mount_setattr)\(.* = [0-9]+$' "$work/fallback.trace"
        result "the new mount API fails with ENOSYS, none of it succeeds" $? \
                "$(grep -E 'fsopen|open_tree|move_mount' "$work/fallback.trace" | head -3)"
        grep -qE '^[0-9]+ +mount\("[^"]*", "/proc/self/fd/[0-9]+", "tmpfs", .* = 0$' "$work/fallback.trace"
        result "tmpfs mounted with mount(2) on /proc/self/fd/N" $? "$(grep 'mount(' "$work/fallback.trace" | head -5)"
        ! grep -qE 'mount\("[^"]*", "/[^p]' "$work/fallback.trace"
        result "mount(2) is never given a path string other than /proc/self/fd/N" $? \
                "$(grep -E 'mount\("[^"]*", "/[^p]' "$work/fallback.trace" | head -3)"
        strace_run native "$hook"
        grep -qE 'fsopen\(.* = [0-9]+$' "$work/native.trace" && grep -qE 'openat2\(.* = [0-9]+$' "$work/native.trace"
        result "without enosys the same run uses openat2 and fsopen (the contrast)" $? \
                "$(grep -E 'fsopen|openat2' "$work/native.trace" | head -3)"
else
        echo "ok $((n += 1)) # SKIP strace not installed: fallback paths not traced"
fi

# tests/exec.sh under the wrapper, its TAP renumbered after ours.
OMP_HOOK=$work/hook OMP_SRCDIR=$src bash "$src/tests/exec.sh" >"$work/exec.tap" 2>&1
rc=$?
while IFS= read -r line; do
        case $line in
        "ok "[0-9]*|"not ok "[0-9]*)
                [ "${line%%ok *}" = "not " ] && failed=$((failed + 1))
                n=$((n + 1))
                echo "$line" | sed -E "s/^(not )?ok [0-9]+ - /\1ok $n - enosys: /" ;;
        "1..0"*) echo "ok $((n += 1)) # SKIP tests/exec.sh: $line" ;;
        1..*) ;;
        *) echo "$line" ;;
        esac
done <"$work/exec.tap"
[ $rc = 0 ] || [ $failed -gt 0 ] || result "tests/exec.sh exit status" $rc
echo "1..$n"
[ $failed -eq 0 ]
