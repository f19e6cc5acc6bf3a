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
DOCKER_VARIANT=docker   # docker, or docker_userns: the state dir's and cgroup parent's name
DOCKER_EXTRA='{}'       # daemon.json settings on top (jq object)

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
		--arg ctrd "$DOCKER_DIR/containerd/containerd.sock" --arg cg "$ENG_CGROUP/$DOCKER_VARIANT" \
		--argjson extra "$DOCKER_EXTRA" '
		.runtimes["oci-mountplan"].path = $rt
		| .runtimes["oci-mountplan"].runtimeArgs = ["--hook-path", $hook, "--plan", $plan]
		| . + { "data-root": ($dir + "/data"), "exec-root": ($dir + "/exec"),
			"pidfile": ($dir + "/docker.pid"), "hosts": ["unix://" + $dir + "/docker.sock"],
			"containerd": $ctrd,
			"containerd-namespace": "omp-engines",
			"iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false,
			"bridge": "none", "cgroup-parent": $cg, "exec-opts": ["native.cgroupdriver=cgroupfs"] } + $extra
		# dockerd < 25 writes its key to /etc/docker unless told otherwise
		| if $keypath then . + { "deprecated-key-path": ($dir + "/key.json") } else . end' \
		--argjson keypath "$("$DOCKERD_BIN" --help 2>&1 | grep -q deprecated-key-path && echo true || echo false)" \
		"$ENG_REPO/contrib/docker/daemon.json"
}

docker_setup() {
	local t
	DOCKER_DIR=$ENG_STATE/$DOCKER_VARIANT
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
	[[ " ${ENG_CLEANUPS[*]} " == *" docker_remove_all "* ]] || ENG_CLEANUPS+=(docker_remove_all)
	eng_rootfs_tar "$ROOTFS" | docker_cli import - "$DOCKER_IMAGE" >/dev/null
}

docker_remove_all() {
	local ids DOCKER_DIR
	for DOCKER_DIR in "$ENG_STATE"/docker "$ENG_STATE"/docker_userns; do
		[ -S "$DOCKER_DIR/docker.sock" ] || continue
		ids=$(docker_cli ps -aq) && [ -n "$ids" ] && docker_cli rm -f $ids
		docker_cli rmi -f "$DOCKER_IMAGE"
	done
}

docker_boot() {
	DOCKER_NAME=omp-engines-$$-boot
	docker_cli run -d --name "$DOCKER_NAME" --runtime=oci-mountplan --stop-signal=RTMIN+3 \
		--network none "$DOCKER_IMAGE" /sbin/init >/dev/null
}

docker_exec() { dcli_exec docker_cli "$DOCKER_NAME" "$@"; }
docker_pid() { dcli_field docker_cli "$DOCKER_NAME" .State.Pid; }
docker_cgroup() { echo "$ENG_CGROUP/$DOCKER_VARIANT/$(dcli_field docker_cli "$DOCKER_NAME" .Id)"; }
docker_stop() { dcli_stop docker_cli "$DOCKER_NAME"; }
docker_diagnose() { dcli_diagnose docker_cli "$DOCKER_NAME"; }
docker_remove() { dcli_remove docker_cli "$DOCKER_NAME"; }

# Without our runtime: Docker's default runc.
docker_nohook() {
	DOCKER_NAME=omp-engines-$$-nohook
	dcli_nohook docker_cli "$DOCKER_NAME" "$DOCKER_DIR/nohook.log" "$DOCKER_IMAGE"
}

# ---------------------------------------------------------------- Docker only

DOCKER_COMMITTED=omp-engines/committed:test

# docker_run_systemd NAME IMAGE [RUN-ARGS...]: boot /sbin/init with our runtime; 0 once running.
docker_run_systemd() {
	local name=$1 image=$2
	shift 2
	DOCKER_NAME=$name T0=$(e2e_now)
	docker_cli run -d --name "$name" --runtime=oci-mountplan --stop-signal=RTMIN+3 --network none "$@" \
		"$image" /sbin/init >/dev/null && eng_wait_running "$BOOT_TIMEOUT" docker_exec
}

# docker_machine_id NAME: /etc/machine-id inside the running container NAME.
docker_machine_id() { dcli_exec docker_cli "$1" cat /etc/machine-id 2>&1; }

docker_remove_extra() {
	local n
	for n in mid1 mid2 mid3 jon joff; do dcli_remove docker_cli "omp-engines-$$-$n"; done
	docker_cli rmi -f "$DOCKER_COMMITTED" >/dev/null 2>&1
}

# The machine id is bound over /etc/machine-id, never written into the container:
# a restart keeps it (it comes from the container id), docker commit gives an
# image whose /etc/machine-id is empty, and two containers of it differ.
docker_test_machine_id() {
	local c1=omp-engines-$$-mid1 c2=omp-engines-$$-mid2 c3=omp-engines-$$-mid3 id1 id1b id2="" id3="" full size t
	ENG_CLEANUPS+=(docker_remove_extra)
	if ! docker_run_systemd "$c1" "$DOCKER_IMAGE"; then
		for t in "container id's first 32 hex digits" "restart keeps it" "commit: the image's is empty" \
			"containers of the committed image get different ids"; do
			t_fail "${LABEL[docker]}: machine id: $t" "did not boot: $(dcli_diagnose docker_cli "$c1")"
		done
		return
	fi
	id1=$(docker_machine_id "$c1") full=$(dcli_field docker_cli "$c1" .Id)
	[ "$id1" = "${full:0:32}" ] || why "machine id \"$id1\", container id $full"
	t_check "${LABEL[docker]}: machine id: container id's first 32 hex digits" "$id1"

	T0=$(e2e_now)
	if ! docker_cli restart -t "$STOP_GRACE" "$c1" >/dev/null || ! eng_wait_running "$BOOT_TIMEOUT" docker_exec; then
		why "not running after restart: ${SD_STATE:-?}"
	fi
	id1b=$(docker_machine_id "$c1")
	[ "$id1b" = "$id1" ] || why "after restart \"$id1b\", before \"$id1\""
	t_check "${LABEL[docker]}: machine id: restart keeps it"

	docker_cli commit "$c1" "$DOCKER_COMMITTED" >/dev/null || why "docker commit failed"
	docker_cli diff "$c1" | grep -q ' /etc/machine-id$' && why "docker diff lists /etc/machine-id: $(docker_cli diff "$c1" | grep machine-id)"
	# Read the image's file without our runtime: nothing is bound over it then.
	size=$(docker_cli run --rm --network none --entrypoint /usr/bin/stat "$DOCKER_COMMITTED" -c %s /etc/machine-id 2>&1)
	[ "$size" = 0 ] || why "the committed image's /etc/machine-id: size \"$size\""
	t_check "${LABEL[docker]}: machine id: commit: the image's is empty" "size ${size}"

	docker_run_systemd "$c2" "$DOCKER_COMMITTED" && id2=$(docker_machine_id "$c2") || why "$c2 did not boot: $(dcli_diagnose docker_cli "$c2")"
	docker_run_systemd "$c3" "$DOCKER_COMMITTED" && id3=$(docker_machine_id "$c3") || why "$c3 did not boot: $(dcli_diagnose docker_cli "$c3")"
	if [ -z "$WHY" ]; then
		[[ $id2 =~ ^[0-9a-f]{32}$ && $id3 =~ ^[0-9a-f]{32}$ ]] || why "ids \"$id2\", \"$id3\""
		[ "$id2" != "$id3" ] || why "both containers have $id2"
		[ "$id2" != "$id1" ] && [ "$id3" != "$id1" ] || why "a container of the image has the committed container's id $id1"
	fi
	t_check "${LABEL[docker]}: machine id: containers of the committed image get different ids" "$id2 $id3"
	docker_remove_extra
}

# OCI_MOUNTPLAN_JOURNAL=console: a service's output reaches docker logs (with -t,
# the console is the container's terminal); off by default.
docker_test_journal() {
	local on=omp-engines-$$-jon off=omp-engines-$$-joff marker="omp-journal-marker-$$" n name
	ENG_CLEANUPS+=(docker_remove_extra)
	for name in "$on" "$off"; do
		if [ "$name" = "$on" ]; then
			docker_run_systemd "$name" "$DOCKER_IMAGE" -t -e OCI_MOUNTPLAN_JOURNAL=console
		else
			docker_run_systemd "$name" "$DOCKER_IMAGE" -t
		fi || { why "$name did not boot: $(dcli_diagnose docker_cli "$name")"; continue; }
		dcli_exec docker_cli "$name" systemd-run --quiet --unit omp-hello sh -c "echo $marker" ||
			why "systemd-run failed in $name"
	done
	for n in $(seq 50); do
		docker_cli logs "$on" 2>&1 | grep -q "$marker" && break
		sleep 0.2
	done
	docker_cli logs "$on" 2>&1 | grep -q "$marker" ||
		why "docker logs lacks the line: $(docker_cli logs "$on" 2>&1 | eng_plain | tail -n 3)"
	t_check "${LABEL[docker]}: OCI_MOUNTPLAN_JOURNAL=console: a service's output is in docker logs"
	[ "$(dcli_field docker_cli "$off" .State.Running 2>&1)" = true ] || why "$off is not running"
	docker_cli logs "$off" 2>&1 | grep -q "$marker" && why "the line is in docker logs without the opt-in"
	t_check "${LABEL[docker]}: journal forwarding is off by default"
	docker_remove_extra
}

docker_extra_tests() {
	docker_test_machine_id
	docker_test_journal
}
