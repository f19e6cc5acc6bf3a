#!/bin/bash
# Container-engine tests: systemd boots as PID 1 under Docker (our runtime
# wrapper as a daemon.json runtime), podman (our hook from a hooks.d dir; runc,
# and crun), containerd (the wrapper as the runc shim's binary) and Kubernetes'
# path through CRI (containerd's CRI plugin with contrib/kubernetes/'s runtime
# handler, driven as a kubelet would), each with private daemons, storage and
# sockets below a temp dir. First with this host's engines (Debian 12), then
# with those of Debian 13 and testing, each from a cached mmdebstrap tree of
# that release entered with pivot_root (tree.sh) on this kernel. Run as root
# after contrib/build.sh:
#
#   tests/engines/run.sh
#   OMP_ENGINES=cri OMP_ENGINES_RELEASES=trixie tests/engines/run.sh   # some only
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
. "$ENG_DIR/cri.sh"
. "$ENG_DIR/userns.sh"
. "$ENG_DIR/tree.sh"

# Debian packages these tests need on top of tests/e2e's (contrib/install-deps.sh).
# (the CRI client and pause program are built and run with the host's tools).
ENGINE_PACKAGES="docker.io podman containerd runc crun conmon jq bsdutils mmdebstrap
	python3-grpcio python3-protobuf protobuf-compiler"

# docker_userns and podman_userns (userns.sh) run with this host's engines
# only, cri_userns where containerd is 2.x (the testing tree)
ENGINES=${OMP_ENGINES:-"docker podman podman_crun containerd cri docker_userns podman_userns cri_userns"}
# bookworm: this host's own engines; the others from a tree of that release
RELEASES=${OMP_ENGINES_RELEASES:-"bookworm trixie testing"}
SUITE=${OMP_ENGINES_SUITE:-bookworm}
# Set (to the release's name) when run.sh runs inside a release tree.
INSIDE=${OMP_ENGINES_INSIDE:-}
BOOT_TIMEOUT=20         # seconds to "running"; about 3-5 s here
STOP_GRACE=10           # the engines' stop timeout before SIGKILL
STOP_MAX=5              # a clean stop takes well under this
# systemd 252 / 256+ wording
NOHOOK_ERROR='Failed to mount tmpfs (at|\(type tmpfs\) on) /run'

ROOTFS=""


# What each engine's lines are called (release, versions, how the hook gets
# in); set by eng_labels once the release's binaries are in place.
declare -A LABEL=()
eng_ver() { "$@" 2>/dev/null | sed -n 's/.*[Vv]ersion \{0,1\}v\{0,1\}\([0-9][0-9.]*\).*/\1/p' | head -n 1; }
eng_labels() {
	local rel=${INSIDE:-bookworm} runc crun ctrd
	runc=$(eng_ver runc --version) crun=$(eng_ver crun --version)
	ctrd=$(containerd --version 2>/dev/null | awk '{ sub(/^v/, "", $3); sub(/[~+].*/, "", $3); print $3 }')
	LABEL=([docker]="$rel: docker $(eng_ver /usr/sbin/dockerd --version) (runtime oci-mountplan, runc $runc)"
		[podman]="$rel: podman $(eng_ver podman --version) (hooks.d, runc $runc)"
		[podman_crun]="$rel: podman $(eng_ver podman --version) (hooks.d, crun $crun)"
		[containerd]="$rel: containerd $ctrd (ctr, wrapper as runc $runc binary)"
		[cri]="$rel: containerd $ctrd CRI (runtime handler oci-mountplan, runc $runc)"
		[docker_userns]="$rel: docker $(eng_ver /usr/sbin/dockerd --version) userns-remap (runtime oci-mountplan, runc $runc)"
		[podman_userns]="$rel: podman $(eng_ver podman --version) --userns=auto (hooks.d, both stages, runc $runc)"
		[cri_userns]="$rel: containerd $ctrd CRI hostUsers: false (runtime handler oci-mountplan, runc $runc)")
}
TESTS=("systemd boots to running" "init in the container's own cgroup"
	"SIGRTMIN+3 stops it cleanly" "without oci-mountplan systemd fails on /run")

skip_all() { # ENGINE REASON
	local t
	for t in "${TESTS[@]}"; do t_skip_ci "${LABEL[$1]}: $t" "$2"; done
	[ "$1" = containerd ] && t_skip_ci "${LABEL[$1]}: contrib/kubernetes runtime handler config loads" "$2"
	if [ "$1" = cri ] || [ "$1" = cri_userns ]; then
		t_skip_ci "${LABEL[$1]}: the pod's secret is readable at $CRI_SECRET_PATH" "$2"
		t_skip_ci "${LABEL[$1]}: StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox" "$2"
	fi
	[ "$1" = cri ] && t_skip_ci "${LABEL[$1]}: contrib/kubernetes/ is the handler containerd runs" "$2"
	[ "$1" = cri_userns ] && for t in "a user namespace: container root is a host uid other than 0" \
		"/run, /run/lock, /tmp owned by container root" "/etc/machine-id readable, 32 hex digits" \
		"the secret's volume is idmapped: its files are owned by the pod's root" \
		"the handler $CRI_HANDLER reports user namespaces (as the kubelet requires)"; do
		t_skip_ci "${LABEL[$1]}: $t" "$2"
	done
	[ "$1" = docker ] && for t in "machine id: container id's first 32 hex digits" "machine id: restart keeps it" \
		"machine id: commit: the image's is empty" "machine id: containers of the committed image get different ids" \
		"OCI_MOUNTPLAN_JOURNAL=console: a service's output is in docker logs" "journal forwarding is off by default"; do
		t_skip_ci "${LABEL[$1]}: $t" "$2"
	done
	[ "$1" = podman ] && for t in "sh -c \"exec /sbin/init\" boots to running" \
		"annotation oci-mountplan.journal-to-console: a service's output is in podman logs"; do
		t_skip_ci "${LABEL[$1]}: $t" "$2"
	done
	return 0
}

fail_all() { # ENGINE REASON
	local t
	for t in "${TESTS[@]}"; do t_fail "${LABEL[$1]}: $t" "$2"; done
	if [ "$1" = cri ] || [ "$1" = cri_userns ]; then
		t_fail "${LABEL[$1]}: the pod's secret is readable at $CRI_SECRET_PATH" "$2"
		t_fail "${LABEL[$1]}: StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox" "$2"
	fi
	return 0
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

	T0=$(e2e_now) SD_STATE="" SD_SECONDS=""
	if "${e}_boot" && eng_wait_running "$BOOT_TIMEOUT" "${e}_exec"; then
		t_ok "$l: ${TESTS[0]}" "$SD_SECONDS s"
		pid=$("${e}_pid") cg=$("${e}_cgroup")
		why_any "$(e2e_check_cgroup "$pid" "$cg" "${e}_exec")"
		t_check "$l: ${TESTS[1]}" "$cg"
		! declare -F "${e}_extra" >/dev/null || "${e}_extra"
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
		[ "$e" != cri ] && [ "$e" != cri_userns ] || t_fail "$l: the pod's secret is readable at $CRI_SECRET_PATH" "did not boot"
	fi
	"${e}_remove"
	if [ "$e" = cri ] || [ "$e" = cri_userns ]; then
		why_any "$CRI_REMOVE_WHY"
		t_check "$l: StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox"
	fi

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
		t_check "$l: contrib/kubernetes runtime handler config loads"
	fi
	if [ "$e" = cri ]; then
		why_any "$(cri_check_contrib)"
		t_check "$l: $(cri_contrib_file | sed "s|$ENG_REPO/||") is the handler containerd runs"
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

# The engines of this machine, or (INSIDE set) of the release tree we are in.
run_engines() {
	local e
	eng_labels
	e2e_log "${INSIDE:-bookworm} ($([ -f /.omp-engines-stamp ] && echo "tree: ")$(. /etc/os-release && echo "$PRETTY_NAME")): $(tree_versions /)"
	for e in $ENGINES; do
		case $e in
		podman_crun)
			if [ -z "${OMP_CRUN_NS:-}" ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
				run_crun_ns
			else
				test_engine "$e"
			fi;;
		docker|podman|containerd|cri) test_engine "$e";;
		docker_userns|podman_userns) [ -n "$INSIDE" ] || test_engine "$e";;
		cri_userns) [ "$(cri_major 2>/dev/null)" -lt 2 ] 2>/dev/null || test_engine "$e";;
		*) e2e_die "unknown engine $e (docker, podman, podman_crun, containerd, cri, docker_userns, podman_userns, cri_userns)";;
		esac
	done
}

# eng_add_counts OUT: add the counts of a nested run.sh's output to ours and
# number on after its lines. Returns 1 if it printed no summary.
eng_add_counts() {
	local line p f k
	line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	read -r p _ f _ k _ <<<"${line//,/}"
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + ${k:-0}))
	T_NUM=$((T_NUM + p + f + ${k:-0}))
}

# crun refuses a hybrid host whose cgroup2 hierarchy has controllers ("cgroups
# in hybrid mode not supported, drop all controllers from cgroupv2"; here
# hugetlb is there). As tests/e2e does for crun, podman_crun runs in a private
# mount namespace where /sys/fs/cgroup/unified/cgroup.controllers is covered by
# an empty file: run.sh again there, for podman_crun only.
run_crun_ns() {
	local out=$ENG_STATE/podman_crun.out cg outer
	outer=$(readlink /proc/self/ns/mnt)
	: >"$ENG_STATE/empty"
	e2e_log "podman_crun: in a mount namespace where the cgroup2 controllers are hidden from crun"
	OMP_ENGINES=podman_crun OMP_ENGINES_INSIDE=${INSIDE:-bookworm} OMP_CRUN_NS=1 OMP_T_NUM=$T_NUM \
		unshare -m --propagation private -- /bin/sh -c "$E2E_NS_GUARD"'
		mount --bind "$1" /sys/fs/cgroup/unified/cgroup.controllers || exit 125
		shift; exec "$@"' "$outer" "$ENG_STATE/empty" /bin/bash "$ENG_DIR/run.sh" 2>&1 | tee "$out"
	cg=$(grep -a '^# cgroups: ' "$out" | head -n 1 | cut -d' ' -f3)
	[ -z "$cg" ] || e2e_remove_cgroup_tree "$cg"
	eng_add_counts "$out" || t_fail "${LABEL[podman_crun]}" "run.sh for podman_crun printed no summary"
}

# run_release RELEASE: run.sh again inside RELEASE's tree (built or taken
# from the cache), its lines numbered on from ours; its counts added to ours.
run_release() {
	local rel=$1 t0 state out cg
	t0=$(e2e_now)
	if ! tree_build "$rel" >"$ENG_STATE/tree-$rel.log" 2>&1; then
		cat "$ENG_STATE/tree-$rel.log" >&2
		t_fail "$rel: engines tree" "mmdebstrap failed (above)"
		return
	fi
	# the build's own lines (mmdebstrap's time and the tree's size), if it was built now
	grep -h -e 'building the' -e 'tree: built in' "$ENG_STATE/tree-$rel-bg.log" "$ENG_STATE/tree-$rel.log" >&2 2>/dev/null
	e2e_log "$rel: tree $TREE_DIR ($(tree_os "$TREE_DIR")) ready after a wait of $(e2e_since "$t0") s"
	state=$(mktemp -d /var/tmp/omp-tree.XXXXXX)
	out=$ENG_STATE/release-$rel.out
	# the hook, wrapper and plan under test go in at their own paths
	TREE_BINDS=("$ENG_REPO" "$OMP_HOOK" "$OMP_RUNTIME" "$OMP_PLAN")
	t0=$(e2e_now)
	ldd "$OMP_HOOK" >/dev/null 2>&1 && e2e_log "$rel: the hook is linked dynamically: it runs with the host's loader and libraries"
	OMP_ENGINES_INSIDE=$rel OMP_T_NUM=$T_NUM OMP_E2E_MIRROR=$(e2e_mirror) \
		OMP_HOOK=$(tree_launcher "$OMP_HOOK" "$state") OMP_RUNTIME=$(tree_launcher "$OMP_RUNTIME" "$state") \
		OMP_PLAN=$OMP_PLAN \
		tree_enter "$TREE_DIR" "$state" /bin/bash "$ENG_DIR/run.sh" 2>&1 | tee "$out"
	# what the run left behind: processes in its namespace, its cgroups
	tree_kill_ns "$state"
	cg=$(grep -a '^# cgroups: ' "$out" | head -n 1 | cut -d' ' -f3)
	[ -z "$cg" ] || e2e_remove_cgroup_tree "$cg"
	eng_add_counts "$out" || t_fail "$rel: engines in the tree" "run.sh inside the $rel tree printed no summary"
	e2e_log "$rel: engines done in $(e2e_since "$t0") s"
}

main() {
	local t0 t rel
	t0=$(e2e_now)
	T_NUM=${OMP_T_NUM:-0}
	eng_init
	preflight
	e2e_rootfs "$SUITE" || exit 2
	ROOTFS=$E2E_ROOTFS
	if [ -n "$INSIDE" ]; then
		e2e_log "cgroups: $ENG_CGROUP"
		run_engines
		echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
		[ "$T_FAIL" = 0 ]
		return
	fi
	e2e_log "rootfs: ${E2E_SUITE_NAME[$SUITE]}, $(e2e_image_info "$ROOTFS")"
	e2e_log "hook: $OMP_HOOK, runtime: $OMP_RUNTIME, plan: $OMP_PLAN"
	# Both trees are built (or found in the cache) while this host's engines run.
	for rel in $RELEASES; do
		[ "$rel" = bookworm ] || (tree_build "$rel" >"$ENG_STATE/tree-$rel-bg.log" 2>&1 &)
	done
	for rel in $RELEASES; do
		if [ "$rel" = bookworm ]; then
			t=$(e2e_now)
			run_engines
			e2e_log "bookworm: engines done in $(e2e_since "$t") s"
		else
			run_release "$rel"
		fi
	done
	echo "# time: $(e2e_since "$t0") s"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
}

main "$@"
