#!/bin/bash
# The hook's syslog (TAP, as root): with a /dev/log socket it logs one line per
# container start naming the container and every operation, per-operation lines at
# --log-level debug, and bad input at err; without a socket it neither fails nor
# waits. A private mount namespace gets its own /dev with a socat listener as
# /dev/log, so the host's logging is not touched.
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/bundle.sh"
hook=${OMP_HOOK:-$(dirname "$0")/../oci-mountplan}
src=${OMP_SRCDIR:-$(dirname "$0")/..}

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null || ! command -v socat >/dev/null; then
        echo "1..0 # SKIP needs root, mount namespaces and socat"
        exit 0
fi
work=$(mktemp -d /var/tmp/omp-log.XXXXXX)
# The hook's parent stands for the container's init: in a test cgroup, with a cgroup
# namespace of its own.
cg=/omp-log-$$ cg2=$(bundle_cg2)
trap 'bundle_cgroup_rm "$cg2$cg"; rm -rf "$work"' EXIT


B=$work/bundle
mkdir -p "$B/rootfs"/{etc,run,tmp,var/log,sys/fs/cgroup}
: >"$B/rootfs/etc/machine-id"
bundle_config '[]' '["container=docker"]' "$cg" >"$B/config.json"
STATE=$(bundle_state 4f9a2b1c0d8e7f6a5b4c "$B")

# with_syslog LOGFILE SCRIPT: SCRIPT runs with a /dev/log whose datagrams go to LOGFILE.
with_syslog() {
        bundle_in_cgroup "$cg2$cg" unshare -m -C --propagation private \
                env R="$B/rootfs" W="$work" LOG="$1" HOOK="$hook" STATE="$STATE" \
                PLAN="$src/plans/systemd.conf" bash -c '
                mkdir -p "$W/dev" && mount -t tmpfs tmpfs "$W/dev" || exit 99
                for d in null zero urandom random; do : >"$W/dev/$d"; mount --bind "/dev/$d" "$W/dev/$d"; done
                socat -u UNIX-RECV:"$W/dev/log" CREATE:"$LOG" & pid=$!
                for _ in $(seq 50); do [ -S "$W/dev/log" ] && break; sleep 0.05; done
                mount --bind "$W/dev" /dev || exit 99
                mount --bind "$R" "$R"
                '"$2"'
                sleep 0.3; kill $pid'
}

with_syslog "$work/info.log" 'printf "%s" "$STATE" | "$HOOK" --plan "$PLAN"'
ok "hook run with a syslog socket succeeds" $?
line=$(tr -d '\0' <"$work/info.log")
ok "one line per container start, at info, with the short id" \
        $([ "$(grep -c 'oci-mountplan\[' <<<"$line")" = 1 ] && grep -q '^<30>oci-mountplan\[[0-9]*\]: 4f9a2b1c0d8e: stage createContainer' <<<"$line"; echo $?) "$line"
ok "the line names every operation and what became of it" \
        $(grep -q 'tmpfs /run done, mkdir /run/host skipped,.* cgroup /sys/fs/cgroup done, file /etc/machine-id done' <<<"$line"; echo $?) "$line"

rm -rf "$B/rootfs" && mkdir -p "$B/rootfs"/{etc,run,tmp,var/log,sys/fs/cgroup}
with_syslog "$work/debug.log" 'printf "%s" "$STATE" | "$HOOK" --plan "$PLAN" --log-level debug'
ok "--log-level debug: a line per operation with its plan line" \
        $(grep -q 'systemd.conf:[0-9]*: tmpfs /run/lock: done' "$work/debug.log" &&
          grep -q 'mkdir /run/host: skipped: env_not: container is set' "$work/debug.log"; echo $?) "$(tr '\0' '\n' <"$work/debug.log")"

with_syslog "$work/err.log" 'printf "{}" | "$HOOK" --plan "$PLAN" 2>/dev/null; echo "exit $?" >"$W/rc"'
ok "bad input: exit 2, and an err line in syslog" \
        $([ "$(cat "$work/rc")" = "exit 2" ] && grep -q '^<27>oci-mountplan\[[0-9]*\]: stdin: state has no container id' "$work/err.log"; echo $?) \
        "$(cat "$work/rc"; cat "$work/err.log")"

with_syslog "$work/none.log" 'printf "%s" "$STATE" | "$HOOK" --plan "$PLAN" --log-level none'
ok "--log-level none: nothing logged" $([ ! -s "$work/none.log" ]; echo $?)

# No socket at all: no error, no delay.
rm -rf "$B/rootfs" && mkdir -p "$B/rootfs"/{etc,run,tmp,var/log,sys/fs/cgroup}
start=$(date +%s%N)
bundle_in_cgroup "$cg2$cg" unshare -m -C --propagation private \
        env R="$B/rootfs" HOOK="$hook" STATE="$STATE" PLAN="$src/plans/systemd.conf" bash -c '
        mount -t tmpfs tmpfs /dev && mount --bind "$R" "$R" && : >/dev/null
        printf "%s" "$STATE" | "$HOOK" --plan "$PLAN" 2>"'"$work/nosock.err"'"'
rc=$? ms=$((($(date +%s%N) - start) / 1000000))
ok "no /dev/log: exit 0, nothing on stderr, ${ms} ms" $([ $rc = 0 ] && [ ! -s "$work/nosock.err" ] && [ $ms -lt 2000 ]; echo $?) \
        "rc=$rc $(cat "$work/nosock.err")"

tap_done
