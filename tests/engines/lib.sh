# shellcheck shell=bash
# Shared helpers for the container-engine tests (run.sh and the per-engine
# files docker.sh, podman.sh, containerd.sh). Sourced after tests/e2e/lib.sh,
# whose rootfs cache and logging it reuses.
#
# Everything an engine test starts lives below $ENG_STATE (a temp dir):
# daemons' data and state, sockets, configs, images. Daemons are started in
# their own process group and stopped by pid; cgroups are below
# /omp-engines-<pid> in every hierarchy.

ENG_STATE=""
ENG_CGROUP=/omp-engines-$$
ENG_PIDS=()             # "pid name" of every daemon we started
ENG_CLEANUPS=()         # functions run first on exit (remove containers)
ENG_RESTORES=()         # functions run last on exit, once the daemons are gone (host files put back)
declare -A ENG_PREEXISTING=()

# Global paths engines create even with private roots; removed on exit if
# they did not exist before (dockerd's plugin dir, podman's blob-info cache,
# the containerd shims' socket and fifo dirs).
ENG_GLOBAL_LEFTOVERS=(/run/docker /var/lib/containers /run/containerd)

eng_init() {
	local p
	e2e_require_root
	ENG_STATE=$(mktemp -d /var/tmp/omp-engines.XXXXXX)
	for p in "${ENG_GLOBAL_LEFTOVERS[@]}"; do
		[ -e "$p" ] && ENG_PREEXISTING[$p]=1
	done
	trap eng_cleanup EXIT
	trap 'exit 130' INT TERM
}

eng_cleanup() {
	local rc=$? fn
	[ -n "$ENG_STATE" ] && [ -d "$ENG_STATE" ] || return "$rc"
	for fn in "${ENG_CLEANUPS[@]}"; do
		"$fn" >/dev/null 2>&1
	done
	eng_stop_daemons
	eng_kill_shims
	e2e_umount_below "$ENG_STATE"
	eng_remove_cgroups
	eng_remove_global_leftovers
	for fn in "${ENG_RESTORES[@]}"; do
		"$fn"
	done
	if [ "${OMP_E2E_KEEP:-0}" = 1 ]; then
		e2e_log "state kept in $ENG_STATE"
	else
		rm -rf --one-file-system "$ENG_STATE"
	fi
	return "$rc"
}

# ---------------------------------------------------------------- daemons

# eng_daemon NAME LOG CMD...: start CMD in its own session, remember its pid.
eng_daemon() {
	local name=$1 log=$2
	shift 2
	setsid "$@" </dev/null >"$log" 2>&1 &
	ENG_PIDS+=("$! $name")
	ENG_LAST_PID=$!
}

# eng_wait_for SECONDS PID CMD...: poll CMD until it succeeds, while PID lives.
eng_wait_for() {
	local t=$1 pid=$2 end
	shift 2
	end=$(($(date +%s%N) + t * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# SIGTERM every daemon we started (newest first), SIGKILL after 15 s.
eng_stop_daemons() {
	local i pid name
	for ((i = ${#ENG_PIDS[@]} - 1; i >= 0; i--)); do
		read -r pid name <<<"${ENG_PIDS[$i]}"
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			e2e_log "$name (pid $pid) did not stop, killing it"
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	ENG_PIDS=()
}

# containerd shims outlive their daemon when a container is left over; ours
# are the ones whose -address is below our state dir.
eng_kill_shims() {
	local pid
	for pid in $(pgrep -f "^/usr/bin/containerd-shim-runc-v2 .*-address $ENG_STATE/"); do
		kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

eng_remove_cgroups() {
	e2e_remove_cgroup_tree "$ENG_CGROUP"
}

eng_remove_global_leftovers() {
	local p
	for p in "${ENG_GLOBAL_LEFTOVERS[@]}"; do
		[ -z "${ENG_PREEXISTING[$p]:-}" ] && [ -e "$p" ] || continue
		# a socket below means somebody else's daemon started meanwhile
		[ -n "$(find "$p" -name '*.sock' 2>/dev/null | head -n 1)" ] && continue
		rm -rf --one-file-system "$p"
	done
	return 0
}

# ---------------------------------------------------------------- images

# eng_oci_archive ROOTFS NAME OUT [CONFIG]: write an OCI image layout tar of
# ROOTFS (one uncompressed layer) named NAME, with /sbin/init as its command
# and SIGRTMIN+3 as its stop signal, for `ctr image import`. CONFIG (a jq
# object) replaces fields of the image config; null removes one.
eng_oci_archive() {
	local r=$1 name=$2 out=$3 extra=${4:-"{}"} d
	local ldig lsize cdig csize mdig msize
	d=$(mktemp -d "$ENG_STATE/oci.XXXXXX") || return 1
	mkdir -p "$d/blobs/sha256"
	tar -C "$r" --exclude=./.omp-e2e-stamp --numeric-owner -cf "$d/layer" . || return 1
	read -r ldig lsize < <(eng_blob "$d" layer)
	jq -cn --arg arch "$(dpkg --print-architecture)" --arg l "sha256:$ldig" '{
		architecture: $arch, os: "linux",
		config: ({ Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
			  Cmd: ["/sbin/init"], StopSignal: "SIGRTMIN+3" } + '"$extra"' | with_entries(select(.value != null))),
		rootfs: { type: "layers", diff_ids: [$l] } }' >"$d/config"
	read -r cdig csize < <(eng_blob "$d" config)
	jq -cn --arg c "sha256:$cdig" --argjson cs "$csize" --arg l "sha256:$ldig" --argjson ls "$lsize" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs },
		layers: [ { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls } ] }' >"$d/manifest"
	read -r mdig msize < <(eng_blob "$d" manifest)
	jq -cn --arg m "sha256:$mdig" --argjson ms "$msize" --arg name "$name" '{
		schemaVersion: 2, manifests: [ { mediaType: "application/vnd.oci.image.manifest.v1+json",
		digest: $m, size: $ms, annotations: { "io.containerd.image.name": $name,
		"org.opencontainers.image.ref.name": ($name | sub(".*:"; "")) } } ] }' >"$d/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$out" oci-layout index.json blobs || return 1
	rm -rf "$d"
}

# eng_blob DIR FILE: move DIR/FILE to DIR/blobs/sha256/<digest>, print "digest size".
eng_blob() {
	local dig size
	dig=$(sha256sum "$1/$2" | cut -d' ' -f1)
	size=$(stat -c %s "$1/$2")
	mv "$1/$2" "$1/blobs/sha256/$dig"
	echo "$dig $size"
}

# A tar stream of ROOTFS for `docker import` / `podman import`.
eng_rootfs_tar() {
	tar -C "$1" --exclude=./.omp-e2e-stamp --numeric-owner -cf - .
}

# ---------------------------------------------------------------- checks

# eng_wait_running SECONDS EXEC-FUNCTION: poll `systemctl is-system-running`
# through EXEC-FUNCTION until it settles. Sets SD_STATE and SD_SECONDS (from T0).
eng_wait_running() {
	local t=$1 exec_fn=$2
	SD_STATE=""
	while :; do
		SD_STATE=$("$exec_fn" systemctl is-system-running 2>/dev/null </dev/null)
		SD_SECONDS=$(e2e_since "$T0")
		case $SD_STATE in
		running) return 0;;
		degraded|maintenance|stopping|offline) return 1;;
		esac
		awk -v a="$SD_SECONDS" -v t="$t" 'BEGIN { exit !(a < t) }' || return 1
		sleep 0.2
	done
}

# Why systemd did not stop: a PID 1 that is systemd-shutdown stuck in
# pause() means it did not detect a container and its reboot() failed.
eng_explain_stop() {
	local pid=$1 comm
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
	echo "PID 1 is still alive as '$comm' ($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-80))"
	if [ "$comm" = systemd-shutdow ]; then
		echo "systemd-shutdown did not detect a container (no container= env, /.dockerenv," \
			"/run/.containerenv or /run/host/container-manager), its reboot(2) failed and it waits forever"
	fi
}

# Strip terminal colours and carriage returns from console logs.
eng_plain() { sed 's/\x1b\[[0-9;]*m//g' | tr -d '\r'; }

# ------------------------------------------- docker and podman: one client

# Docker and podman take the same client commands; the per-engine functions
# are these, given the client function (docker_cli, podman_cli) and the name.
dcli_exec() { local cli=$1 name=$2; shift 2; "$cli" exec "$name" "$@"; }
dcli_field() { "$1" inspect -f "{{$3}}" "$2"; }
dcli_remove() { "$1" rm -f "$2" >/dev/null 2>&1; }

# dcli_stop CLI NAME: sets STOP_RC (the container's exit code) and STOP_SECONDS.
dcli_stop() {
	local t
	t=$(e2e_now)
	"$1" stop -t "$STOP_GRACE" "$2" >/dev/null
	STOP_SECONDS=$(e2e_since "$t")
	STOP_RC=$(dcli_field "$1" "$2" .State.ExitCode)
}

dcli_diagnose() {
	"$1" inspect -f 'status {{.State.Status}}, exit code {{.State.ExitCode}} {{.State.Error}}' "$2" 2>&1
	"$1" logs "$2" 2>&1 | eng_plain | tail -n 3
	dcli_exec "$1" "$2" systemctl --failed --plain --no-legend --no-pager 2>&1 | head -n 5
}

# dcli_nohook CLI NAME LOG RUN-ARGS...: `run -d -t` (a terminal, so systemd's
# console ends up in the logs) of /sbin/init without our hook; waits for it to
# end. Sets NOHOOK_RC (124: still running after 15 s) and NOHOOK_LOG.
dcli_nohook() {
	local cli=$1 name=$2
	NOHOOK_LOG=$3 NOHOOK_RC=""
	shift 3
	"$cli" run -d -t --name "$name" --stop-signal=RTMIN+3 --network none "$@" /sbin/init >/dev/null ||
		{ NOHOOK_RC="run failed"; return; }
	NOHOOK_RC=$(CLI_TIMEOUT=15 "$cli" wait "$name") || NOHOOK_RC=124
	"$cli" logs "$name" 2>&1 | eng_plain >"$NOHOOK_LOG"
	dcli_remove "$cli" "$name"
}
