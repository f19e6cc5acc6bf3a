#!/bin/bash
# See it work: boot systemd as PID 1 in an unprivileged, Docker-like runc
# container with oci-mountplan as its createContainer hook, talk to a real
# service inside it, stop it, then show what happens without the hook.
#
#   tests/e2e/demo.sh                 # as root, after ./configure && make
#   OMP_DEMO_SUITE=testing tests/e2e/demo.sh
#
# Everything it creates (container, mounts, cgroups, temp dirs) is removed
# on exit; the rootfs stays cached in $OMP_E2E_CACHE for the next run.
set -u

. "$(dirname "$0")/lib.sh"

SUITE=${OMP_DEMO_SUITE:-bookworm}
RT=runc HOST=hybrid

say() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

# A web server unit, enabled the way `systemctl enable` would do it.
install_service() {
	local r=$1
	mkdir -p "$r/srv/www" "$r/etc/systemd/system/multi-user.target.wants"
	echo "hello from systemd $(e2e_image_info "$r" | sed 's/.*systemd //') in a container" >"$r/srv/www/index.html"
	cat >"$r/etc/systemd/system/demo-httpd.service" <<-'EOF'
	[Unit]
	Description=Demo web server (busybox httpd on 127.0.0.1:8080)

	[Service]
	ExecStart=/bin/busybox httpd -f -p 127.0.0.1:8080 -h /srv/www

	[Install]
	WantedBy=multi-user.target
	EOF
	ln -sf ../demo-httpd.service "$r/etc/systemd/system/multi-user.target.wants/demo-httpd.service"
}

# new_demo_container NAME HOOK-STAGE TERMINAL: sets ID and B
new_demo_container() {
	e2e_new_id "$1"
	ID=$E2E_ID
	B=$(e2e_bundle "$ID" "$E2E_ROOTFS") || e2e_die "overlay mount failed"
	install_service "$B/rootfs"
	e2e_config_defaults
	CFG_HOOK_STAGE=$2 CFG_TERMINAL=$3
	e2e_config "$B" "$ID"
}

wait_port() {
	local i
	for i in $(seq 50); do
		e2e_exec "$RT" "$HOST" "$ID" busybox wget -q -O /dev/null http://127.0.0.1:8080/ 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

with_hook() {
	say "boot /sbin/init under $RT with the hook (terminal false, no CAP_SYS_ADMIN)"
	new_demo_container demo createContainer false
	printf '$ runc run %s   # config.json: hooks.createContainer = %s --plan %s\n' "$ID" "$OMP_HOOK" "$OMP_PLAN"
	e2e_start "$RT" "$HOST" "$ID" "$B"
	e2e_wait_status "$RT" "$HOST" "$ID" running 15 || { cat "$RUN_ERR"; e2e_die "container did not start"; }
	e2e_wait_running "$RT" "$HOST" "$ID" 10
	say "systemctl is-system-running (after $SD_SECONDS s)"
	show runc exec "$ID" systemctl is-system-running
	say "the web server unit"
	show runc exec "$ID" systemctl status --no-pager --lines=3 demo-httpd.service
	say "a page from it, over the container's own loopback"
	wait_port
	show runc exec "$ID" busybox wget -q -O - http://127.0.0.1:8080/
	say "what the hook mounted"
	show runc exec "$ID" sh -c "grep -E ' /(run|run/lock|tmp|sys/fs/cgroup[^ ]*) ' /proc/self/mountinfo | cut -d' ' -f5,9"
	say "stop it the way docker stop does for systemd: SIGRTMIN+3"
	show runc kill "$ID" 37
	e2e_wait_exit 10
	echo "runc run exited with status $RUN_RC"
	e2e_teardown "$RT" "$HOST" "$ID" "$B"
}

without_hook() {
	say "the same image without the hook (terminal true to see systemd's console)"
	new_demo_container nohook "" true
	printf '$ runc run %s\n' "$ID"
	e2e_start_tty "$RT" "$HOST" "$ID" "$B"
	e2e_wait_exit 15
	tr -d '\r\000' <"$RUN_OUT" | grep -E 'Failed|Exiting|Freezing' | sed 's/\x1b\[[0-9;]*m//g'
	echo "runc run exited with status $RUN_RC"
	e2e_teardown "$RT" "$HOST" "$ID" "$B"
}

main() {
	e2e_init
	[ -x "$OMP_HOOK" ] || e2e_die "no hook at $OMP_HOOK: build it first (./configure && make)"
	say "rootfs: Debian $SUITE with systemd and busybox (cached in $OMP_E2E_CACHE)"
	e2e_rootfs "$SUITE" || exit 2
	echo "$(e2e_image_info "$E2E_ROOTFS")"
	with_hook
	without_hook
	say "cleaned up"
}

main "$@"
