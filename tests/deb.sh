#!/bin/bash
# The Debian package (TAP, as root, on Debian 12): builds it with contrib/deb.sh,
# runs lintian (no errors; warnings shown as comments), installs it with apt-get,
# checks the installed files, boots systemd under runc through the installed
# /usr/bin/oci-mountplan-runtime (the e2e helpers; no bind mounts, the package is
# really installed), stops it with SIGRTMIN+3 and purges the package, also when a
# step fails, so the host is left as found.
#   tests/deb.sh [--rev REV | --worktree]     (passed to contrib/deb.sh)
set -u
. "$(dirname "$0")/tap.sh"

# Debian packages this test needs beyond contrib/install-deps.sh's build and
# e2e packages (fakeroot is not needed: the package declares Rules-Requires-Root: no).
DEB_PACKAGES="dpkg-dev debhelper lintian"

srcdir=$(cd "$(dirname "$0")/.." && pwd)
work="" E2E_STATE=""


bail() {        # bail MESSAGE: a step later steps need failed
        echo "Bail out! $1"
        exit 1
}

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'; }

if [ "$(id -u)" != 0 ]; then
        skip_all "needs root (installs the package)"
fi
if dpkg-query -W -f='${Status}\n' oci-mountplan 2>/dev/null | grep -qv '^unknown ok not-installed'; then
        skip_all "oci-mountplan is already installed here; this test would purge it"
fi

cleanup() {
        local rc=$?
        [ -n "$E2E_STATE" ] && e2e_cleanup
        if dpkg-query -W oci-mountplan >/dev/null 2>&1; then
                echo "# cleanup: purging oci-mountplan"
                DEBIAN_FRONTEND=noninteractive apt-get purge -y -q oci-mountplan >/dev/null 2>&1 ||
                        dpkg --purge oci-mountplan >/dev/null 2>&1
        fi
        [ -n "$work" ] && rm -rf "$work"
        exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

missing=()
for p in $DEB_PACKAGES; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
        echo "# installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 ||
                bail "apt-get install ${missing[*]} failed"
fi

work=$(mktemp -d /var/tmp/omp-deb-test.XXXXXX)
start=$(date +%s)
"$srcdir/contrib/deb.sh" "$@" "$work/out" >"$work/deb.log" 2>&1
rc=$?
deb=$(compgen -G "$work/out/oci-mountplan_*.deb" | head -n 1)
ok "contrib/deb.sh builds ${deb##*/} in $(($(date +%s) - start)) s" \
        "$([ $rc = 0 ] && [ -n "$deb" ]; echo $?)" "$(tail -15 "$work/deb.log")"
[ -n "$deb" ] || bail "no package"
sed -n 's/^# TOTAL: */# build-time make check: /p; s/^# \(PASS\|SKIP\|FAIL\|ERROR\): */#   \1 /p' \
        "$work/out/oci-mountplan-build.log"

changes=$(compgen -G "$work/out/oci-mountplan_*.changes" | head -n 1)
lintian --pedantic "$changes" 2>&1 | grep -v '^running with root privileges' >"$work/lintian.log"
sed -n 's/^\([WIP]: .*\)/# lintian \1/p' "$work/lintian.log"
! grep -q '^E: ' "$work/lintian.log"
ok "lintian: no errors" $? "$(grep '^E: ' "$work/lintian.log")"

DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$work/apt.log" 2>&1
rc=$?
ok "apt-get install ./${deb##*/}" "$([ $rc = 0 ] && installed oci-mountplan; echo $?)" "$(tail -10 "$work/apt.log")"
installed oci-mountplan || bail "not installed"
out=$(dpkg --audit 2>&1)
ok "dpkg --audit is clean" "$([ -z "$out" ]; echo $?)" "$out"

out=$(/usr/bin/oci-mountplan --validate 2>&1)
ok "/usr/bin/oci-mountplan --validate: $out" "$([ "$out" = "1 plan(s) valid" ]; echo $?)"
jq -e '.hook.path == "/usr/bin/oci-mountplan"' /usr/share/containers/oci/hooks.d/oci-mountplan.json >/dev/null &&
        jq -e '.hook.path == "/usr/bin/oci-mountplan" and .stages == ["createRuntime"]' \
                /usr/share/containers/oci/hooks.d/oci-mountplan-createruntime.json >/dev/null
ok "hooks.d files (createContainer, createRuntime) name /usr/bin/oci-mountplan" $?
[ -d /etc/oci-mountplan/plans.d ] && [ -z "$(ls -A /etc/oci-mountplan/plans.d)" ]
ok "empty /etc/oci-mountplan/plans.d for the admin" $?
for page in oci-mountplan oci-mountplan-runtime "5 oci-mountplan.plan"; do
        # shellcheck disable=SC2086 # "5 name" is two arguments on purpose
        out=$(man -w $page 2>&1)
        ok "man -w $page: $out" "$([ -f "$out" ]; echo $?)"
done
for b in /usr/bin/oci-mountplan /usr/bin/oci-mountplan-runtime; do
        ! readelf -l "$b" 2>/dev/null | grep -q 'INTERP'
        ok "$b is linked statically" $?
done

# systemd under runc through the installed wrapper, which injects the installed hook.
OMP_HOOK=/usr/bin/oci-mountplan
OMP_PLAN=/usr/share/oci-mountplan/plans/systemd.conf
. "$srcdir/tests/e2e/lib.sh"
e2e_init
trap cleanup EXIT       # e2e_init installed e2e_cleanup; cleanup calls it, then purges
e2e_rootfs bookworm >/dev/null || bail "no bookworm rootfs"
e2e_new_id deb
ID=$E2E_ID
B=$(e2e_bundle "$ID" "$E2E_ROOTFS") || bail "no bundle"
e2e_config_defaults
CFG_HOOK_STAGE=""       # no hook in config.json: the wrapper injects it
e2e_config "$B" "$ID"
echo "runc hybrid $ID" >>"$E2E_STATE/containers"
RUN_START=$(e2e_now)
setsid /usr/bin/oci-mountplan-runtime run --bundle "$B" "$ID" </dev/null >"$B/out" 2>&1 &
RUN_PID=$!
echo "$RUN_PID" >>"$E2E_STATE/pids"
e2e_wait_running runc hybrid "$ID" 15
ok "installed wrapper + hook: systemd is $SD_STATE after $SD_SECONDS s" \
        "$([ "$SD_STATE" = running ]; echo $?)" "$(tail -5 "$B/out")"
jq -e '.hooks.createContainer[0].path == "/usr/bin/oci-mountplan"' "$B/config.json" >/dev/null
ok "the wrapper injected /usr/bin/oci-mountplan" $?
if e2e_wait_status runc hybrid "$ID" running 5; then
        stop=$(e2e_now)
        kill -s RTMIN+3 "$CT_PID"
        e2e_wait_exit 10
        ok "SIGRTMIN+3 stops it in $(e2e_since "$stop") s, runc exits $RUN_RC" \
                "$([ "$RUN_RC" = 0 ]; echo $?)" "$(tail -5 "$B/out")"
else
        ok "SIGRTMIN+3 stops it" 1 "container not running"
fi
e2e_teardown runc hybrid "$ID" "$B"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q oci-mountplan >"$work/purge.log" 2>&1
rc=$?
left=$(ls -d /usr/bin/oci-mountplan* /usr/share/oci-mountplan /etc/oci-mountplan \
        /usr/share/containers/oci/hooks.d/oci-mountplan*.json 2>/dev/null)
ok "apt-get purge oci-mountplan leaves nothing behind" \
        "$([ $rc = 0 ] && ! dpkg-query -W oci-mountplan >/dev/null 2>&1 && [ -z "$left" ]; echo $?)" \
        "$(tail -5 "$work/purge.log"; echo "$left")"

tap_done
