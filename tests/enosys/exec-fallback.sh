#!/bin/bash
# tests/exec.sh again, with the hook run under tests/enosys/enosys --openat2 --mount-api:
# openat2 and the new mount API fail with ENOSYS, as on kernels before 5.2/5.6, so
# rootfs.c's component walk and mount.c's mount(2) on /proc/self/fd/N do all the work;
# every check (symlink safety, rollback) must hold there too. With strace installed,
# first checks that the fallbacks are really taken. TAP, as root.
set -u
src=$(cd "${OMP_SRCDIR:-$(dirname "$0")/../..}" && pwd)
build=${OMP_BUILDDIR:-$src}
hook=${OMP_HOOK:-$build/oci-mountplan}
enosys=$build/tests/enosys/enosys
. "$src/tests/tap.sh"
. "$src/tests/bundle.sh"

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
        skip_all "needs root and mount namespaces"
fi
if [ ! -x "$enosys" ] || [ ! -x "$hook" ]; then
        bail_out "$enosys or $hook not built"
fi
work=$(mktemp -d /var/tmp/omp-enosys.XXXXXX)
cg=$(bundle_cg2)/omp-enosys-$$
trap 'bundle_cgroup_rm "$cg"; rm -rf "$work"' EXIT

cat >"$work/hook" <<SH
#!/bin/sh
exec "$enosys" --openat2 --mount-api -- "$hook" "\$@"
SH
chmod +x "$work/hook"

# strace_run NAME HOOK: the systemd plan on a fresh bundle in a private mount
# namespace under strace; the trace goes to $work/NAME.trace. The namespace's
# processes are in a test cgroup with a cgroup namespace of their own (strace, the
# hook's parent, stands for the container's init).
strace_run() {
        local B=$work/$1 R=$work/$1/rootfs
        bundle_rootfs "$R"
        bundle_config '[]' '[]' >"$B/config.json"
        bundle_state "$1" "$B" |
                ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
                bundle_in_cgroup "$cg/$1" unshare -m -C --propagation private sh -c 'mount --bind "$1" "$1" && exec "$2" -f -qq -o "$3" \
                        -e trace=openat2,fsopen,fsconfig,fsmount,move_mount,open_tree,mount_setattr,mount \
                        "$4" --plan "$5"' sh "$R" "$(command -v strace)" "$work/$1.trace" "$2" "$src/plans/systemd.conf" \
                >"$work/$1.log" 2>&1
}

# (LeakSanitizer cannot work under ptrace: an ASan build's leak check is off for the traced runs.)
if command -v strace >/dev/null; then
        strace_run fallback "$work/hook"
        ok "under enosys the hook succeeds" $? "$(cat "$work/fallback.log")"
        grep -q 'openat2(.* = -1 ENOSYS' "$work/fallback.trace" &&
                ! grep -qE 'openat2\(.* = [0-9]+$' "$work/fallback.trace"
        ok "openat2 fails with ENOSYS and is not retried successfully" $? "$(grep openat2 "$work/fallback.trace" | head -3)"
        grep -qE '(fsopen|open_tree)\(.* = -1 ENOSYS' "$work/fallback.trace" &&
                ! grep -qE '(fsopen|fsmount|move_mount|open_tree|mount_setattr)\(.* = [0-9]+$' "$work/fallback.trace"
        ok "the new mount API fails with ENOSYS, none of it succeeds" $? \
                "$(grep -E 'fsopen|open_tree|move_mount' "$work/fallback.trace" | head -3)"
        grep -qE '^[0-9]+ +mount\("[^"]*", "/proc/self/fd/[0-9]+", "tmpfs", .* = 0$' "$work/fallback.trace"
        ok "tmpfs mounted with mount(2) on /proc/self/fd/N" $? "$(grep 'mount(' "$work/fallback.trace" | head -5)"
        ! grep -qE 'mount\("[^"]*", "/[^p]' "$work/fallback.trace"
        ok "mount(2) is never given a path string other than /proc/self/fd/N" $? \
                "$(grep -E 'mount\("[^"]*", "/[^p]' "$work/fallback.trace" | head -3)"
        strace_run native "$hook"
        grep -qE 'fsopen\(.* = [0-9]+$' "$work/native.trace" && grep -qE 'openat2\(.* = [0-9]+$' "$work/native.trace"
        ok "without enosys the same run uses openat2 and fsopen (the contrast)" $? \
                "$(grep -E 'fsopen|openat2' "$work/native.trace" | head -3)"
else
        skip "the fallbacks are taken" "strace not installed: fallback paths not traced"
fi

# tests/exec.sh under the wrapper, its TAP renumbered after ours.
OMP_ENOSYS=1 OMP_HOOK=$work/hook OMP_SRCDIR=$src bash "$src/tests/exec.sh" >"$work/exec.tap" 2>&1
rc=$?
tap_include "$work/exec.tap" "enosys: "
[ $rc = 0 ] || [ $failed -gt 0 ] || ok "tests/exec.sh exit status" $rc
tap_done
