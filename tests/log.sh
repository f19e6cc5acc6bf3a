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
src=$(cd "${OMP_SRCDIR:-$(dirname "$0")/..}" && pwd)     # absolute: a hook run takes no other

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null || ! command -v socat >/dev/null; then
        skip_all "needs root, mount namespaces and socat"
fi
work=$(mktemp -d /var/tmp/omp-log.XXXXXX)
# The hook's parent stands for the container's init: in a test cgroup, with a cgroup
# namespace of its own.
cg=/omp-log-$$ cg2=$(bundle_cg2)
trap 'bundle_cgroup_rm "$cg2$cg"; rm -rf "$work"' EXIT


B=$work/bundle
bundle_rootfs "$B/rootfs"
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

rm -rf "$B/rootfs" && mkdir -p "$B/rootfs"/{etc,run,tmp,var/log,sys/fs/cgroup} && bundle_fake_systemd "$B/rootfs"
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

# What a container names reaches syslog escaped: annotation, env and mount
# destination values and the container id with newlines, ESC and a C1 CSI make no
# extra line and no raw control byte; each run sends the datagrams it always does.
E=$work/evil
mkdir -p "$E/rootfs"/{etc,run,srv}
cat >"$E/config.json" <<'JSON'
{"ociVersion": "1.0.2", "process": {"args": ["/sbin/init"], "cwd": "/",
  "env": ["EVIL=e1\nFORGED-ENV \u001b[31m \u009b2J"]},
 "root": {"path": "rootfs"}, "hostname": "t",
 "annotations": {"evil": "v\r\nFORGED-ANNOTATION \u001b[2J"},
 "mounts": [{"destination": "/run/m\nFORGED-MOUNT \u001b[1m", "type": "tmpfs", "source": "tmpfs"}],
 "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}, {"type": "cgroup"}]}}
JSON
cat >"$E/ok.conf" <<'PLAN'
version = 1;
when = { annotation = [ "evil=v*" ]; env = [ "EVIL=e1*" ]; };
actions = ( { type = "mkdir"; target = "/srv/${env:EVIL}-${annotation:evil}"; } );
PLAN
# fails at its second action: the file's target is a directory
cat >"$E/fail.conf" <<'PLAN'
version = 1;
actions = ( { type = "tmpfs"; target = "/run"; },
            { type = "file"; target = "/srv/${annotation:evil}"; content = "x"; replace = "always"; } );
PLAN
mkdir -p "$E/rootfs/srv/"$'v\r\nFORGED-ANNOTATION \e[2J'
bundle_state evil "$E" >"$E/state.json"
printf '{"ociVersion":"1.0.2","id":"x\\nFORGED-ID \\u001b[31m\\u009b","status":"creating","pid":1,"bundle":"%s"}' "$E" \
        >"$E/bad-id.json"
# escaped LOGFILE DATAGRAMS: no raw control byte (the datagrams hold no newline), the
# number of datagrams, and the FORGED markers there, escaped.
escaped() {
        ! LC_ALL=C grep -qaP '[\x01-\x1f\x7f]|\xc2[\x80-\x9f]' "$1" &&
                [ "$(grep -ao 'oci-mountplan\[[0-9]*\]: ' "$1" | wc -l)" = "$2" ] &&
                grep -qa '\\nFORGED' "$1"
}
evil_run() {    # evil_run LOGFILE PLAN STATE
        with_syslog "$1" 'mount --bind "'"$E/rootfs"'" "'"$E/rootfs"'"
                "$HOOK" --plan "'"$E/$2"'" --log-level debug <"'"$E/$3"'" 2>"'"$E/stderr"'"; echo "exit $?" >"$W/rc"'
}
evil_run "$work/evil-ok.log" ok.conf state.json
ok "hostile values, run succeeds: exit 0, 3 datagrams, escaped" \
        $([ "$(cat "$work/rc")" = "exit 0" ] && escaped "$work/evil-ok.log" 3 &&
          grep -qa 'mkdir /srv/e1\\nFORGED-ENV \\x1b\[31m \\xc2\\x9b2J-v\\r\\nFORGED-ANNOTATION \\x1b\[2J: done' \
                "$work/evil-ok.log"; echo $?) "$(cat "$work/rc")" "$(od -c "$work/evil-ok.log" | head -30)"
evil_run "$work/evil-fail.log" fail.conf state.json
ok "hostile values, run fails: exit 1, 5 datagrams with the err one escaped, stderr one escaped line" \
        $([ "$(cat "$work/rc")" = "exit 1" ] && escaped "$work/evil-fail.log" 5 &&
          grep -qa '<27>oci-mountplan\[[0-9]*\]: evil: .*FORGED' "$work/evil-fail.log" &&
          [ "$(wc -l <"$E/stderr")" = 1 ] && ! LC_ALL=C grep -qaP '[\x01-\x09\x0b-\x1f\x7f]' "$E/stderr"; echo $?) \
        "$(cat "$work/rc" "$E/stderr")" "$(od -c "$work/evil-fail.log" | head -30)"
evil_run "$work/evil-id.log" ok.conf bad-id.json
ok "container id with controls: exit 2, one err datagram, escaped" \
        $([ "$(cat "$work/rc")" = "exit 2" ] && escaped "$work/evil-id.log" 1 &&
          grep -qa '^<27>oci-mountplan\[[0-9]*\]: stdin: container id "x\\nFORGED-ID \\x1b\[31m\\xc2\\x9b"' \
                "$work/evil-id.log"; echo $?) "$(cat "$work/rc")" "$(od -c "$work/evil-id.log" | head -30)"

# No socket at all: no error, no delay.
rm -rf "$B/rootfs" && mkdir -p "$B/rootfs"/{etc,run,tmp,var/log,sys/fs/cgroup} && bundle_fake_systemd "$B/rootfs"
start=$(date +%s%N)
bundle_in_cgroup "$cg2$cg" unshare -m -C --propagation private \
        env R="$B/rootfs" HOOK="$hook" STATE="$STATE" PLAN="$src/plans/systemd.conf" bash -c '
        mount -t tmpfs tmpfs /dev && mount --bind "$R" "$R" && : >/dev/null
        printf "%s" "$STATE" | "$HOOK" --plan "$PLAN" 2>"'"$work/nosock.err"'"'
rc=$? ms=$((($(date +%s%N) - start) / 1000000))
ok "no /dev/log: exit 0, nothing on stderr, ${ms} ms" $([ $rc = 0 ] && [ ! -s "$work/nosock.err" ] && [ $ms -lt 2000 ]; echo $?) \
        "rc=$rc $(cat "$work/nosock.err")"

tap_done
