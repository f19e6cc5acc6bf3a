# shellcheck shell=bash
# Shared helpers for the oci-mountplan end-to-end tests (run.sh, demo.sh).
# Source it from bash with `set -u`; everything here runs as root.
#
# Environment (all optional):
#   OMP_HOOK            hook binary            (default: <repo>/oci-mountplan)
#   OMP_PLAN            plan file              (default: <repo>/plans/systemd.conf)
#   OMP_E2E_CACHE       rootfs cache directory (default: /var/cache/oci-mountplan-tests)
#   OMP_E2E_MIRROR      Debian mirror URI      (default: read from the apt sources)
#   OMP_E2E_MAX_AGE     rebuild a cached "testing" rootfs older than this many days (7)
#   OMP_E2E_KEEP        1 = keep the state directory for debugging

# Debian packages the e2e tests need on the host (CI installs them).
E2E_PACKAGES="runc crun mmdebstrap debian-archive-keyring util-linux mount bsdutils curl"

# Packages added to the essential variant in the test image.
E2E_IMAGE_PACKAGES="systemd-sysv,mount,busybox"

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_DIR/../.." && pwd)
OMP_HOOK=${OMP_HOOK:-$E2E_REPO/oci-mountplan}
OMP_PLAN=${OMP_PLAN:-$E2E_REPO/plans/systemd.conf}
OMP_E2E_CACHE=${OMP_E2E_CACHE:-/var/cache/oci-mountplan-tests}
OMP_E2E_MAX_AGE=${OMP_E2E_MAX_AGE:-7}

E2E_STATE=""            # per-run temp dir, see e2e_init
E2E_ID_SEQ=0

# ---------------------------------------------------------------- logging

e2e_log()  { printf '# %s\n' "$*" >&2; }
e2e_die()  { printf 'e2e: %s\n' "$*" >&2; exit 2; }
e2e_now()  { date +%s.%N; }
e2e_since() { awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Run a long command, printing a progress line with the elapsed time every 5 s.
# Its output goes to $1 (a log file); the tail is shown if it fails.
e2e_with_progress() {
	local log=$1 what=$2 start pid rc
	shift 2
	start=$(e2e_now)
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		local el
		el=$(e2e_since "$start")
		case ${el%.*} in *[05]) e2e_log "$what: ${el%.*} s, $(tail -n 1 "$log" | cut -c1-60)";; esac
	done
	wait "$pid"; rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 20 "$log" >&2
		return "$rc"
	fi
	e2e_log "$what: done in $(e2e_since "$start") s"
}

# ---------------------------------------------------------------- setup and cleanup

e2e_require_root() {
	[ "$(id -u)" = 0 ] || e2e_die "must run as root"
}

# Create the state directory and install the cleanup trap.
e2e_init() {
	e2e_require_root
	E2E_STATE=$(mktemp -d /var/tmp/omp-e2e.XXXXXX)
	mkdir -p "$E2E_STATE/empty"
	: >"$E2E_STATE/empty-file"
	: >"$E2E_STATE/containers"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Delete every container we created, unmount everything below the state
# dir, remove our cgroups and the state dir.
e2e_cleanup() {
	local rc=$? id rt host
	[ -n "$E2E_STATE" ] && [ -d "$E2E_STATE" ] || return "$rc"
	while read -r rt host id; do
		[ -n "$id" ] && e2e_delete "$rt" "$host" "$id"
	done <"$E2E_STATE/containers"
	e2e_kill_own_pids
	e2e_umount_below "$E2E_STATE"
	e2e_remove_cgroups
	# after the cgroups are gone: a controller cannot be disabled above a child using it
	e2e_run_restores
	if [ "${OMP_E2E_KEEP:-0}" = 1 ]; then
		e2e_log "state kept in $E2E_STATE"
	else
		rm -rf --one-file-system "$E2E_STATE"
	fi
	return "$rc"
}

# e2e_on_exit COMMAND: run COMMAND (a shell string, one line) at cleanup, even after a
# failure; the last registered runs first. Tests that change host settings put them
# back here.
e2e_on_exit() { printf '%s\n' "$1" >>"$E2E_STATE/restore"; }

e2e_run_restores() {
	[ -f "$E2E_STATE/restore" ] || return 0
	tac "$E2E_STATE/restore" | while read -r cmd; do eval "$cmd"; done
	rm -f "$E2E_STATE/restore"
}

# Kill the process groups we started in the background (runtime and hooks).
e2e_kill_own_pids() {
	local pid
	[ -f "$E2E_STATE/pids" ] || return 0
	while read -r pid; do
		kill -KILL -- "-$pid" 2>/dev/null
	done <"$E2E_STATE/pids"
	return 0
}

e2e_umount_below() {
	local dir=$1 mp
	# deepest first
	findmnt -rn -o TARGET | grep -F "$dir/" | sort -r | while read -r mp; do
		umount -l "$(printf '%b' "$mp")" 2>/dev/null
	done
	return 0
}

# Our containers' cgroups are /omp-e2e/<id> in every hierarchy (cgroupsPath).
e2e_remove_cgroups() {
	local id d
	while read -r _ _ id; do
		e2e_remove_cgroup "$id"
	done <"$E2E_STATE/containers"
	for d in /sys/fs/cgroup/*/omp-e2e; do
		rmdir "$d" 2>/dev/null
	done
	return 0
}

# Kill what is left in container ID's cgroup (a hook stuck before the
# runtime could kill it) and remove the cgroup.
e2e_remove_cgroup() {
	e2e_remove_cgroup_tree "omp-e2e/$1"
}

# e2e_remove_cgroup_tree RELPATH: kill what runs in RELPATH below every cgroup
# hierarchy's root and remove those cgroups, deepest first.
e2e_remove_cgroup_tree() {
	local d procs
	for d in /sys/fs/cgroup/*/"${1#/}"; do
		[ -d "$d" ] || continue
		for procs in $(find "$d" -name cgroup.procs); do
			xargs -r kill -KILL <"$procs" 2>/dev/null
		done
		sleep 0.1
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

# ---------------------------------------------------------------- mirror

# Print the URI of the first Debian archive source in the apt sources
# (one-line and deb822 formats); security and third-party repos are skipped
# because their suites are not Debian release names.
e2e_mirror() {
	if [ -n "${OMP_E2E_MIRROR:-}" ]; then echo "$OMP_E2E_MIRROR"; return; fi
	local f
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] && e2e_mirror_from_list "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] && e2e_mirror_from_deb822 "$f"
		done
	} | head -n 1 | grep . || e2e_die "no Debian mirror found in the apt sources; set OMP_E2E_MIRROR"
}

E2E_SUITE_RE='^(oldstable|stable|testing|unstable|sid|buster|bullseye|bookworm|trixie|forky|duke)(-updates|-backports)?$'

e2e_mirror_from_list() {
	awk -v re="$E2E_SUITE_RE" '
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) ~ re) print $i
		}' "$1"
}

e2e_mirror_from_deb822() {
	awk -v re="$E2E_SUITE_RE" '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && uris != "") {
				n = split(suites, s, " ")
				for (k = 1; k <= n; k++) if (s[k] ~ re) { split(uris, u, " "); print u[1]; break }
			}
			types = uris = suites = ""
		}
		/^[ \t]*$/ { flush(); next }
		/^#/ { next }
		tolower($1) == "types:"  { $1 = ""; types = $0 }
		tolower($1) == "uris:"   { $1 = ""; uris = $0 }
		tolower($1) == "suites:" { $1 = ""; suites = $0 }
		END { flush() }' "$1"
}

# Is suite $2 published on mirror $1?
e2e_mirror_has_suite() {
	curl -fsS -o /dev/null --max-time 20 "$1/dists/$2/InRelease" 2>/dev/null
}

# ---------------------------------------------------------------- reporting

# Numbered "ok" / "not ok" lines; the runners end with the counts as
# "N passed, N failed, N skipped".
T_NUM=0 T_PASS=0 T_FAIL=0 T_SKIP=0
t_ok()   { T_NUM=$((T_NUM + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_NUM - $1${2:+ ($2)}"; }
t_fail() {
	T_NUM=$((T_NUM + 1)); T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_NUM - $1"
	printf '%s\n' "$2" | sed 's/^/#   /'
}
t_skip() { T_NUM=$((T_NUM + 1)); T_SKIP=$((T_SKIP + 1)); echo "ok $T_NUM - $1 # SKIP $2"; }
# A skip that CI must not accept: there it is a failure.
t_skip_ci() {
	if [ "${CI:-}" = true ]; then t_fail "$1" "would skip, not allowed in CI: $2"; else t_skip "$1" "$2"; fi
}

# Checks note complaints with why (an empty one still counts: something failed
# without saying what); why_any notes TEXT only when there is some, for checks
# that print their complaints. t_check NAME [DETAIL] is ok when nothing was noted
# since the last t_check, else not ok with the complaints.
WHY=""
why() { local w="$*"; WHY+=${WHY:+$'\n'}${w:-(failed, no detail)}; }
why_any() { [ -z "$1" ] || why "$1"; }
t_check() {
	if [ -z "$WHY" ]; then t_ok "$1" "${2:-}"; else t_fail "$1" "$WHY"; fi
	WHY=""
}

# e2e_check_cgroup PID EXPECTED EXEC-FUNCTION [CHILD]: the container's init (host pid
# PID) is in EXPECTED/CHILD/init.scope of the cgroup2 hierarchy (CHILD: the child
# cgroup the hook delegates, "payload"), systemd made system.slice next to it, and
# it is not in the host's root or init.scope. Complaints go to stdout.
e2e_check_cgroup() {
	local pid=$1 exec_fn=$3 child=${4:-payload} cg host_cg inside unified=/sys/fs/cgroup/unified
	cg=$2/$child
	[ -f $unified/cgroup.procs ] || unified=/sys/fs/cgroup
	host_cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
	inside=$("$exec_fn" cat /proc/1/cgroup </dev/null 2>/dev/null | sed -n 's/^0:://p')
	if [ -z "$host_cg" ]; then
		echo "no init process (pid '$pid')"
	elif [ "$host_cg" != "$cg/init.scope" ]; then
		echo "host sees init in cgroup '$host_cg', expected '$cg/init.scope'"
	elif ! grep -qx "$pid" "$unified$cg/init.scope/cgroup.procs"; then
		echo "init not in $unified$cg/init.scope/cgroup.procs"
	elif [ ! -d "$unified$cg/system.slice" ]; then
		echo "no system.slice below the container's delegated cgroup $cg"
	elif [ "$inside" != "$cg/init.scope" ] && [ "$inside" != "/$child/init.scope" ]; then
		echo "inside, /proc/1/cgroup says '$inside'"
	elif grep -qx "$pid" "$unified/init.scope/cgroup.procs" "$unified/cgroup.procs" 2>/dev/null; then
		echo "init is in the host's root or init.scope"
	fi
}

# ---------------------------------------------------------------- rootfs

# e2e_rootfs SUITE: set E2E_ROOTFS to a cached rootfs directory for SUITE
# (never written to: containers get an overlay on top of it) and
# E2E_SUITE_NAME[SUITE] to the suite actually used ("testing" falls back to
# "trixie" when the mirror does not serve it).
declare -A E2E_SUITE_NAME=()
E2E_ROOTFS=""

e2e_resolve_suite() {
	local suite=$1 mirror=$2
	if [ "$suite" = testing ] && ! e2e_mirror_has_suite "$mirror" testing; then
		e2e_log "mirror $mirror does not serve testing, using trixie"
		suite=trixie
	fi
	echo "$suite"
}

# e2e_cache_fresh STAMP PACKAGES SUITE: a cached tree is usable when its stamp names
# the same package list and, for a moving suite, is younger than OMP_E2E_MAX_AGE days.
e2e_cache_fresh() {
	[ -f "$1" ] || return 1
	[ "$(sed -n 1p "$1")" = "$2" ] || return 1
	case $3 in
	testing|unstable|sid)
		[ -z "$(find "$1" -mtime +"$OMP_E2E_MAX_AGE")" ] || return 1;;
	esac
}

e2e_rootfs_fresh() { e2e_cache_fresh "$1/.omp-e2e-stamp" "$E2E_IMAGE_PACKAGES" "$2"; }

e2e_rootfs() {
	local want=$1 mirror suite dir tmp
	mirror=$(e2e_mirror) || return 1
	suite=$(e2e_resolve_suite "$want" "$mirror")
	E2E_SUITE_NAME[$want]=$suite
	dir=$OMP_E2E_CACHE/rootfs-$suite
	E2E_ROOTFS=$dir
	e2e_rootfs_fresh "$dir" "$suite" && return 0
	mkdir -p "$OMP_E2E_CACHE"
	tmp=$(mktemp -d "$OMP_E2E_CACHE/.build-$suite.XXXXXX")
	e2e_log "building $suite rootfs from $mirror (about 30 s)"
	# Valid-Until is not checked: snapshot mirrors serve expired Release
	# files; the signatures are still verified.
	if ! e2e_with_progress "$tmp.log" "mmdebstrap $suite" \
		mmdebstrap --variant=essential --include="$E2E_IMAGE_PACKAGES" \
			--aptopt='Acquire::Check-Valid-Until "false"' \
			"$suite" "$tmp/rootfs" "$mirror"; then
		rm -rf --one-file-system "$tmp" "$tmp.log"
		e2e_die "mmdebstrap $suite failed"
	fi
	e2e_prepare_image "$tmp/rootfs"
	printf '%s\n%s\n' "$E2E_IMAGE_PACKAGES" "$mirror" >"$tmp/rootfs/.omp-e2e-stamp"
	rm -rf --one-file-system "$dir"
	mv "$tmp/rootfs" "$dir"
	rm -rf "$tmp" "$tmp.log"
}

# User-namespaced containers: container ids 0..E2E_USERNS_SIZE-1 are host ids
# E2E_USERNS_SHIFT.. (Docker's userns-remap and podman's --userns=auto hand out
# ranges like it).
E2E_USERNS_SHIFT=100000
E2E_USERNS_SIZE=65536

# e2e_rootfs_userns SUITE: like e2e_rootfs, then set E2E_ROOTFS to a copy of that
# tree with every owner and group shifted by E2E_USERNS_SHIFT, cached next to it.
# Fresh while its stamp is (e2e_cache_fresh) and the unshifted tree is not newer.
e2e_rootfs_userns() {
	local base dir tmp
	e2e_rootfs "$1" || return 1
	base=$E2E_ROOTFS
	dir=$base-userns$E2E_USERNS_SHIFT
	E2E_ROOTFS=$dir
	if e2e_rootfs_fresh "$dir" "${E2E_SUITE_NAME[$1]}" && ! [ "$base/.omp-e2e-stamp" -nt "$dir/.omp-e2e-stamp" ]; then
		return 0
	fi
	tmp=$(mktemp -d "$OMP_E2E_CACHE/.build-userns.XXXXXX")
	e2e_log "shifting the ${E2E_SUITE_NAME[$1]} rootfs's owners by $E2E_USERNS_SHIFT"
	if ! cp -a "$base" "$tmp/rootfs" || ! python3 "$E2E_DIR/shift-ids.py" "$tmp/rootfs" "$E2E_USERNS_SHIFT"; then
		rm -rf --one-file-system "$tmp"
		e2e_die "cannot make the shifted copy of $base"
	fi
	printf 'shift %s\n' "$E2E_USERNS_SHIFT" >>"$tmp/rootfs/.omp-e2e-stamp"
	rm -rf --one-file-system "$dir"
	mv "$tmp/rootfs" "$dir"
	rm -rf "$tmp"
}

# Image tweaks every systemd container image carries (Docker images do the
# same): an empty machine-id (the hook writes one) and nothing else.
e2e_prepare_image() {
	local r=$1
	: >"$r/etc/machine-id"
	rm -f "$r/var/lib/dbus/machine-id"
}

e2e_image_info() {
	local r=$1 sd os
	os=$(. "$r/etc/os-release" && echo "${PRETTY_NAME:-?}")
	sd=$(sed -n 's/^Version: //p' <(chroot "$r" dpkg -s systemd 2>/dev/null) | head -n 1)
	echo "$os, systemd $sd"
}

# ---------------------------------------------------------------- bundles

# e2e_new_id NAME: set E2E_ID to a unique container id
e2e_new_id() {
	E2E_ID_SEQ=$((E2E_ID_SEQ + 1))
	E2E_ID=$(printf 'omp-e2e-%s-%d-%s' "$$" "$E2E_ID_SEQ" "$1")
}

# e2e_bundle ID LOWER -> bundle dir with rootfs = overlay(LOWER) (fresh copy)
e2e_bundle() {
	local id=$1 lower=$2 b=$E2E_STATE/$1
	mkdir -p "$b/rootfs" "$b/upper" "$b/work"
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$b/upper,workdir=$b/work" "$b/rootfs" ||
		return 1
	echo "$b"
}

# e2e_bundle_userns ID LOWER: e2e_bundle for a user-namespaced container: the
# overlay's root (its upper dir's) belongs to the container's root, and the
# runtime, running as that root when it mounts the rootfs, may pass the state dir.
e2e_bundle_userns() {
	local b
	b=$(e2e_bundle "$1" "$2") || return 1
	chmod 0711 "$E2E_STATE" && chown "$E2E_USERNS_SHIFT:$E2E_USERNS_SHIFT" "$b/upper" "$b/rootfs" || return 1
	echo "$b"
}

# Options for the config generator; reset by e2e_config_defaults.
e2e_config_defaults() {
	CFG_ARGS='"/sbin/init"'
	CFG_TERMINAL=false
	CFG_READONLY=false
	CFG_CGROUPNS=false
	CFG_HOOK_STAGE=createContainer   # "", createContainer, prestart
	CFG_HOOK_COUNT=1
	CFG_HOOK_RUNTIME=false           # true: the hook at createRuntime too (user namespaces)
	CFG_USERNS=false                 # true: a user namespace, E2E_USERNS_SHIFT's ids
	CFG_CGROUP_PARENT=/omp-e2e       # cgroupsPath is PARENT/ID
	CFG_HOOK_BEFORE=""               # an executable run as a hook just before ours, same stage (createRuntime's with CFG_HOOK_RUNTIME)
	CFG_HOOK_AFTER=""                # ... just after ours
	CFG_EXTRA_MOUNTS=""              # JSON objects, comma separated
	CFG_RESOURCES=true               # Docker's device rules (not on a v2-only host)
	CFG_ENV='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "container=docker"'
}

e2e_json_list() {
	local first=1 x
	for x in "$@"; do
		[ $first = 1 ] || printf ', '
		printf '"%s"' "$x"
		first=0
	done
}

E2E_CAPS=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW
	CAP_SETGID CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE
	CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE)

E2E_MASKED=(/proc/asound /proc/acpi /proc/interrupts /proc/kcore /proc/keys
	/proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug
	/proc/scsi /sys/firmware /sys/devices/virtual/powercap)

E2E_READONLY=(/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger)

# With CFG_HOOK_RUNTIME, CFG_HOOK_BEFORE and CFG_HOOK_AFTER go around the createRuntime
# hook, the one that works in a user namespace.
e2e_hooks_json() {
	[ -n "$CFG_HOOK_STAGE" ] || return 0
	printf '"hooks": {'
	if [ "$CFG_HOOK_RUNTIME" = true ]; then
		e2e_hook_stage_json createRuntime 1 "$CFG_HOOK_BEFORE" "$CFG_HOOK_AFTER"
		printf ','
		e2e_hook_stage_json "$CFG_HOOK_STAGE" "$CFG_HOOK_COUNT" "" ""
	else
		e2e_hook_stage_json "$CFG_HOOK_STAGE" "$CFG_HOOK_COUNT" "$CFG_HOOK_BEFORE" "$CFG_HOOK_AFTER"
	fi
	printf ' },\n'
}

# e2e_hook_stage_json STAGE COUNT BEFORE AFTER: STAGE's list, our hook COUNT times
# between the executables BEFORE and AFTER (none if empty).
e2e_hook_stage_json() {
	local stage=$1 count=$2 before=$3 after=$4 args i
	args='"oci-mountplan", "--plan", "'$OMP_PLAN'"'
	[ "$stage" = createContainer ] || args="$args, \"--stage\", \"$stage\""
	printf ' "%s": [' "$stage"
	[ -z "$before" ] || printf '\n      { "path": "%s", "timeout": 20 },' "$before"
	for ((i = 0; i < count; i++)); do
		[ $i = 0 ] || printf ','
		printf '\n      { "path": "%s", "args": [%s], "timeout": 20 }' "$OMP_HOOK" "$args"
	done
	[ -z "$after" ] || printf ',\n      { "path": "%s", "timeout": 20 }' "$after"
	printf ' ]'
}

e2e_resources_json() {
	[ "$CFG_RESOURCES" = true ] || return 0
	cat <<'EOF'
    "resources": { "devices": [
      { "allow": false, "access": "rwm" },
      { "allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm" },
      { "allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm" },
      { "allow": true, "type": "c", "major": 1, "minor": 9, "access": "rwm" },
      { "allow": true, "type": "c", "major": 1, "minor": 8, "access": "rwm" },
      { "allow": true, "type": "c", "major": 5, "minor": 0, "access": "rwm" },
      { "allow": true, "type": "c", "major": 5, "minor": 1, "access": "rwm" },
      { "allow": true, "type": "c", "major": 1, "minor": 7, "access": "rwm" },
      { "allow": true, "type": "c", "major": 136, "access": "rwm" },
      { "allow": true, "type": "c", "major": 5, "minor": 2, "access": "rwm" },
      { "allow": true, "type": "c", "major": 10, "minor": 200, "access": "rwm" },
      { "allow": false, "type": "c", "major": 10, "minor": 229, "access": "rwm" } ] },
EOF
}

e2e_idmap_json() {
	local m
	[ "$CFG_USERNS" = true ] || return 0
	m='[ { "containerID": 0, "hostID": '$E2E_USERNS_SHIFT', "size": '$E2E_USERNS_SIZE' } ]'
	printf '    "uidMappings": %s,\n    "gidMappings": %s,\n' "$m" "$m"
}

# e2e_config BUNDLE ID: write BUNDLE/config.json from the CFG_* options.
e2e_config() {
	local b=$1 id=$2 caps ns
	caps=$(e2e_json_list "${E2E_CAPS[@]}")
	ns='{ "type": "pid" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" }, { "type": "network" }'
	[ "$CFG_CGROUPNS" = true ] && ns="$ns, { \"type\": \"cgroup\" }"
	[ "$CFG_USERNS" = true ] && ns="$ns, { \"type\": \"user\" }"
	cat >"$b/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": $CFG_TERMINAL,
    "user": { "uid": 0, "gid": 0 },
    "args": [ $CFG_ARGS ],
    "env": [ $CFG_ENV ],
    "cwd": "/",
    "capabilities": {
      "bounding": [ $caps ],
      "effective": [ $caps ],
      "permitted": [ $caps ]
    }
  },
  "root": { "path": "rootfs", "readonly": $CFG_READONLY },
  "hostname": "omp-e2e",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"] },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"] },
    { "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"] }${CFG_EXTRA_MOUNTS:+,
    $CFG_EXTRA_MOUNTS}
  ],
  $(e2e_hooks_json)
  "linux": {
$(e2e_resources_json)
$(e2e_idmap_json)
    "cgroupsPath": "$CFG_CGROUP_PARENT/$id",
    "namespaces": [ $ns ],
    "maskedPaths": [ $(e2e_json_list "${E2E_MASKED[@]}") ],
    "readonlyPaths": [ $(e2e_json_list "${E2E_READONLY[@]}") ]
  }
}
EOF
}

# ---------------------------------------------------------------- runtimes
#
# A "host" is how the runtime sees cgroups:
#   hybrid  this machine as is (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)
#   v2      a private mount namespace where /sys/fs/cgroup is a cgroup2 mount
# crun 1.8.1 refuses hybrid hosts whose cgroup2 has controllers, so on
# "hybrid" it runs in a private mount namespace where
# /sys/fs/cgroup/unified/cgroup.controllers is covered by an empty file.

# e2e_rt_cmd RUNTIME HOST: set RT_CMD to the command line that runs RUNTIME
# the way HOST needs it (every command ends in an exec of the runtime, so a
# background job's pid is the runtime's pid).
e2e_rt_cmd() {
	local outer
	outer=$(readlink /proc/self/ns/mnt)
	case $1/$2 in
	runc/hybrid)
		RT_CMD=(runc);;
	crun/hybrid)
		RT_CMD=(unshare -m --propagation private -- /bin/sh -c "$E2E_NS_GUARD"'
			mount --bind "$1" /sys/fs/cgroup/unified/cgroup.controllers || exit 125
			shift; exec "$@"' "$outer" "$E2E_STATE/empty-file" crun);;
	runc/v2|crun/v2)
		# The host's cgroup2 mount moved to /sys/fs/cgroup, not a fresh one: a fresh
		# cgroup2 mount from the host's cgroup namespace re-applies the hierarchy's
		# mount options host-wide (memory_recursiveprot, nsdelegate).
		RT_CMD=(unshare -m --propagation private -- /bin/sh -c "$E2E_NS_GUARD"'
			mount --bind /sys/fs/cgroup/unified "$1" && umount -R -l /sys/fs/cgroup &&
				mount --move "$1" /sys/fs/cgroup || exit 125
			shift; exec "$@"' "$outer" "$E2E_STATE/empty" "$1");;
	*) e2e_die "unknown runtime/host $1/$2";;
	esac
}

# Refuse to touch mounts unless unshare really gave us a new mount namespace
# ($0 is the outer namespace).
E2E_NS_GUARD='[ "$(readlink /proc/self/ns/mnt)" != "$0" ] || { echo "e2e: not in a new mount namespace" >&2; exit 125; }
'

# e2e_rt RUNTIME HOST ARGS...
e2e_rt() {
	local RT_CMD
	e2e_rt_cmd "$1" "$2"
	shift 2
	"${RT_CMD[@]}" "$@"
}

# e2e_delete RT HOST ID
e2e_delete() {
	local RT_CMD
	e2e_rt_cmd "$1" "$2"
	timeout 20 "${RT_CMD[@]}" delete -f "$3" >/dev/null 2>&1
	return 0
}

# e2e_state_field RT HOST ID FIELD -> value of a top-level string/number field
e2e_state_field() {
	local out RT_CMD
	e2e_rt_cmd "$1" "$2"
	out=$("${RT_CMD[@]}" state "$3" 2>/dev/null) || return 1
	printf '%s\n' "$out" | sed -n "s/^ *\"$4\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1
}

# e2e_start RT HOST ID BUNDLE: `RT run ID` in the background (the runtime stays
# in the foreground of its own process, as `docker run` does). Sets RUN_PID
# (the runtime's pid), RUN_OUT and RUN_ERR (the container's stdout/stderr and
# the runtime's messages) and RUN_START.
e2e_start() {
	local rt=$1 host=$2 id=$3 b=$4 RT_CMD
	RUN_OUT=$b/stdout RUN_ERR=$b/stderr RUN_START=$(e2e_now)
	echo "$rt $host $id" >>"$E2E_STATE/containers"
	e2e_rt_cmd "$rt" "$host"
	# own process group, so a hung hook can be killed with the runtime
	setsid "${RT_CMD[@]}" run --bundle "$b" "$id" </dev/null >"$RUN_OUT" 2>"$RUN_ERR" &
	RUN_PID=$!
	echo "$RUN_PID" >>"$E2E_STATE/pids"
}

# e2e_start_tty RT HOST ID BUNDLE: like e2e_start for a config with
# "terminal": true; script(1) provides the terminal, whose output (systemd's
# console) ends up in RUN_OUT. RUN_PID is script's pid.
e2e_start_tty() {
	local rt=$1 host=$2 id=$3 b=$4 RT_CMD
	RUN_OUT=$b/typescript RUN_ERR=$b/typescript RUN_START=$(e2e_now)
	echo "$rt $host $id" >>"$E2E_STATE/containers"
	e2e_rt_cmd "$rt" "$host"
	# script(1) runs its command with $SHELL (/bin/sh when unset, as in CI),
	# and printf %q may quote in bash's $'...' syntax
	SHELL=/bin/bash setsid script -qfec "$(printf '%q ' "${RT_CMD[@]}" run --bundle "$b" "$id")" "$RUN_OUT" \
		</dev/null >/dev/null 2>&1 &
	RUN_PID=$!
	echo "$RUN_PID" >>"$E2E_STATE/pids"
}

# e2e_wait_status RT HOST ID STATUS TIMEOUT: wait for the container to reach
# STATUS (or for the runtime to exit). Sets CT_PID to the container's host pid.
e2e_wait_status() {
	local rt=$1 host=$2 id=$3 want=$4 t=$5 end st
	end=$(($(date +%s%N) + t * 1000000000))
	CT_PID=""
	while [ "$(date +%s%N)" -lt "$end" ]; do
		st=$(e2e_state_field "$rt" "$host" "$id" status)
		if [ "$st" = "$want" ]; then
			CT_PID=$(e2e_state_field "$rt" "$host" "$id" pid)
			return 0
		fi
		kill -0 "$RUN_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# e2e_exec RT HOST ID CMD...: run CMD in the container, output on stdout.
e2e_exec() {
	local rt=$1 host=$2 id=$3 RT_CMD
	shift 3
	e2e_rt_cmd "$rt" "$host"
	timeout 10 "${RT_CMD[@]}" exec "$id" "$@" </dev/null
}

# e2e_wait_running RT HOST ID TIMEOUT: poll `systemctl is-system-running`
# until it is no longer "starting"/"initializing". Sets SD_STATE, SD_SECONDS.
e2e_wait_running() {
	local rt=$1 host=$2 id=$3 t=$4 start=$RUN_START
	SD_STATE=""
	while :; do
		SD_STATE=$(e2e_exec "$rt" "$host" "$id" systemctl is-system-running 2>/dev/null)
		SD_SECONDS=$(e2e_since "$start")
		case $SD_STATE in
		running) return 0;;
		degraded|maintenance|stopping|offline) return 1;;
		esac
		awk -v a="$SD_SECONDS" -v t="$t" 'BEGIN { exit !(a < t) }' || return 1
		kill -0 "$RUN_PID" 2>/dev/null || { SD_STATE="runtime exited"; return 1; }
		sleep 0.1
	done
}

# e2e_wait_exit TIMEOUT: wait for the runtime process; sets RUN_RC
# (124 on timeout).
e2e_wait_exit() {
	local t=$1 end
	end=$(($(date +%s%N) + t * 1000000000))
	while kill -0 "$RUN_PID" 2>/dev/null; do
		if [ "$(date +%s%N)" -ge "$end" ]; then
			RUN_RC=124
			return 1
		fi
		sleep 0.05
	done
	wait "$RUN_PID"
	RUN_RC=$?
	[ "$RUN_RC" = 0 ]
}

# e2e_teardown RT HOST ID BUNDLE: runtime delete, overlay unmount, cgroup removal.
e2e_teardown() {
	local rt=$1 host=$2 id=$3 b=$4
	e2e_delete "$rt" "$host" "$id"
	if [ -n "${RUN_PID:-}" ]; then
		kill -0 "$RUN_PID" 2>/dev/null && { sleep 0.2; kill -KILL -- "-$RUN_PID" 2>/dev/null; }
		wait "$RUN_PID" 2>/dev/null
	fi
	e2e_remove_cgroup "$id"
	e2e_delete "$rt" "$host" "$id"
	"$rt" state "$id" >/dev/null 2>&1 && e2e_log "warning: container $id still exists"
	e2e_umount_below "$b"
	[ "${OMP_E2E_KEEP:-0}" = 1 ] || rm -rf --one-file-system "$b"
	return 0
}

# ---------------------------------------------------------------- host snapshots

# A snapshot of the host mount table without per-run noise (our own
# overlays and runtime state).
e2e_host_mounts() {
	# Other test runs on the same machine (their state dirs, rootfs builds) are not
	# the hook's doing either: neither counted nor unmounted.
	findmnt -rn -o TARGET,FSTYPE,OPTIONS | grep -v -F -e "$E2E_STATE" -e /run/runc -e /run/crun -e /run/netns \
		-e /var/tmp/omp- -e "$OMP_E2E_CACHE/.build-" | sort
}

# Unmount anything that appeared on the host since snapshot $1 (a file):
# a broken hook must not leave the test machine damaged.
e2e_host_restore_mounts() {
	local before=$1 mp
	# New mount points only: a mount whose options changed (another test may set a
	# cgroup2 option host-wide) is not a new one, and unmounting it would break the host.
	e2e_host_mounts | cut -d' ' -f1 | sort -u | comm -13 <(cut -d' ' -f1 "$before" | sort -u) - | sort -r | while read -r mp; do
		e2e_log "restoring host: umount $mp"
		umount -l "$(printf '%b' "$mp")" 2>/dev/null
	done
	return 0
}
