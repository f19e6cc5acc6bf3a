# shellcheck shell=bash
# podman: private containers.conf, storage.conf and registries.conf; root,
# runroot, tmp dir, locks and events below the state dir; runc, or crun for
# podman_crun (which run.sh runs where crun accepts this hybrid host); the hook
# from contrib/hooks.d/ pointed at the build tree in a hooks dir of our own.

PODMAN_IMAGE=localhost/omp-engines/systemd:test
PODMAN_DIR=""
PODMAN_NAME=""
PODMAN_RUNTIME=runc

podman_available() {
	local b
	for b in podman conmon runc; do
		command -v "$b" >/dev/null || { echo "$b not installed"; return 1; }
	done
}

podman_cli() {
	CONTAINERS_CONF=$PODMAN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf \
	CONTAINERS_REGISTRIES_CONF=$PODMAN_DIR/registries.conf PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
		timeout "${CLI_TIMEOUT:-60}" podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" "$@"
}

# rlimits must be explicit: podman's defaults (its own raised limits) are
# above what a process without CAP_SYS_RESOURCE may set ("error setting
# rlimit"); conmon runs with at most 32768 processes.
podman_conf() {
	local nofile nproc
	local backend=cni
	# podman 5 has netavark only (unused: --network none)
	[ "$(podman --version | sed -n 's/.* \([0-9]*\)\..*/\1/p')" -lt 5 ] || backend=netavark
	nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
	[ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ] && nofile=1048576
	[ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
	cat <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
log_driver = "k8s-file"

[network]
network_backend = "$backend"
network_config_dir = "$PODMAN_DIR/cni"

[engine]
runtime = "$PODMAN_RUNTIME"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
lock_type = "file"
tmp_dir = "$PODMAN_DIR/tmp"
static_dir = "$PODMAN_DIR/root/libpod"
volume_path = "$PODMAN_DIR/root/volumes"
EOF
}

podman_setup() {
	PODMAN_DIR=$ENG_STATE/podman-${PODMAN_VARIANT:-$PODMAN_RUNTIME}
	mkdir -p "$PODMAN_DIR/hooks" "$PODMAN_DIR/nohooks" "$PODMAN_DIR/cni"
	podman_conf >"$PODMAN_DIR/containers.conf"
	printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$PODMAN_DIR/root" "$PODMAN_DIR/run" >"$PODMAN_DIR/storage.conf"
	: >"$PODMAN_DIR/registries.conf"
	jq --arg hook "$OMP_HOOK" --arg plan "$OMP_PLAN" \
		'.hook.path = $hook | .hook.args = ["oci-mountplan", "--plan", $plan]' \
		"$ENG_REPO/contrib/hooks.d/oci-mountplan.json" >"$PODMAN_DIR/hooks/oci-mountplan.json" || return 1
	jq --arg hook "$OMP_HOOK" --arg plan "$OMP_PLAN" \
		'.hook.path = $hook | .hook.args = ["oci-mountplan", "--stage", "createRuntime", "--plan", $plan]' \
		"$ENG_REPO/contrib/hooks.d/oci-mountplan-createruntime.json" \
		>"$PODMAN_DIR/hooks/oci-mountplan-createruntime.json" || return 1
	ENG_CLEANUPS+=(podman_remove_all)
	eng_rootfs_tar "$ROOTFS" | podman_cli import -q - "$PODMAN_IMAGE" >/dev/null
}

podman_remove_all() {
	local PODMAN_DIR
	for PODMAN_DIR in "$ENG_STATE"/podman-*; do
		[ -d "$PODMAN_DIR" ] || continue
		podman_cli rm -fa
		podman_cli rmi -fa
	done
}

podman_boot() {
	PODMAN_NAME=omp-engines-$$-boot
	podman_cli --hooks-dir "$PODMAN_DIR/hooks" run -d --name "$PODMAN_NAME" --systemd=false \
		--stop-signal=RTMIN+3 --network none --cgroup-parent "$ENG_CGROUP/podman" \
		"$PODMAN_IMAGE" /sbin/init >/dev/null
}

podman_exec() { dcli_exec podman_cli "$PODMAN_NAME" "$@"; }
podman_pid() { dcli_field podman_cli "$PODMAN_NAME" .State.Pid; }
podman_cgroup() { echo "$ENG_CGROUP/podman/libpod-$(dcli_field podman_cli "$PODMAN_NAME" .Id)"; }
podman_stop() { dcli_stop podman_cli "$PODMAN_NAME"; }
podman_diagnose() { dcli_diagnose podman_cli "$PODMAN_NAME"; }
podman_remove() { dcli_remove podman_cli "$PODMAN_NAME"; }

# Without the hook: an empty hooks dir (not the system's, where an installed
# oci-mountplan.json may be).
podman_cli_nohooks() { podman_cli --hooks-dir "$PODMAN_DIR/nohooks" "$@"; }
podman_nohook() {
	PODMAN_NAME=omp-engines-$$-nohook
	dcli_nohook podman_cli_nohooks "$PODMAN_NAME" "$PODMAN_DIR/nohook.log" --systemd=false \
		--cgroup-parent "$ENG_CGROUP/podman" "$PODMAN_IMAGE"
}

# podman with crun: the same, with runtime = "crun" in containers.conf.
podman_crun_available() { command -v crun >/dev/null || { echo "crun not installed"; return 1; }; podman_available; }
podman_crun_setup() { PODMAN_RUNTIME=crun; podman_setup; }
podman_crun_boot() { podman_boot; }
podman_crun_exec() { podman_exec "$@"; }
podman_crun_pid() { podman_pid; }
podman_crun_cgroup() { podman_cgroup; }
podman_crun_stop() { podman_stop; }
podman_crun_diagnose() { podman_diagnose; }
podman_crun_remove() { podman_remove; }
podman_crun_nohook() { podman_nohook; }

# ---------------------------------------------------------------- podman only

# podman_run_systemd NAME [RUN-ARGS...] -- CMD...: run through our hooks.d; 0 once running.
podman_run_systemd() {
	local name=$1
	shift
	PODMAN_NAME=$name T0=$(e2e_now)
	podman_cli --hooks-dir "$PODMAN_DIR/hooks" run -d --name "$name" --systemd=false --stop-signal=RTMIN+3 \
		--network none --cgroup-parent "$ENG_CGROUP/podman" "$@" >/dev/null &&
		eng_wait_running "$BOOT_TIMEOUT" podman_exec
}

# hooks.d's "when" cannot see through sh -c: it matches shells too and the hook's
# own exec condition decides. And the journal opt-in through an annotation.
podman_extra_tests() {
	local marker="omp-journal-marker-$$" n
	if podman_run_systemd "omp-engines-$$-shexec" "$PODMAN_IMAGE" /bin/sh -c "exec /sbin/init"; then
		t_ok "${LABEL[podman]}: sh -c \"exec /sbin/init\" boots to running" "$SD_SECONDS s"
	else
		t_fail "${LABEL[podman]}: sh -c \"exec /sbin/init\" boots to running" "${SD_STATE:-?}: $(podman_diagnose 2>&1)"
	fi
	dcli_remove podman_cli "omp-engines-$$-shexec"
	if podman_run_systemd "omp-engines-$$-journal" -t --annotation oci-mountplan.journal-to-console=1 \
		"$PODMAN_IMAGE" /sbin/init; then
		podman_exec systemd-run --quiet --unit omp-hello sh -c "echo $marker" || why "systemd-run failed"
		for n in $(seq 50); do
			podman_cli logs "omp-engines-$$-journal" 2>&1 | grep -q "$marker" && break
			sleep 0.2
		done
		podman_cli logs "omp-engines-$$-journal" 2>&1 | grep -q "$marker" ||
			why "podman logs lacks the line: $(podman_cli logs "omp-engines-$$-journal" 2>&1 | eng_plain | tail -n 3)"
	else
		why "did not boot: ${SD_STATE:-?}: $(podman_diagnose 2>&1)"
	fi
	t_check "${LABEL[podman]}: annotation oci-mountplan.journal-to-console: a service's output is in podman logs"
	dcli_remove podman_cli "omp-engines-$$-journal"
}
