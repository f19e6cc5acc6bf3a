# shellcheck shell=bash
# User-namespaced containers through the engines (this host's engines only):
#   docker_userns  a private dockerd with "userns-remap": "default" (dockerd makes
#                  the user dockremap and its /etc/subuid, /etc/subgid ranges), the
#                  wrapper as runtime; Docker shifts the imported image's owners
#   podman_userns  podman run --userns=auto:size=65536 with every file of
#                  contrib/hooks.d/ (both stages), runc; the ranges come from the
#                  /etc/subuid and /etc/subgid entries of "containers"
# Whatever these tests add to /etc (users, groups, subordinate id lines) is taken
# out again on exit; entries that were there before are left alone.

USERNS_SUBID_FILES=(/etc/subuid /etc/subgid)
USERNS_PODMAN_RANGE="1000000:1000000"
USERNS_DOCKREMAP_ADDED=""
USERNS_CONTAINERS_ADDED=""
declare -A USERNS_FILE_MADE=()   # subid files that did not exist before

# The state dir is 0700; the runtime, as the container's root, must pass it to
# reach the rootfs (dockerd refuses to start otherwise).
userns_state_dir() { chmod o+x "$ENG_STATE"; }

# userns_restore: remove what the tests added to /etc.
userns_restore() {
	local f
	if [ -n "$USERNS_DOCKREMAP_ADDED" ] && getent passwd dockremap >/dev/null; then
		userdel dockremap 2>/dev/null
		getent group dockremap >/dev/null && groupdel dockremap 2>/dev/null
	fi
	for f in "${USERNS_SUBID_FILES[@]}"; do
		[ -f "$f" ] || continue
		[ -z "$USERNS_DOCKREMAP_ADDED" ] || sed -i '/^dockremap:/d' "$f"
		[ -z "$USERNS_CONTAINERS_ADDED" ] || sed -i "/^containers:$USERNS_PODMAN_RANGE\$/d" "$f"
		[ -z "${USERNS_FILE_MADE[$f]:-}" ] || [ -s "$f" ] || rm -f "$f"
	done
	USERNS_DOCKREMAP_ADDED="" USERNS_CONTAINERS_ADDED=""
}

userns_note_files() {
	local f
	for f in "${USERNS_SUBID_FILES[@]}"; do
		[ -e "$f" ] || USERNS_FILE_MADE[$f]=1
	done
}

userns_register_restore() {
	[[ " ${ENG_RESTORES[*]} " == *" userns_restore "* ]] || ENG_RESTORES+=(userns_restore)
}

# userns_checks LABEL EXEC-FUNCTION: inside a running container: a user namespace
# (container root is not host root), /run, /run/lock and /tmp owned by container
# root, /etc/machine-id 32 hex digits.
userns_checks() {
	local l=$1 ex=$2 map got
	map=$("$ex" cat /proc/1/uid_map 2>&1 | awk 'NR == 1 { print $1, $2, $3 }')
	[[ $map =~ ^0\ [1-9][0-9]*\ [0-9]+$ ]] || why "uid_map of PID 1: \"$map\" (want container 0 = a host id other than 0)"
	t_check "$l: a user namespace: container root is a host uid other than 0" "$(cut -d' ' -f2 <<<"$map")"
	got=$("$ex" stat -c '%n %u:%g' /run /run/lock /tmp 2>&1 | tr '\n' ' ')
	[ "$got" = "/run 0:0 /run/lock 0:0 /tmp 0:0 " ] || why "inside: $got"
	t_check "$l: /run, /run/lock, /tmp owned by container root"
	got=$("$ex" cat /etc/machine-id 2>&1)
	[[ $got =~ ^[0-9a-f]{32}$ ]] || why "machine id inside: \"$got\""
	t_check "$l: /etc/machine-id readable, 32 hex digits" "$got"
}

# userns_console CLI NAME RUN-ARGS...: after a failed boot, the container once more
# with a terminal (-t): the last lines of systemd's console, from the logs.
userns_console() {
	local cli=$1 name=$2
	shift 2
	echo "console of a second try with a terminal:"
	# with the client's option order: CLI [global options] run ...
	if [ "$1" = --hooks-dir ]; then
		"$cli" "$1" "$2" run -d -t --name "$name" --stop-signal=RTMIN+3 --network none "${@:3}" /sbin/init >/dev/null
	else
		"$cli" run -d -t --name "$name" --stop-signal=RTMIN+3 --network none "$@" /sbin/init >/dev/null
	fi
	CLI_TIMEOUT=8 "$cli" wait "$name" >/dev/null 2>&1
	"$cli" logs "$name" 2>&1 | eng_plain | grep -v '^$' | tail -n 6
	dcli_remove "$cli" "$name"
}

# ---------------------------------------------------------------- docker userns-remap

docker_userns_available() {
	local b
	for b in useradd usermod userdel; do
		command -v "$b" >/dev/null || { echo "$b not installed"; return 1; }
	done
	docker_available
}

docker_userns_setup() {
	getent passwd dockremap >/dev/null || USERNS_DOCKREMAP_ADDED=1
	userns_note_files
	userns_register_restore
	userns_state_dir
	DOCKER_VARIANT=docker_userns DOCKER_EXTRA='{ "userns-remap": "default" }'
	docker_setup || return 1
	e2e_log "docker_userns: dockremap's ranges: $(grep -h '^dockremap:' "${USERNS_SUBID_FILES[@]}" | tr '\n' ' ')"
}

docker_userns_boot() { DOCKER_VARIANT=docker_userns; docker_boot; }
docker_userns_exec() { docker_exec "$@"; }
docker_userns_pid() { docker_pid; }
docker_userns_cgroup() { docker_cgroup; }
docker_userns_stop() { docker_stop; }
docker_userns_diagnose() {
	docker_diagnose
	userns_console docker_cli "omp-engines-$$-console" --runtime=oci-mountplan "$DOCKER_IMAGE"
}
docker_userns_remove() { docker_remove; }
docker_userns_nohook() { docker_nohook; }
docker_userns_extra() { userns_checks "${LABEL[docker_userns]}" docker_userns_exec; }

# ---------------------------------------------------------------- podman --userns=auto

podman_userns_available() { podman_available; }

# A hooks dir with every hooks.d file of contrib/, pointed at the build tree
# (the arguments after argv[0] kept: --stage and the like).
podman_userns_hooks() {
	local f n=0
	for f in "$ENG_REPO"/contrib/hooks.d/*.json; do
		jq --arg hook "$OMP_HOOK" --arg plan "$OMP_PLAN" \
			'.hook.path = $hook | .hook.args = ["oci-mountplan", "--plan", $plan] + (.hook.args[1:] // [])' \
			"$f" >"$PODMAN_DIR/hooks/$(basename "$f")" || return 1
		n=$((n + 1))
	done
	e2e_log "podman_userns: $n hooks.d file(s): $(cd "$PODMAN_DIR/hooks" && jq -c '[.stages, .hook.args[3:]]' ./*.json | tr '\n' ' ')"
}

podman_userns_setup() {
	local f
	userns_note_files
	userns_register_restore
	userns_state_dir
	for f in "${USERNS_SUBID_FILES[@]}"; do
		grep -q '^containers:' "$f" 2>/dev/null && continue
		USERNS_CONTAINERS_ADDED=1
		echo "containers:$USERNS_PODMAN_RANGE" >>"$f"
	done
	PODMAN_RUNTIME=runc PODMAN_VARIANT=userns
	podman_setup || return 1
	# podman_setup's own hooks dir has the createContainer file only
	rm -f "$PODMAN_DIR"/hooks/*.json
	podman_userns_hooks
}

podman_userns_boot() {
	PODMAN_NAME=omp-engines-$$-userns
	podman_cli --hooks-dir "$PODMAN_DIR/hooks" run -d --name "$PODMAN_NAME" --systemd=false \
		--userns=auto:size=65536 --stop-signal=RTMIN+3 --network none --cgroup-parent "$ENG_CGROUP/podman" \
		"$PODMAN_IMAGE" /sbin/init >/dev/null
}

podman_userns_exec() { podman_exec "$@"; }
podman_userns_pid() { podman_pid; }
podman_userns_cgroup() { podman_cgroup; }
podman_userns_stop() { podman_stop; }
podman_userns_diagnose() {
	podman_diagnose
	userns_console podman_cli "omp-engines-$$-console" --hooks-dir "$PODMAN_DIR/hooks" --systemd=false \
		--userns=auto:size=65536 --cgroup-parent "$ENG_CGROUP/podman" "$PODMAN_IMAGE"
}
podman_userns_remove() { podman_remove; }
podman_userns_extra() { userns_checks "${LABEL[podman_userns]}" podman_userns_exec; }

podman_userns_nohook() {
	PODMAN_NAME=omp-engines-$$-userns-nohook
	dcli_nohook podman_cli_nohooks "$PODMAN_NAME" "$PODMAN_DIR/nohook.log" --systemd=false \
		--userns=auto:size=65536 --cgroup-parent "$ENG_CGROUP/podman" "$PODMAN_IMAGE"
}

# ---------------------------------------------------------------- CRI hostUsers: false

# A Kubernetes pod with hostUsers: false, through containerd 2.x's CRI plugin
# (containerd 1.x runs these pods without a user namespace or with a chown of
# the image; not tested). The kubelet sends NamespaceOption.userns_options =
# { mode POD, one uid and one gid mapping } on the sandbox and on each of its
# containers: container ids 0-65535 to a host range at a multiple of 65536,
# here 3 * 65536. Such a pod cannot have hostNetwork (the API refuses it), so
# it gets its own network namespace, made by containerd inside the pod's user
# namespace, with cri/omp-podnet as its CNI plugin (cri.sh). containerd mounts
# the image idmapped (overlayfs) and the volumes with the pod's mappings; no
# /etc/subuid entry is needed (the kubelet picks the range).
CRI_USERNS_HOST_ID=196608
CRI_USERNS_JSON=$(jq -nc --argjson h "$CRI_USERNS_HOST_ID" '{ network: "POD", pid: "CONTAINER", ipc: "POD",
	userns_options: { mode: "POD", uids: [ { host_id: $h, container_id: 0, length: 65536 } ],
		gids: [ { host_id: $h, container_id: 0, length: 65536 } ] } }')

cri_userns_available() {
	cri_available || return 1
	[ "$(cri_major)" -ge 2 ] || { echo "containerd $(cri_major).x: pod user namespaces need containerd 2"; return 1; }
}

# The cri engine's containerd when it ran before (the same node), else its own.
cri_userns_setup() {
	if [ -z "$CRI_DIR" ]; then
		cri_setup || return 1
	fi
	userns_state_dir
}

cri_userns_boot() { CRI_NS_JSON=$CRI_USERNS_JSON cri_pod systemd-userns "$CRI_HANDLER" false; }
cri_userns_exec() { cri_exec "$@"; }
cri_userns_pid() { cri_pid; }
cri_userns_cgroup() { cri_cgroup; }
cri_userns_stop() { cri_stop; }
cri_userns_diagnose() { cri_diagnose systemd-userns; }
cri_userns_remove() { cri_remove; }
cri_userns_nohook() { CRI_NS_JSON=$CRI_USERNS_JSON cri_nohook nohook-userns; }

# The user-namespace checks, the secret; and what the kubelet asks first: it
# creates a hostUsers: false pod only on a handler whose features (from
# `runc features` through the wrapper) say user_namespaces.
cri_userns_extra() {
	local l=${LABEL[cri_userns]} got
	# how containerd gave the pod its image: its layers idmapped (lowerdir
	# /tmp/ovl-idmapped...) or a chowned copy
	e2e_log "cri_userns: root: $(cri_exec sh -c 'grep -m1 " / / " /proc/self/mountinfo' 2>&1 | grep -o 'lowerdir=[^,]*' | head -c 120);" \
		"secret: $(cri_exec sh -c 'grep secrets /proc/self/mountinfo' 2>&1 | cut -d' ' -f5,6 | tr '\n' ' ')"
	userns_checks "$l" cri_userns_exec
	# the volume, mounted idmapped as the kubelet asks (Mount.uid_mappings),
	# and carried below the new /run with its mapping: the node's root-owned
	# files belong to the pod's root, not to nobody
	got=$(cri_exec stat -c '%u:%g' "$CRI_SECRET_PATH/token" 2>&1)
	[ "$got" = 0:0 ] || why "stat $CRI_SECRET_PATH/token: $got"
	t_check "$l: the secret's volume is idmapped: its files are owned by the pod's root"
	cri_extra "$l"
	got=$(cri handlers 2>&1)
	[ "$(jq -r --arg h "$CRI_HANDLER" '.[$h]' <<<"$got" 2>/dev/null)" = true ] ||
		why "CRI Status runtime_handlers: $got"
	t_check "$l: the handler $CRI_HANDLER reports user namespaces (as the kubelet requires)"
}
