#!/bin/bash
# Load test (as root): 20 systemd containers started at once through the runtime
# wrapper (oci-mountplan-runtime -> runc; the wrapper injects the hook into each
# config.json), the way Docker runs them with the wrapper as its runtime. All must
# reach "running" (runtime status and systemctl is-system-running), keep a whole
# config.json with the hook in it once, stop cleanly on SIGRTMIN+3, and leave no
# mounts, state directories, cgroups or processes on the host.
#
#   tests/e2e/load.sh
#   OMP_LOAD_COUNT=40 OMP_LOAD_STAGGER=0 tests/e2e/load.sh
#
# Variables: those of lib.sh (OMP_HOOK, OMP_PLAN, OMP_E2E_CACHE, ...), and
#   OMP_RUNTIME           the wrapper (default <repo>/oci-mountplan-runtime)
#   OMP_LOAD_COUNT        containers (20)
#   OMP_LOAD_SUITE        rootfs suite (bookworm)
#   OMP_LOAD_STAGGER      seconds between two starts (0.05; 0 = all at once)
#   OMP_LOAD_BOOT_TIMEOUT seconds for all of them to be running (90)
#   OMP_LOAD_STOP_TIMEOUT seconds for all of them to stop (30)
# Ends with one line "N passed, N failed, N skipped"; exit 1 if anything failed.
set -u

. "$(dirname "$0")/lib.sh"

OMP_RUNTIME=${OMP_RUNTIME:-$E2E_REPO/oci-mountplan-runtime}
COUNT=${OMP_LOAD_COUNT:-20}
SUITE=${OMP_LOAD_SUITE:-bookworm}
STAGGER=${OMP_LOAD_STAGGER:-0.05}
BOOT_TIMEOUT=${OMP_LOAD_BOOT_TIMEOUT:-90}
STOP_TIMEOUT=${OMP_LOAD_STOP_TIMEOUT:-30}
RT=runc HOST=hybrid

# Every runtime command of lib.sh (run, state, exec, kill, delete) goes through the
# wrapper: it rewrites config.json for create and run and passes the rest through.
eval "e2e_rt_cmd_direct() $(declare -f e2e_rt_cmd | tail -n +2)"
e2e_rt_cmd() {
	e2e_rt_cmd_direct "$@"
	RT_CMD=("$OMP_RUNTIME" --runtime-path "${RT_CMD[0]}" --hook-path "$OMP_HOOK" --plan "$OMP_PLAN" "${RT_CMD[@]:1}")
}

# use I: the lib's per-container globals for container I
use() { ID=${IDS[$1]} B=${BUNDLES[$1]} RUN_PID=${PIDS[$1]} RUN_START=${STARTS[$1]} RUN_ERR=${BUNDLES[$1]}/stderr; }

# Host state that must come back: the mount table without this run's overlays and
# without other test runs' state directories; which omp-e2e cgroups exist.
host_mounts() { e2e_host_mounts | grep -v -e '/omp-e2e\.' -e '/omp-faults\.' -e '/omp-exec\.'; }
our_cgroups() { ls -d /sys/fs/cgroup/*/omp-e2e/omp-e2e-$$-* 2>/dev/null; }
# Processes in our containers' cgroups (any hierarchy), or still in our state dir.
our_procs() {
	grep -l "omp-e2e/omp-e2e-$$-" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 | grep -vx "$$" | sort -u
}

# percentiles of a list of numbers: "min median max"
spread() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "min %s, median %s, max %s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

preflight() {
	command -v runc >/dev/null || e2e_die "runc not installed"
	[ -x "$OMP_RUNTIME" ] || e2e_die "wrapper $OMP_RUNTIME missing (build it first)"
	[ -x "$OMP_HOOK" ] || e2e_die "hook $OMP_HOOK missing (build it first)"
	[ -f /sys/fs/cgroup/unified/cgroup.procs ] ||
		e2e_die "this test expects a hybrid cgroup host (cgroup2 at /sys/fs/cgroup/unified)"
}

declare -a IDS BUNDLES PIDS STARTS CTPIDS BOOTS
prepare() {
	local i
	for ((i = 0; i < COUNT; i++)); do
		e2e_new_id "load$i"
		IDS[i]=$E2E_ID
		BUNDLES[i]=$(e2e_bundle "$E2E_ID" "$E2E_ROOTFS") || e2e_die "cannot make the bundle of $E2E_ID"
		e2e_config_defaults
		# shellcheck disable=SC2034 # read by e2e_config
		CFG_HOOK_STAGE=""       # the wrapper adds it
		e2e_config "${BUNDLES[i]}" "$E2E_ID"
		jq -S . "${BUNDLES[i]}/config.json" >"${BUNDLES[i]}.config.before" || e2e_die "bad config.json from e2e_config"
	done
}

start_all() {
	local i
	for ((i = 0; i < COUNT; i++)); do
		e2e_start "$RT" "$HOST" "${IDS[i]}" "${BUNDLES[i]}"
		PIDS[i]=$RUN_PID STARTS[i]=$RUN_START
		[ "$STAGGER" = 0 ] || sleep "$STAGGER"
	done
}

wait_running() {
	local i running=0 booted=0
	for ((i = 0; i < COUNT; i++)); do
		use $i
		if ! e2e_wait_status "$RT" "$HOST" "$ID" running "$BOOT_TIMEOUT"; then
			why "$ID: runtime status not running: $(tail -n 3 "$RUN_ERR" | tr '\n' ' ')"
			continue
		fi
		running=$((running + 1))
		CTPIDS[i]=$CT_PID
		if e2e_wait_running "$RT" "$HOST" "$ID" "$BOOT_TIMEOUT"; then
			booted=$((booted + 1))
			BOOTS[i]=$SD_SECONDS
		else
			why "$ID: systemd is $SD_STATE after $SD_SECONDS s:" \
				"$(e2e_exec "$RT" "$HOST" "$ID" systemctl --failed --plain --no-legend --no-pager 2>&1 | head -n 3)"
		fi
	done
	RUNNING=$running BOOTED=$booted
}

# The hook did its job in each: one tmpfs on /run, /run/lock, /tmp, cgroup2 at /sys/fs/cgroup.
check_mounts_inside() {
	local i got
	for ((i = 0; i < COUNT; i++)); do
		use $i
		[ -n "${CTPIDS[i]:-}" ] || continue
		got=$(awk '{ for (j = 7; $j != "-"; j++); print $5, $(j + 1) }' "/proc/${CTPIDS[i]}/mountinfo" 2>/dev/null |
			grep -cx -e '/run tmpfs' -e '/run/lock tmpfs' -e '/tmp tmpfs' -e '/sys/fs/cgroup cgroup2')
		[ "$got" = 4 ] || why "$ID: $got of the 4 mounts the plan makes (/run, /run/lock, /tmp, cgroup2)"
	done
}

check_configs() {
	local i c
	for ((i = 0; i < COUNT; i++)); do
		c=${BUNDLES[i]}/config.json
		if ! jq -e . "$c" >/dev/null 2>&1; then
			why "${IDS[i]}: config.json does not parse"
		elif ! jq -e --arg h "$OMP_HOOK" '.hooks.createContainer | length == 1 and .[0].path == $h' "$c" >/dev/null; then
			why "${IDS[i]}: hooks: $(jq -c .hooks "$c")"
		elif ! cmp -s <(jq -S 'del(.hooks)' "$c") "${BUNDLES[i]}.config.before"; then
			why "${IDS[i]}: config.json changed beyond the hook"
		fi
		compgen -G "${BUNDLES[i]}/.config.json.*" >/dev/null && why "${IDS[i]}: a temporary .config.json.XXXXXX was left"
	done
	return 0
}

stop_all() {
	local i t0 stopped=0 st
	t0=$(e2e_now)
	for ((i = 0; i < COUNT; i++)); do
		use $i
		e2e_rt "$RT" "$HOST" kill "$ID" 37 >/dev/null 2>&1 || why "$ID: kill RTMIN+3 failed"
	done
	for ((i = 0; i < COUNT; i++)); do
		use $i
		e2e_wait_exit "$STOP_TIMEOUT"
		st=$(e2e_state_field "$RT" "$HOST" "$ID" status)
		if [ "$RUN_RC" = 0 ] || [ "$st" = stopped ]; then
			stopped=$((stopped + 1))
		else
			why "$ID: runtime exit $RUN_RC (124 = still running), state '${st:-gone}': $(tail -n 2 "$RUN_ERR" | tr '\n' ' ')"
		fi
	done
	STOPPED=$stopped STOP_SECONDS=$(e2e_since "$t0")
}

# What the runtime and the hook left behind, before any forced cleanup.
check_leftovers() {
	local i left
	for ((i = 0; i < COUNT; i++)); do
		use $i
		[ -e "/run/runc/$ID" ] && why "$ID: state directory /run/runc/$ID left"
		# (the bundle's overlay at $B/rootfs is ours, not the runtime's)
		left=$(findmnt -rn -o TARGET | grep -F -e "$B/rootfs/" -e "$ID" | grep -vxF "$B/rootfs")
		[ -n "$left" ] && why "$ID: mounts left: ${left//$'\n'/ }"
		[ -n "${CTPIDS[i]:-}" ] && kill -0 "${CTPIDS[i]}" 2>/dev/null && why "$ID: init (pid ${CTPIDS[i]}) still alive"
	done
	left=$(our_cgroups)
	[ -n "$left" ] && why "cgroups left: ${left//$'\n'/ }"
	left=$(our_procs)
	[ -n "$left" ] && why "processes left in our cgroups: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
	return 0
}

main() {
	local t0 t_start t_started t_up i mounts_before
	t0=$(e2e_now)
	e2e_init
	preflight
	e2e_rootfs "$SUITE" || exit 2
	e2e_log "rootfs $SUITE: $(e2e_image_info "$E2E_ROOTFS"); wrapper $OMP_RUNTIME; hook $OMP_HOOK; plan $OMP_PLAN"
	mounts_before=$E2E_STATE/host-mounts
	host_mounts >"$mounts_before"
	prepare

	t_start=$(e2e_now)
	start_all
	t_started=$(e2e_since "$t_start")
	wait_running
	t_up=$(e2e_since "$t_start")
	t_check "$COUNT containers started at once: runtime status running" "$RUNNING/$COUNT"
	# Concurrent: the last one was started before the first one had booted.
	awk -v a="$t_started" -v b="$(spread "${BOOTS[@]:-0}" | sed 's/min \([0-9.]*\),.*/\1/')" 'BEGIN { exit !(a < b) }' ||
		why "the $COUNT starts took $t_started s, the first boot $(spread "${BOOTS[@]:-0}")"
	t_check "the $COUNT were up together: all started (in $t_started s) before the first had booted"
	for ((i = 0; i < COUNT; i++)); do [ -n "${BOOTS[i]:-}" ] || why "${IDS[i]}: did not boot"; done
	t_check "$COUNT containers: systemctl is-system-running = running" \
		"$BOOTED/$COUNT, all up $t_up s after the first start; per container $(spread "${BOOTS[@]:-0}") s"
	check_mounts_inside
	t_check "the hook mounted /run, /run/lock, /tmp and cgroup2 in each"
	check_configs
	t_check "each config.json parses, has the hook once and nothing else changed"

	stop_all
	t_check "RTMIN+3 stops all $COUNT: runtime exit 0 or state stopped" "$STOPPED/$COUNT in $STOP_SECONDS s"
	check_leftovers
	t_check "after the runtimes exit: no state dir, mount, cgroup or process of ours left"

	for ((i = 0; i < COUNT; i++)); do
		use $i
		e2e_teardown "$RT" "$HOST" "$ID" "$B"
		rm -f "$B.config.before"
	done
	! findmnt -rn -o TARGET | grep -qF "$E2E_STATE/" || why "mounts below $E2E_STATE: $(findmnt -rn -o TARGET | grep -F "$E2E_STATE/")"
	host_mounts | diff "$mounts_before" - >/dev/null || why "host mount table changed: $(host_mounts | diff "$mounts_before" - | grep '^[<>]')"
	[ -z "$(our_cgroups)" ] || why "cgroups left: $(our_cgroups)"
	[ -z "$(ls -d /run/runc/omp-e2e-$$-* 2>/dev/null)" ] || why "runc state left: $(ls -d /run/runc/omp-e2e-$$-*)"
	t_check "after teardown: the host's mounts as before, no cgroup or state dir of ours"

	echo "# timings: $COUNT runtimes started in $t_started s, all running after $t_up s; stop $STOP_SECONDS s; total $(e2e_since "$t0") s"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
}

main "$@"
