# shellcheck shell=bash
# Kubernetes through CRI, as a kubelet drives it: a private containerd with its
# CRI plugin on, configured with contrib/kubernetes/'s runtime handler
# (containerd-config.toml, config version 2, for containerd 1.x;
# containerd-config-v3.toml, version 3, for 2.x), appended to the node's config
# as contrib/kubernetes/README.md says. Paths are substituted with sed at run
# time: BinaryName becomes a two-line script naming the hook and plan under
# test, and SystemdCgroup = false (the kubelet's cgroupfs driver, documented in
# the file) because no systemd is PID 1 here to be runc's cgroup manager.
#
# tests/engines/cri/cri.py (the CRI calls: RunPodSandbox with the handler,
# CreateContainer, StartContainer, ExecSync, StopContainer, RemoveContainer,
# StopPodSandbox, RemovePodSandbox) runs with the host's python3-grpcio; inside
# a release tree (tree.sh) through chroot /.omp-host. The pod uses the node's
# network (NamespaceMode NODE: no CNI plugin), its own pid namespace, a
# static pause program (cri/pause.c) as the sandbox image, and the systemd
# image with StopSignal SIGRTMIN+3 in its config, both `ctr image import`ed
# into the k8s.io namespace. No registry is contacted.

CRI_DIR=""
CRI_NS=k8s.io
CRI_IMAGE=localhost/omp-engines/systemd:test
CRI_PAUSE=localhost/omp-engines/pause:test
CRI_HANDLER=oci-mountplan
CRI_POD="" CRI_CTR="" CRI_MAJOR="" CRI_REMOVE_WHY=""
CRI_SECRET_PATH=/var/run/secrets/kubernetes.io/serviceaccount

# Host tools (python3 with grpcio, protoc, cc) from a release tree: the host's
# root is at /.omp-host there.
cri_host() {
	if [ -f /.omp-engines-stamp ] && [ -d /.omp-host/usr/bin ]; then
		chroot /.omp-host "$@"
	else
		"$@"
	fi
}

cri_available() {
	local b
	for b in containerd ctr containerd-shim-runc-v2 runc; do
		command -v "$b" >/dev/null || { echo "$b not installed"; return 1; }
	done
	cri_host /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null ||
		{ echo "python3-grpcio or python3-protobuf not installed on the host"; return 1; }
	cri_host sh -c 'command -v protoc && command -v cc' >/dev/null ||
		{ echo "protoc (protobuf-compiler) or cc not installed on the host"; return 1; }
}

cri() { cri_host env CRI_PYDIR="$CRI_DIR/py" timeout "${CLI_TIMEOUT:-90}" /usr/bin/python3 "$ENG_DIR/cri/cri.py" "$CRI_DIR/containerd.sock" "$@"; }
cri_ctr() { timeout "${CLI_TIMEOUT:-60}" ctr --address "$CRI_DIR/containerd.sock" -n "$CRI_NS" "$@"; }

# containerd's major version: 1 (config version 2) or 2 (version 3).
cri_major() { containerd --version | sed -n 's/.* v\{0,1\}\([0-9]*\)\.[0-9].*/\1/p' | head -n 1; }

# The contrib file for this containerd, paths substituted; printed without
# its "version" line so that it can follow the private settings.
cri_contrib_file() {
	if [ "$CRI_MAJOR" -ge 2 ]; then echo "$ENG_REPO/contrib/kubernetes/containerd-config-v3.toml"
	else echo "$ENG_REPO/contrib/kubernetes/containerd-config.toml"; fi
}

cri_contrib() {
	sed -e "s|^\( *BinaryName = \).*|\1\"$CRI_DIR/oci-mountplan-runc\"|" \
		-e 's|^\( *SystemdCgroup = \)true|\1false|' -e '/^version = /d' "$(cri_contrib_file)"
}

# The node's config: private root, state, sockets, CNI dirs (the pod uses the
# node's network; for containerd 2.x they hold cri/omp-podnet, which only
# userns.sh's hostUsers: false pod uses, and lo is containerd's own:
# use_internal_loopback), the sandbox image, a loopback streaming server,
# the default runc handler (as `containerd config default` writes it: 1.7
# refuses a runtimes table without its default runtime); then the contrib
# handler, as README.md says to add it.
cri_config() {
	local d=$CRI_DIR
	if [ "$CRI_MAJOR" -ge 2 ]; then
		cat <<EOF
version = 3
root = "$d/root"
state = "$d/state"

[grpc]
  address = "$d/containerd.sock"

[ttrpc]
  address = "$d/containerd.sock.ttrpc"

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = "$CRI_PAUSE"

[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  restrict_oom_score_adj = $CRI_RESTRICT_OOM

[plugins."io.containerd.cri.v1.runtime".cni]
  bin_dirs = ["$d/cni-bin"]
  conf_dir = "$d/cni-conf"
  use_internal_loopback = true

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  SystemdCgroup = false

EOF
	else
		cat <<EOF
version = 2
root = "$d/root"
state = "$d/state"

[grpc]
  address = "$d/containerd.sock"

[ttrpc]
  address = "$d/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CRI_PAUSE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  restrict_oom_score_adj = $CRI_RESTRICT_OOM

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "$d/cni-bin"
  conf_dir = "$d/cni-conf"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false

EOF
	fi
	cri_contrib
}

# containerd gives the sandbox an oom_score_adj of -998, which needs
# CAP_SYS_RESOURCE (runc fails: "can't get final child's PID from pipe"). A
# root without it (this test VM) restricts the score to not go below its own,
# as rootless nodes do.
cri_restrict_oom() {
	local eff
	eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	if (( (16#$eff >> 24) & 1 )); then echo false; else echo true; fi
}

cri_setup() {
	local t
	CRI_DIR=$ENG_STATE/cri
	mkdir -p "$CRI_DIR/py" "$CRI_DIR/cni-bin" "$CRI_DIR/cni-conf" "$CRI_DIR/logs" "$CRI_DIR/pause/dev" \
		"$CRI_DIR/secret"
	CRI_MAJOR=$(cri_major) CRI_RESTRICT_OOM=$(cri_restrict_oom)
	[ "$CRI_RESTRICT_OOM" = false ] || e2e_log "cri: no CAP_SYS_RESOURCE here: restrict_oom_score_adj = true"
	[ -n "$CRI_MAJOR" ] || { echo "cannot tell containerd's version: $(containerd --version)"; return 1; }
	cri_host protoc -I"$ENG_DIR/cri" --python_out="$CRI_DIR/py" "$ENG_DIR/cri/api.proto" || return 1
	cri_host cc -static -O2 -o "$CRI_DIR/pause/pause" "$ENG_DIR/cri/pause.c" || return 1
	printf '#!/bin/sh\nexec %q --hook-path %q --plan %q "$@"\n' "$OMP_RUNTIME" "$OMP_HOOK" "$OMP_PLAN" \
		>"$CRI_DIR/oci-mountplan-runc"
	chmod 755 "$CRI_DIR/oci-mountplan-runc"
	# a service-account-style secret, as the kubelet projects it
	printf 'omp-token-%s\n' "$$" >"$CRI_DIR/secret/token"
	echo default >"$CRI_DIR/secret/namespace"
	cri_config >"$CRI_DIR/config.toml"
	[ "$CRI_MAJOR" -lt 2 ] || cri_podnet || return 1
	t=$(e2e_now)
	eng_daemon containerd-cri "$CRI_DIR/containerd.log" containerd --config "$CRI_DIR/config.toml"
	if ! eng_wait_for 30 "$ENG_LAST_PID" cri version; then
		tail -n 5 "$CRI_DIR/containerd.log"
		return 1
	fi
	e2e_log "containerd $(cri version) with CRI up in $(e2e_since "$t") s, $(cri_contrib_file | sed "s|$ENG_REPO/||")"
	ENG_CLEANUPS+=(cri_remove_all)
	eng_oci_archive "$CRI_DIR/pause" "$CRI_PAUSE" "$CRI_DIR/pause.tar" \
		'{ Entrypoint: ["/pause"], Cmd: null, StopSignal: null }' || return 1
	eng_oci_archive "$ROOTFS" "$CRI_IMAGE" "$CRI_DIR/image.tar" || return 1
	cri_ctr image import "$CRI_DIR/pause.tar" >/dev/null || return 1
	cri_ctr image import "$CRI_DIR/image.tar" >/dev/null || return 1
	rm -f "$CRI_DIR/pause.tar" "$CRI_DIR/image.tar"
}

cri_remove_all() { cri_remove; }

# Pods with their own network namespace (userns.sh's hostUsers: false pod) get
# cri/omp-podnet, a CNI plugin that keeps everything inside the pod: containerd
# finds the network config before it starts (it would refuse such pods until
# it had one). containerd 2.x only: 1.x has no use_internal_loopback and would
# want CNI's loopback plugin too.
cri_podnet() {
	cp "$ENG_DIR/cri/omp-podnet" "$CRI_DIR/cni-bin/omp-podnet" || return 1
	printf '%s\n' '{ "cniVersion": "1.0.0", "name": "omp-podnet", "plugins": [ { "type": "omp-podnet" } ] }' \
		>"$CRI_DIR/cni-conf/10-omp-podnet.conflist"
}

# The pod's and its containers' NamespaceOption: hostNetwork (the node's
# network namespace: no CNI); userns.sh's hostUsers: false pod sets its own.
CRI_NS_JSON='{ "network": "NODE", "pid": "CONTAINER", "ipc": "POD" }'

# cri_pod_json NAME: a PodSandboxConfig as the kubelet sends it, in our cgroup.
cri_pod_json() {
	jq -n --arg name "$1" --arg uid "$1-$$" --arg cg "$ENG_CGROUP/k8s/pod-$1" --arg logs "$CRI_DIR/logs/$1" \
		--argjson ns "$CRI_NS_JSON" '{
		metadata: { name: $name, uid: $uid, namespace: "default", attempt: 0 },
		hostname: "", log_directory: $logs, labels: { app: $name },
		linux: { cgroup_parent: $cg, security_context: { namespace_options: $ns } } }'
}

# cri_ctr_json TTY: pod-systemd.yaml's container (command /sbin/init, the env
# container=oci) with the secret volume the kubelet mounts for the service account.
cri_ctr_json() {
	jq -n --arg img "$CRI_IMAGE" --arg secret "$CRI_DIR/secret" --arg path "$CRI_SECRET_PATH" --argjson tty "$1" \
		--argjson ns "$CRI_NS_JSON" '{
		metadata: { name: "systemd", attempt: 0 }, image: { image: $img },
		command: ["/sbin/init"], envs: [ { key: "container", value: "oci" } ],
		mounts: [ { container_path: $path, host_path: $secret, readonly: true } +
			# hostUsers: false: the kubelet asks for the volume idmapped with the pod mappings
			if $ns.userns_options then { uid_mappings: $ns.userns_options.uids,
				gid_mappings: $ns.userns_options.gids } else {} end ],
		log_path: "systemd/0.log", tty: $tty,
		linux: { security_context: { namespace_options: $ns } } }'
}

# cri_pod NAME HANDLER TTY: RunPodSandbox, CreateContainer, StartContainer.
cri_pod() {
	local name=$1 handler=$2 tty=$3
	cri_pod_json "$name" >"$CRI_DIR/$name-pod.json"
	cri_ctr_json "$tty" >"$CRI_DIR/$name-ctr.json"
	CRI_POD=$(cri runp "$CRI_DIR/$name-pod.json" "$handler") || return 1
	CRI_CTR=$(cri create "$CRI_POD" "$CRI_DIR/$name-ctr.json" "$CRI_DIR/$name-pod.json") || return 1
	cri start "$CRI_CTR"
}

cri_boot() { cri_pod systemd "$CRI_HANDLER" false; }

cri_status() { cri status "$CRI_CTR" | jq -r ".$1"; }
cri_exec() { cri exec "$CRI_CTR" 10 "$@"; }
cri_pid() { cri_status pid; }
cri_cgroup() { cri_status cgroup; }

# The service account's secret, below /var/run -> /run, where systemd's
# /run tmpfs goes: the hook has to carry it over.
cri_extra() {
	local got l=${1:-${LABEL[cri]}}
	got=$(cri_exec cat "$CRI_SECRET_PATH/token" 2>&1)
	if [ "$got" = "$(cat "$CRI_DIR/secret/token")" ]; then
		t_ok "$l: the pod's secret is readable at $CRI_SECRET_PATH"
	else
		t_fail "$l: the pod's secret is readable at $CRI_SECRET_PATH" \
			"cat $CRI_SECRET_PATH/token: ${got:-(empty)}; mounts below /run: $(cri_exec sh -c 'grep -E " /(var/)?run" /proc/self/mountinfo | cut -d" " -f5' 2>&1 | tr '\n' ' ')"
	fi
}

# StopContainer as the kubelet calls it: containerd sends the image's
# StopSignal (SIGRTMIN+3) and SIGKILL after the grace period.
cri_stop() {
	local t
	t=$(e2e_now)
	cri stop "$CRI_CTR" "$STOP_GRACE" || { STOP_RC="StopContainer failed"; return; }
	STOP_SECONDS=$(e2e_since "$t")
	if [ "$(cri_status state)" = CONTAINER_EXITED ]; then
		STOP_RC=$(cri_status exit_code)
	else
		STOP_RC="state $(cri_status state)"
	fi
}

cri_diagnose() { # [POD-NAME]
	cri status "$CRI_CTR"
	tail -n 5 "$CRI_DIR/logs/${1:-systemd}/systemd/0.log" 2>/dev/null
	grep -iE 'level=(error|warn)' "$CRI_DIR/containerd.log" | tail -n 5
}

# As the kubelet ends a pod: StopContainer (a no-op once stopped),
# RemoveContainer, StopPodSandbox, RemovePodSandbox. Complaints in
# CRI_REMOVE_WHY.
cri_remove() {
	local out
	CRI_REMOVE_WHY=""
	if [ -n "$CRI_CTR" ]; then
		out=$({ cri stop "$CRI_CTR" 0 && cri rm "$CRI_CTR"; } 2>&1) || CRI_REMOVE_WHY+="$out "
	fi
	if [ -n "$CRI_POD" ]; then
		out=$({ cri stopp "$CRI_POD" && cri rmp "$CRI_POD"; } 2>&1) || CRI_REMOVE_WHY+="$out"
	fi
	CRI_CTR="" CRI_POD=""
}

# Without the handler: the pod on containerd's default runtime (plain runc),
# with a terminal so that systemd's console is in the container's log.
cri_nohook() {
	local end st name=${1:-nohook}
	NOHOOK_LOG=$CRI_DIR/$name.log NOHOOK_RC=""
	cri_pod "$name" "" true >"$CRI_DIR/$name.out" 2>&1 || { NOHOOK_RC="pod failed: $(tail -n 2 "$CRI_DIR/$name.out")"; cri_remove; return; }
	end=$(($(date +%s) + 15))
	while [ "$(date +%s)" -lt "$end" ]; do
		st=$(cri_status state)
		[ "$st" = CONTAINER_EXITED ] && break
		grep -q 'Freezing execution' "$CRI_DIR/logs/$name/systemd/0.log" 2>/dev/null && break
		sleep 0.2
	done
	if [ "$st" = CONTAINER_EXITED ]; then NOHOOK_RC=$(cri_status exit_code); else NOHOOK_RC=124; fi
	# CRI log lines: "<time> stdout F <text>"
	sed 's/^[^ ]* std[a-z]* [PF] //' "$CRI_DIR/logs/$name/systemd/0.log" 2>/dev/null | eng_plain >"$NOHOOK_LOG"
	cri_remove
}

# The contrib handler is what containerd runs with: `containerd config dump`
# of the node's config shows it with runc v2 and our binary.
cri_check_contrib() {
	local out sec
	if [ "$CRI_MAJOR" -ge 2 ]; then sec='plugins."io.containerd.cri.v1.runtime".containerd.runtimes.oci-mountplan'
	else sec='plugins."io.containerd.grpc.v1.cri".containerd.runtimes.oci-mountplan'; fi
	out=$(containerd --config "$CRI_DIR/config.toml" config dump 2>&1) || { echo "config dump failed: $(tail -n 2 <<<"$out")"; return; }
	toml_has "$sec" 'runtime_type = "io.containerd.runc.v2"' <<<"$out" ||
		echo "no [$sec] with runtime_type io.containerd.runc.v2"
	toml_has "$sec.options" "BinaryName = \"$CRI_DIR/oci-mountplan-runc\"" <<<"$out" ||
		echo "no [$sec.options] with our BinaryName"
}
