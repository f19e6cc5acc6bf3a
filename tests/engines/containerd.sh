# shellcheck shell=bash
# containerd, the path Kubernetes takes: a private containerd (own config,
# root, state, socket) whose runc shim runs oci-mountplan-runtime as its runc
# binary (`ctr run --runc-binary`, what BinaryName does for a CRI runtime
# handler), through a two-line script that names the build tree's hook and plan.

CTR_IMAGE=localhost/omp-engines/systemd:test
CTR_NS=omp-engines
CTR_DIR=""
CTR_NAME=""

containerd_available() {
	local b
	for b in containerd ctr containerd-shim-runc-v2 runc script; do
		command -v "$b" >/dev/null || { echo "$b not installed"; return 1; }
	done
}

# ctrd_start DIR: a containerd with its config, root, state and socket in
# DIR (the CRI plugin off: no CNI, no pod sandbox). Also used by docker.sh.
ctrd_start() {
	local dir=$1
	mkdir -p "$dir"
	cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
EOF
	eng_daemon containerd "$dir/containerd.log" containerd --config "$dir/config.toml"
	eng_wait_for 30 "$ENG_LAST_PID" ctr --address "$dir/containerd.sock" version ||
		{ tail -n 5 "$dir/containerd.log"; return 1; }
}

ctr_cli() { timeout "${CLI_TIMEOUT:-60}" ctr --address "$CTR_DIR/containerd.sock" -n "$CTR_NS" "$@"; }

# Options every `ctr run` gets: runc state, fifos and cgroup in our dirs.
ctr_run_opts() {
	echo --runc-root "$CTR_DIR/runc" --fifo-dir "$CTR_DIR/fifo" --cgroup "$ENG_CGROUP/ctr/$1"
}

containerd_setup() {
	CTR_DIR=$ENG_STATE/containerd
	ctrd_start "$CTR_DIR" || return 1
	printf '#!/bin/sh\nexec %q --hook-path %q --plan %q "$@"\n' "$OMP_RUNTIME" "$OMP_HOOK" "$OMP_PLAN" \
		>"$CTR_DIR/oci-mountplan-runc"
	chmod 755 "$CTR_DIR/oci-mountplan-runc"
	ENG_CLEANUPS+=(containerd_remove_all)
	eng_oci_archive "$ROOTFS" "$CTR_IMAGE" "$CTR_DIR/image.tar" || return 1
	ctr_cli image import "$CTR_DIR/image.tar" >/dev/null || return 1
	rm -f "$CTR_DIR/image.tar"
}

containerd_remove_all() {
	local c
	for c in $(ctr_cli task ls -q); do ctr_cli task kill -s SIGKILL "$c"; done
	sleep 0.5
	for c in $(ctr_cli task ls -q); do ctr_cli task delete -f "$c"; done
	for c in $(ctr_cli container ls -q); do ctr_cli container delete "$c"; done
	ctr_cli image rm "$CTR_IMAGE"
}

# `ctr run` in the foreground of a background job, as the kubelet's shim
# would hold it: its exit status is the container's. Sets RUN_PID.
containerd_boot() {
	CTR_NAME=omp-engines-$$-boot
	# shellcheck disable=SC2046
	setsid ctr --address "$CTR_DIR/containerd.sock" -n "$CTR_NS" run $(ctr_run_opts "$CTR_NAME") \
		--runc-binary "$CTR_DIR/oci-mountplan-runc" "$CTR_IMAGE" "$CTR_NAME" /sbin/init \
		</dev/null >"$CTR_DIR/boot.out" 2>&1 &
	RUN_PID=$!
	eng_wait_for 20 "$RUN_PID" ctr_task_is RUNNING
}

ctr_task_field() { ctr_cli task ls | awk -v n="$CTR_NAME" -v f="$1" '$1 == n { print $f }'; }
ctr_task_is() { [ "$(ctr_task_field 3)" = "$1" ]; }

containerd_exec() { CLI_TIMEOUT=${CLI_TIMEOUT:-10} ctr_cli task exec --exec-id "x$BASHPID-$RANDOM" "$CTR_NAME" "$@"; }
containerd_pid() { ctr_task_field 2; }
containerd_cgroup() { echo "$ENG_CGROUP/ctr/$CTR_NAME"; }

# SIGRTMIN+3 as `ctr task kill` (and the kubelet, from the image's
# StopSignal) sends it; `ctr run` exits with the container's status.
containerd_stop() {
	local t end
	t=$(e2e_now)
	ctr_cli task kill -s SIGRTMIN+3 "$CTR_NAME" || { STOP_RC="kill failed"; return; }
	end=$(($(date +%s%N) + STOP_GRACE * 1000000000))
	while kill -0 "$RUN_PID" 2>/dev/null && [ "$(date +%s%N)" -lt "$end" ]; do sleep 0.05; done
	STOP_SECONDS=$(e2e_since "$t")
	if kill -0 "$RUN_PID" 2>/dev/null; then
		STOP_RC="still running"
	else
		wait "$RUN_PID"
		STOP_RC=$?
	fi
}

containerd_diagnose() {
	echo "task: $(ctr_task_field 3)"
	tail -n 3 "$CTR_DIR/boot.out"
	containerd_exec systemctl --failed --plain --no-legend --no-pager 2>&1 | head -n 5
}

containerd_remove() {
	ctr_cli task kill -s SIGKILL "$CTR_NAME" >/dev/null 2>&1
	if [ -n "${RUN_PID:-}" ]; then
		for _ in $(seq 50); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$RUN_PID" 2>/dev/null
		wait "$RUN_PID" 2>/dev/null
		RUN_PID=""
	fi
	ctr_cli task delete -f "$CTR_NAME" >/dev/null 2>&1
	ctr_cli container delete "$CTR_NAME" >/dev/null 2>&1
}

# Without our wrapper: the shim's plain runc, with a terminal from script(1)
# so that systemd's console is captured.
containerd_nohook() {
	local t
	CTR_NAME=omp-engines-$$-nohook
	NOHOOK_LOG=$CTR_DIR/nohook.log NOHOOK_RC=""
	# shellcheck disable=SC2046
	# script(1) runs its command with $SHELL (/bin/sh when unset, as in CI),
	# and printf %q may quote in bash's $'...' syntax
	SHELL=/bin/bash setsid script -qfec "$(printf '%q ' ctr --address "$CTR_DIR/containerd.sock" -n "$CTR_NS" run -t \
		$(ctr_run_opts "$CTR_NAME") "$CTR_IMAGE" "$CTR_NAME" /sbin/init)" "$CTR_DIR/nohook.typescript" \
		</dev/null >/dev/null 2>&1 &
	RUN_PID=$!
	t=$(($(date +%s) + 15))
	# a PID 1 that does not know it is in a container freezes instead of exiting
	while kill -0 "$RUN_PID" 2>/dev/null && [ "$(date +%s)" -lt "$t" ] &&
		! grep -q 'Freezing execution' "$CTR_DIR/nohook.typescript" 2>/dev/null; do
		sleep 0.1
	done
	if kill -0 "$RUN_PID" 2>/dev/null; then
		NOHOOK_RC=124
	else
		wait "$RUN_PID"
		NOHOOK_RC=$?
		RUN_PID=""
	fi
	eng_plain <"$CTR_DIR/nohook.typescript" >"$NOHOOK_LOG"
	containerd_remove
}

# contrib/kubernetes/'s config for this containerd (containerd-config.toml,
# version 2, for 1.x; containerd-config-v3.toml for 2.x), imported into a
# containerd config as its README says, defines the "oci-mountplan" CRI
# runtime handler: runc v2 with our BinaryName.
containerd_check_contrib() {
	local conf=$CTR_DIR/contrib-check.toml out CRI_MAJOR rt
	CRI_MAJOR=$(cri_major)
	if [ "$CRI_MAJOR" -ge 2 ]; then
		rt='plugins."io.containerd.cri.v1.runtime".containerd.runtimes.oci-mountplan'
		printf 'version = 3\nimports = ["%s"]\n' "$(cri_contrib_file)" >"$conf"
	else
		rt='plugins."io.containerd.grpc.v1.cri".containerd.runtimes.oci-mountplan'
		printf 'version = 2\nimports = ["%s"]\n' "$(cri_contrib_file)" >"$conf"
	fi
	out=$(containerd --config "$conf" config dump 2>&1) || { echo "config dump failed: $(tail -n 2 <<<"$out")"; return; }
	toml_has "$rt" 'runtime_type = "io.containerd.runc.v2"' <<<"$out" ||
		echo "no [$rt] with runtime_type io.containerd.runc.v2"
	toml_has "$rt.options" 'BinaryName = "/usr/bin/oci-mountplan-runtime"' <<<"$out" ||
		echo "no [$rt.options] with BinaryName /usr/bin/oci-mountplan-runtime"
	toml_has "$rt.options" 'SystemdCgroup = true' <<<"$out" ||
		echo "no [$rt.options] with SystemdCgroup = true (the kubelet's default cgroup driver)"
}

# toml_has SECTION LINE < TOML: LINE (trimmed) is in [SECTION].
toml_has() {
	awk -v sec="[$1]" -v want="$2" '
		# containerd 2.x dumps its config with single quotes
		{ line = $0; gsub(/^[ \t]+|[ \t]+$/, "", line); gsub(/\047/, "\"", line) }
		line ~ /^\[/ { in_sec = (line == sec); next }
		in_sec && line == want { found = 1 }
		END { exit !found }'
}
