#!/bin/bash
# Container-engine tests: systemd boots as PID 1 under Docker (our runtime
# wrapper as a daemon.json runtime), podman (our hook from a hooks.d dir) and
# containerd (the wrapper as the runc shim's binary, as Kubernetes runs it),
# each with private daemons, storage and sockets below a temp dir. Run as root
# after contrib/build.sh:
#
#   tests/engines/run.sh
#   OMP_ENGINES=containerd tests/engines/run.sh     # some engines only
#
# Per engine: systemd reaches "running", its init is in the container's own
# cgroup, SIGRTMIN+3 stops it cleanly, and without the hook it fails on /run.
# Prints "ok N - ..." / "not ok N - ..." and ends with "N passed, N failed,
# N skipped". See tests/engines/README.
set -u

ENG_DIR=$(cd "$(dirname "$0")" && pwd)
ENG_REPO=$(cd "$ENG_DIR/../.." && pwd)
OMP_HOOK=${OMP_HOOK:-$ENG_REPO/oci-mountplan}
OMP_RUNTIME=${OMP_RUNTIME:-$ENG_REPO/oci-mountplan-runtime}
OMP_PLAN=${OMP_PLAN:-$ENG_REPO/plans/systemd.conf}

. "$ENG_DIR/../e2e/lib.sh"
. "$ENG_DIR/lib.sh"
. "$ENG_DIR/docker.sh"
. "$ENG_DIR/podman.sh"
. "$ENG_DIR/containerd.sh"

# Debian packages these tests need on top of tests/e2e's (contrib/install-deps.sh).
ENGINE_PACKAGES="docker.io podman containerd runc conmon jq bsdutils"

ENGINES=${OMP_ENGINES:-"docker podman containerd"}
SUITE=${OMP_ENGINES_SUITE:-bookworm}
BOOT_TIMEOUT=20         # seconds to "running"; about 3-5 s here
STOP_GRACE=10           # the engines' stop timeout before SIGKILL
STOP_MAX=5              # a clean stop takes well under this
# systemd 252 / 256+ wording
NOHOOK_ERROR='Failed to mount tmpfs (at|\(type tmpfs\) on) /run'

ROOTFS=""


# What each engine's lines are called, and how the hook gets in.
declare -A LABEL=([docker]="docker (runtime oci-mountplan)" [podman]="podman (hooks.d)"
	[containerd]="containerd (ctr, wrapper as runc binary)")
TESTS=("systemd boots to running" "init in the container's own cgroup"
	"SIGRTMIN+3 stops it cleanly" "without oci-mountplan systemd fails on /run")

skip_all() { # ENGINE REASON
	local t
	for t in "${TESTS[@]}"; do t_skip_ci "${LABEL[$1]}: $t" "$2"; done
	[ "$1" = containerd ] && t_skip_ci "containerd: contrib/kubernetes runtime handler config loads" "$2"
	[ "$1" = docker ] && for t in "machine id: container id's first 32 hex digits" "machine id: restart keeps it" \
		"machine id: commit: the image's is empty" "machine id: containers of the committed image get different ids" \
		"OCI_MOUNTPLAN_JOURNAL=console: a service's output is in docker logs" "journal forwarding is off by default"; do
		t_skip_ci "docker: $t" "$2"
	done
	[ "$1" = podman ] && for t in "sh -c \"exec /sbin/init\" boots to running" \
		"annotation oci-mountplan.journal-to-console: a service's output is in podman logs"; do
		t_skip_ci "podman (hooks.d): $t" "$2"
	done
}

fail_all() { # ENGINE REASON
	local t
	for t in "${TESTS[@]}"; do t_fail "${LABEL[$1]}: $t" "$2"; done
}

# test_engine ENGINE: the four checks, with ENGINE_* functions doing the work.
test_engine() {
	local e=$1 l=${LABEL[$1]} why pid cg t0 log
	why=$("${e}_available") || { skip_all "$e" "$why"; return; }
	t0=$(e2e_now)
	log=$ENG_STATE/$e-setup.log
	if ! "${e}_setup" >"$log" 2>&1; then
		fail_all "$e" "setup failed: $(tail -n 5 "$log")"
		return
	fi
	e2e_log "$e: daemon and image ready in $(e2e_since "$t0") s"

	T0=$(e2e_now)
	if "${e}_boot" && eng_wait_running "$BOOT_TIMEOUT" "${e}_exec"; then
		t_ok "$l: ${TESTS[0]}" "$SD_SECONDS s"
		pid=$("${e}_pid") cg=$("${e}_cgroup")
		why_any "$(e2e_check_cgroup "$pid" "$cg" "${e}_exec")"
		t_check "$l: ${TESTS[1]}" "$cg"
		"${e}_stop"
		if [ "$STOP_RC" = 0 ] && awk -v s="$STOP_SECONDS" -v m="$STOP_MAX" 'BEGIN { exit !(s < m) }'; then
			t_ok "$l: ${TESTS[2]}" "exit 0 in $STOP_SECONDS s"
		else
			t_fail "$l: ${TESTS[2]}" "exit status $STOP_RC after $STOP_SECONDS s (limit $STOP_MAX s)
$(eng_explain_stop "$pid")"
		fi
	else
		why="is-system-running: ${SD_STATE:-?} after ${SD_SECONDS:-?} s
$("${e}_diagnose" 2>&1)"
		t_fail "$l: ${TESTS[0]}" "$why"
		t_fail "$l: ${TESTS[1]}" "did not boot"
		t_fail "$l: ${TESTS[2]}" "did not boot"
	fi
	"${e}_remove"

	"${e}_nohook"
	# systemd exits, or (when it does not know it is in a container) freezes
	if grep -qE "$NOHOOK_ERROR" "$NOHOOK_LOG" 2>/dev/null && [ "$NOHOOK_RC" != 0 ] &&
		{ [ "$NOHOOK_RC" != 124 ] || grep -q '^Freezing execution' "$NOHOOK_LOG"; }; then
		t_ok "$l: ${TESTS[3]}" "$([ "$NOHOOK_RC" = 124 ] && echo "frozen" || echo "exit $NOHOOK_RC")"
	else
		t_fail "$l: ${TESTS[3]}" "exit ${NOHOOK_RC:-?}; console: $(grep -v '^$' "$NOHOOK_LOG" 2>/dev/null | tail -n 4)"
	fi

	[ "$e" = docker ] && docker_extra_tests
	[ "$e" = podman ] && podman_extra_tests
	if [ "$e" = containerd ]; then
		why_any "$(containerd_check_contrib)"
		t_check "containerd: contrib/kubernetes runtime handler config loads"
	fi
	e2e_log "$e: done in $(e2e_since "$t0") s"
}

preflight() {
	local f
	for f in "$OMP_HOOK" "$OMP_RUNTIME"; do
		[ -x "$f" ] || e2e_die "$f missing: run contrib/build.sh first"
	done
	[ -f "$OMP_PLAN" ] || e2e_die "plan $OMP_PLAN missing"
	command -v jq >/dev/null || e2e_die "jq not installed"
	grep -q cgroup2 /proc/filesystems || e2e_die "kernel without cgroup2"
}

main() {
	local t0 e
	t0=$(e2e_now)
	eng_init
	preflight
	e2e_rootfs "$SUITE" || exit 2
	ROOTFS=$E2E_ROOTFS
	e2e_log "rootfs: ${E2E_SUITE_NAME[$SUITE]}, $(e2e_image_info "$ROOTFS")"
	e2e_log "hook: $OMP_HOOK, runtime: $OMP_RUNTIME, plan: $OMP_PLAN"
	for e in $ENGINES; do
		case $e in
		docker|podman|containerd) test_engine "$e";;
		*) e2e_die "unknown engine $e (docker, podman, containerd)";;
		esac
	done
	echo "# time: $(e2e_since "$t0") s"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
}

main "$@"
