# shellcheck shell=bash
# Docker: a private dockerd (own data root, exec root, socket, pid file; no
# iptables, no bridge, no ip forwarding) on a private containerd, with
# contrib/docker/daemon.json's runtime pointed at the build tree.
#
# /usr/local/bin/docker may be a newer client than the daemon: use Debian's.

DOCKER_BIN=/usr/bin/docker
DOCKERD_BIN=/usr/sbin/dockerd
DOCKER_IMAGE=omp-engines/systemd:test
DOCKER_DIR=""
DOCKER_NAME=""

docker_available() {
	local b
	for b in "$DOCKER_BIN" "$DOCKERD_BIN" containerd; do
		command -v "$b" >/dev/null || { echo "$b not installed"; return 1; }
	done
}

docker_cli() { DOCKER_CONFIG=$DOCKER_DIR/client timeout "${CLI_TIMEOUT:-60}" "$DOCKER_BIN" -H "unix://$DOCKER_DIR/docker.sock" "$@"; }

# The shipped daemon.json with the build tree's paths, plus the private
# daemon's own settings.
docker_daemon_json() {
	jq --arg dir "$DOCKER_DIR" --arg rt "$OMP_RUNTIME" --arg hook "$OMP_HOOK" --arg plan "$OMP_PLAN" \
		--arg ctrd "$DOCKER_DIR/containerd/containerd.sock" --arg cg "$ENG_CGROUP/docker" '
		.runtimes["oci-mountplan"].path = $rt
		| .runtimes["oci-mountplan"].runtimeArgs = ["--hook-path", $hook, "--plan", $plan]
		| . + { "data-root": ($dir + "/data"), "exec-root": ($dir + "/exec"),
			"pidfile": ($dir + "/docker.pid"), "hosts": ["unix://" + $dir + "/docker.sock"],
			"containerd": $ctrd,
			"containerd-namespace": "omp-engines",
			"iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false,
			"bridge": "none", "cgroup-parent": $cg, "exec-opts": ["native.cgroupdriver=cgroupfs"] }
		# dockerd < 25 writes its key to /etc/docker unless told otherwise
		| if $keypath then . + { "deprecated-key-path": ($dir + "/key.json") } else . end' \
		--argjson keypath "$("$DOCKERD_BIN" --help 2>&1 | grep -q deprecated-key-path && echo true || echo false)" \
		"$ENG_REPO/contrib/docker/daemon.json"
}

docker_setup() {
	local t
	DOCKER_DIR=$ENG_STATE/docker
	mkdir -p "$DOCKER_DIR/client"
	ctrd_start "$DOCKER_DIR/containerd" || return 1
	docker_daemon_json >"$DOCKER_DIR/daemon.json" || return 1
	t=$(e2e_now)
	eng_daemon dockerd "$DOCKER_DIR/dockerd.log" "$DOCKERD_BIN" --config-file "$DOCKER_DIR/daemon.json"
	if ! eng_wait_for 30 "$ENG_LAST_PID" docker_cli version; then
		tail -n 5 "$DOCKER_DIR/dockerd.log"
		return 1
	fi
	e2e_log "dockerd up in $(e2e_since "$t") s"
	ENG_CLEANUPS+=(docker_remove_all)
	eng_rootfs_tar "$ROOTFS" | docker_cli import - "$DOCKER_IMAGE" >/dev/null
}

docker_remove_all() {
	local ids
	ids=$(docker_cli ps -aq) && [ -n "$ids" ] && docker_cli rm -f $ids
	docker_cli rmi -f "$DOCKER_IMAGE"
}

docker_boot() {
	DOCKER_NAME=omp-engines-$$-boot
	docker_cli run -d --name "$DOCKER_NAME" --runtime=oci-mountplan --stop-signal=RTMIN+3 \
		--network none "$DOCKER_IMAGE" /sbin/init >/dev/null
}

docker_exec() { dcli_exec docker_cli "$DOCKER_NAME" "$@"; }
docker_pid() { dcli_field docker_cli "$DOCKER_NAME" .State.Pid; }
docker_cgroup() { echo "$ENG_CGROUP/docker/$(dcli_field docker_cli "$DOCKER_NAME" .Id)"; }
docker_stop() { dcli_stop docker_cli "$DOCKER_NAME"; }
docker_diagnose() { dcli_diagnose docker_cli "$DOCKER_NAME"; }
docker_remove() { dcli_remove docker_cli "$DOCKER_NAME"; }

# Without our runtime: Docker's default runc.
docker_nohook() {
	DOCKER_NAME=omp-engines-$$-nohook
	dcli_nohook docker_cli "$DOCKER_NAME" "$DOCKER_DIR/nohook.log" "$DOCKER_IMAGE"
}
