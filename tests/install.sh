#!/bin/bash
# make install into a DESTDIR, then use only what was installed (TAP, as root):
# the layout, the installed hook finding its plan directories, and, with
# OMP_INSTALL_BOOT=1 (tests/run-all.sh sets it), systemd booting under runc through
# the installed wrapper and hook. The installed tree is bind-mounted over its real
# prefix in a private mount namespace, so nothing is installed on the host.
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/bundle.sh"
builddir=${OMP_BUILDDIR:-$(cd "$(dirname "$0")/.." && pwd)}
srcdir=${OMP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
        skip_all "needs root and mount namespaces"
fi
work=$(mktemp -d /var/tmp/omp-install.XXXXXX)
cg=/omp-install-$$ cg2=$(bundle_cg2)
trap 'bundle_cgroup_rm "$cg2$cg"; rm -rf "$work"' EXIT
dest=$work/dest


eval "$(make -s -C "$builddir" --no-print-directory print-install-dirs)"

make -s -C "$builddir" install DESTDIR="$dest" >"$work/install.log" 2>&1
ok "make install DESTDIR=..." $? "$(tail -5 "$work/install.log")"
for f in "$bindir/oci-mountplan" "$bindir/oci-mountplan-runtime" "$pkgdatadir/plans/systemd.conf" \
         "$datadir/containers/oci/hooks.d/oci-mountplan.json" \
         "$datadir/containers/oci/hooks.d/oci-mountplan-createruntime.json" "$mandir/man1/oci-mountplan.1" \
         "$mandir/man1/oci-mountplan-runtime.1" "$mandir/man5/oci-mountplan.plan.5" \
         "$docdir/examples/daemon.json" "$docdir/examples/shared-volumes.conf"; do
        [ -e "$dest$f" ]
        ok "installed: $f" $?
done
[ -d "$dest$sysconfdir/oci-mountplan/plans.d" ] && [ -z "$(ls -A "$dest$sysconfdir/oci-mountplan/plans.d")" ]
ok "installed: an empty $sysconfdir/oci-mountplan/plans.d for the admin" $?
grep -q "\"path\": \"$bindir/oci-mountplan\"" "$dest$datadir/containers/oci/hooks.d/oci-mountplan.json" &&
        grep -q "\"path\": \"$bindir/oci-mountplan\"" "$dest$datadir/containers/oci/hooks.d/oci-mountplan-createruntime.json"
ok "hooks.d files name the installed hook" $?
[ ! -e "$dest$pkgdatadir/plans/shared-volumes.conf" ]
ok "the example plan is documentation, not an active plan" $?

# in_installed SCRIPT: run SCRIPT where the installed tree is at its real paths, in a
# test cgroup with a cgroup namespace of its own (the hook's parent stands for the
# container's init).
in_installed() {
        bundle_in_cgroup "$cg2$cg" unshare -m -C --propagation private env DEST="$dest" PREFIX="$prefix" SYSCONFDIR="$sysconfdir" bash -c '
                mount --bind "$DEST$PREFIX" "$PREFIX" || exit 99
                case $SYSCONFDIR in "$PREFIX"/*) ;; *) mount --bind "$DEST$SYSCONFDIR" "$SYSCONFDIR" || exit 99;; esac
                '"$1"
}

bundle_rootfs "$work/b/rootfs"
bundle_config '[]' '["container=docker"]' "$cg" >"$work/b/config.json"
out=$(in_installed "\"$bindir/oci-mountplan\" --validate" 2>&1)
ok "installed hook finds its plans: $out" $([ "$out" = "1 plan(s) valid" ]; echo $?)
out=$(in_installed "mkdir -p \"$sysconfdir/oci-mountplan/plans.d\" && ln -s /dev/null \"$sysconfdir/oci-mountplan/plans.d/systemd.conf\" &&
        \"$bindir/oci-mountplan\" --dry-run --bundle \"$work/b\"" 2>&1)
ok "a symlink to /dev/null in plans.d disables the shipped plan" $(grep -q "no plans found" <<<"$out"; echo $?) "$out"
rm -f "$dest$sysconfdir/oci-mountplan/plans.d/systemd.conf"
out=$(in_installed "mount --bind \"$work/b/rootfs\" \"$work/b/rootfs\" &&
        printf '%s' '$(bundle_state inst "$work/b")' | \"$bindir/oci-mountplan\" && grep -c \" $work/b/rootfs/run \" /proc/self/mountinfo" 2>&1)
ok "installed hook performs the shipped plan" $([ "$out" = 1 ]; echo $?) "$out"

# A real container through the installed wrapper (needs the e2e rootfs).
if [ "${OMP_INSTALL_BOOT:-0}" = 1 ]; then
        . "$srcdir/tests/e2e/lib.sh"
        e2e_init
        e2e_rootfs bookworm >/dev/null
        e2e_new_id installed
        ID=$E2E_ID
        B=$(e2e_bundle "$ID" "$E2E_ROOTFS")
        e2e_config_defaults
        CFG_HOOK_STAGE=""       # no hook in config.json: the wrapper injects it
        e2e_config "$B" "$ID"
        echo "runc hybrid $ID" >>"$E2E_STATE/containers"
        RUN_START=$(e2e_now)
        setsid unshare -m --propagation private env DEST="$dest" PREFIX="$prefix" bash -c \
                'mount --bind "$DEST$PREFIX" "$PREFIX" && exec "$0" "$@"' \
                "$bindir/oci-mountplan-runtime" run --bundle "$B" "$ID" </dev/null >"$B/out" 2>&1 &
        RUN_PID=$!
        echo "$RUN_PID" >>"$E2E_STATE/pids"
        e2e_wait_running runc hybrid "$ID" 10
        ok "installed wrapper + hook: systemd is $SD_STATE after $SD_SECONDS s" \
                $([ "$SD_STATE" = running ]; echo $?) "$(tail -5 "$B/out")"
        jq -e '.hooks.createContainer[0].path == "'"$bindir"'/oci-mountplan"' "$B/config.json" >/dev/null
        ok "the wrapper injected the installed hook" $?
        e2e_wait_status runc hybrid "$ID" running 5
        kill -s RTMIN+3 "$CT_PID"
        e2e_wait_exit 5
        ok "SIGRTMIN+3 stops it, runc exits $RUN_RC" $([ "$RUN_RC" = 0 ]; echo $?)
        e2e_teardown runc hybrid "$ID" "$B"
fi

tap_done
