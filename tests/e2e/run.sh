#!/bin/bash
# End-to-end tests: boot systemd under runc and crun with oci-mountplan as an
# OCI hook, in Docker-like unprivileged containers. Run as root:
#
#   tests/e2e/run.sh                 # everything
#   OMP_E2E_FILTER='crun' tests/e2e/run.sh   # tests whose name matches (ERE)
#   OMP_E2E_SUITES=bookworm tests/e2e/run.sh
#
# See tests/e2e/README for the variables and what each group checks.
set -u

. "$(dirname "$0")/lib.sh"

SUITES=${OMP_E2E_SUITES:-"bookworm testing"}
# runtime:hook stage
VARIANTS=${OMP_E2E_VARIANTS:-"runc:createContainer crun:createContainer runc:prestart"}
# cgroup host:cgroup namespace of the container
HOSTS=${OMP_E2E_HOSTS:-"hybrid:host hybrid:private v2:host v2:private"}
# user namespaces: runtime:cgroup host:cgroup namespace, on the first suite; the
# other suites boot the first of these only
USERNS=${OMP_E2E_USERNS:-"runc:hybrid:private runc:hybrid:host runc:v2:private crun:hybrid:private crun:hybrid:host crun:v2:private"}
FILTER=${OMP_E2E_FILTER:-}
BOOT_TIMEOUT=10
STOP_TIMEOUT=5
# systemd 252 / 256+ wording
NOHOOK_ERROR='Failed to mount tmpfs (at|\(type tmpfs\) on) /run.*Operation not permitted'

declare -A BOOTS=([runc]=0 [crun]=0)
declare -A ROOTFS=() ROOTFS_USERNS=()

# ---------------------------------------------------------------- selection

selected() { [ -z "$FILTER" ] || [[ $1 =~ $FILTER ]]; }

# Why a container did not come up: systemd's state, failed units, runtime output.
diagnose() {
	local rt=$1 host=$2 id=$3
	echo "is-system-running: ${SD_STATE:-?} after ${SD_SECONDS:-?} s"
	if kill -0 "$RUN_PID" 2>/dev/null; then
		e2e_exec "$rt" "$host" "$id" systemctl --failed --plain --no-legend --no-pager 2>&1 | head -n 5
	fi
	tail -n 5 "$RUN_ERR" 2>/dev/null
}

# ---------------------------------------------------------------- containers

# new_container NAME SUITE: fresh bundle; sets ID and B, resets CFG_*
new_container() {
	e2e_new_id "$1"
	ID=$E2E_ID WHY=""
	B=$(e2e_bundle "$ID" "${ROOTFS[$2]}") || return 1
	e2e_config_defaults
}

# use_variant VARIANT HOSTMODE: sets RT, STAGE, HOST and the CFG_* they imply
use_variant() {
	RT=${1%%:*} STAGE=${1#*:} HOST=${2%%:*}
	CFG_HOOK_STAGE=$STAGE
	[ "${2#*:}" = private ] && CFG_CGROUPNS=true
	[ "$HOST" = v2 ] && CFG_RESOURCES=false
	return 0
}

start() { e2e_config "$B" "$ID" && e2e_start "$RT" "$HOST" "$ID" "$B"; }
teardown() { e2e_teardown "$RT" "$HOST" "$ID" "$B"; }
exec_in() { e2e_exec "$RT" "$HOST" "$ID" "$@"; }

# boot: start and wait for `systemctl is-system-running` = running.
boot() {
	start || return 1
	e2e_wait_status "$RT" "$HOST" "$ID" running 15 || { SD_STATE="not started"; SD_SECONDS=""; return 1; }
	e2e_wait_running "$RT" "$HOST" "$ID" "$BOOT_TIMEOUT" || return 1
	BOOTS[$RT]=$((BOOTS[$RT] + 1))
}

# ---------------------------------------------------------------- checks

# The container's init lives in the container's cgroup: systemd moved itself
# to <container cgroup>/init.scope, and made system.slice next to it.
check_cgroup() { why_any "$(e2e_check_cgroup "$CT_PID" "$CFG_CGROUP_PARENT/$ID" exec_in)"; }

# RTMIN+3 makes systemd halt; the runtime must exit 0 soon after.
check_stop() {
	local t0
	t0=$(e2e_now)
	e2e_rt "$RT" "$HOST" kill "$ID" 37 >/dev/null 2>&1 || { why "kill failed"; return; }
	if ! e2e_wait_exit "$STOP_TIMEOUT"; then
		why "runtime exit status $RUN_RC after $(e2e_since "$t0") s (124 = still running)"
		why_any "$(tail -n 3 "$RUN_ERR")"
	fi
}

# Number of mounts of FSTYPE at MOUNTPOINT inside the container.
count_mounts() {
	exec_in cat /proc/1/mountinfo |
		awk -v t="$1" -v f="$2" '$5 == t { for (i = 7; $i != "-"; i++); if ($(i + 1) == f) n++ } END { print n + 0 }'
}

# ---------------------------------------------------------------- test groups

# Boot systemd with the hook; check running, cgroup placement and clean stop.
test_boot() {
	local suite=$1 variant=$2 hostmode=$3 name
	name="boot $suite ${variant/:/\/} ${hostmode%%:*}-host ${hostmode#*:}-cgroupns"
	selected "$name" || return 0
	new_container boot "$suite" && use_variant "$variant" "$hostmode" || { t_fail "$name" "setup failed"; return; }
	if boot; then
		t_ok "$name: running" "${SD_SECONDS} s"
		check_cgroup; t_check "$name: own cgroup"
		check_stop; t_check "$name: RTMIN+3 stops, runtime exits 0"
	else
		t_fail "$name: running" "$(diagnose "$RT" "$HOST" "$ID")"
		t_fail "$name: own cgroup" "did not boot"
		t_fail "$name: RTMIN+3 stops, runtime exits 0" "did not boot"
	fi
	teardown
}

# The same image without the hook: systemd cannot mount /run and exits, with or
# without a user namespace. NEW is the container constructor (new_container,
# new_userns_container), PREFIX the test's name prefix.
nohook_boot() {
	local new=$1 prefix=$2 suite=$3 rt=$4 name
	name="$prefix $suite $rt: systemd fails on /run"
	selected "$name" || return 0
	"$new" "${prefix// /-}" "$suite" && use_variant "$rt:" hybrid:host || { t_fail "$name" "setup failed"; return; }
	CFG_TERMINAL=true
	e2e_config "$B" "$ID" && e2e_start_tty "$RT" "$HOST" "$ID" "$B"
	e2e_wait_exit 15
	if grep -qE "$NOHOOK_ERROR" "$RUN_OUT" && [ "$RUN_RC" != 0 ] && [ "$RUN_RC" != 124 ]; then
		t_ok "$name" "exit $RUN_RC"
	else
		t_fail "$name" "exit $RUN_RC; console: $(tr -d '\r\000' <"$RUN_OUT" | grep -v '^$' | tail -n 4)"
	fi
	teardown
}

# An image whose init is not systemd: prepare_NAME changes the rootfs $R and sets
# CFG_ARGS; the command prints its mount table. The hook must change nothing.
prepare_sh() {          # a plain shell command
	CFG_ARGS='"/bin/sh", "-c", "cat /proc/self/mountinfo; sleep 1"'
}
prepare_s6_init() {     # s6-overlay's /init is a script
	printf '#!/bin/sh\ncat /proc/self/mountinfo; sleep 1\n' >"$R/init" && chmod 755 "$R/init"
	CFG_ARGS='"/init"'
}
prepare_busybox_init() { # /sbin/init -> /bin/busybox (an ELF that is not systemd: a copy of dash)
	cp "$R/usr/bin/dash" "$R/usr/bin/busybox" && rm -f "$R/usr/sbin/init" && ln -s /bin/busybox "$R/usr/sbin/init"
	CFG_ARGS='"/sbin/init", "-c", "cat /proc/self/mountinfo; sleep 1"'
}

# run_image VARIANT SUITE STAGE PREPARE: run the command of an image prepared by
# prepare_PREPARE; print its normalised mount table and the files it changed in the rootfs.
run_image() {
	local R
	new_container "img-${3:-nohook}" "$2" && use_variant "$1" hybrid:host || return 1
	R=$B/rootfs
	CFG_HOOK_STAGE=$3
	"prepare_$4" || return 1
	start || return 1
	e2e_wait_exit 15
	# mount point, options, fs type and source; ids and devices vary
	awk '{ for (i = 7; $i != "-"; i++); print $5, $6, $(i + 1), ($(i + 1) == "overlay" ? "" : $(i + 2)) }' "$RUN_OUT"
	echo "exit $RUN_RC"
	(cd "$B/upper" && find . -printf '%p %y %m\n' | sort)
	teardown
}

# test_not_systemd SUITE VARIANT PREPARE:WHAT [LABEL]: the hook changes nothing.
test_not_systemd() {
	local suite=$1 variant=$2 prep=${3%%:*} what=${3#*:} name without with
	name="${4:-not systemd} $suite ${variant/:/\/}: hook does nothing for $what"
	selected "$name" || return 0
	without=$(run_image "$variant" "$suite" "" "$prep")
	with=$(run_image "$variant" "$suite" "${variant#*:}" "$prep")
	if ! grep -q ' proc proc$' <<<"$without"; then
		t_fail "$name" "no mount table from the container: $(tail -n 3 <<<"$without")"
	elif [ "$without" = "$with" ]; then
		t_ok "$name"
	else
		t_fail "$name" "$(diff <(echo "$without") <(echo "$with") | grep '^[<>]' | head -n 8)"
	fi
}

test_shell() { test_not_systemd "$1" "$2" "sh:/bin/sh" shell; }

# Feature tests on the hybrid host: each boots and checks one thing.
feature_lib_systemd() {
	CFG_ARGS='"/lib/systemd/systemd", "--log-level=info"'
	boot || why "$(diagnose "$RT" "$HOST" "$ID")"
}

feature_sh_exec() {
	CFG_ARGS='"/bin/sh", "-c", "exec /sbin/init"'
	boot || why "$(diagnose "$RT" "$HOST" "$ID")"
}

# The machine id is bound over /etc/machine-id: seen inside, never in the container's layer.
feature_machine_id() {
	local id
	boot || { why "$(diagnose "$RT" "$HOST" "$ID")"; return; }
	id=$(exec_in cat /etc/machine-id 2>&1)
	[[ $id =~ ^[0-9a-f]{32}$ ]] || why "machine id inside: \"$id\""
	[ "$(exec_in systemd-id128 machine-id 2>&1)" = "$id" ] || why "systemd's machine id differs from /etc/machine-id"
	if [ -s "$B/upper/etc/machine-id" ]; then why "the id was written into the layer: $(cat "$B/upper/etc/machine-id")"; fi
}

feature_volume() {
	mkdir -p "$B/volume" && echo omp-marker >"$B/volume/marker"
	CFG_EXTRA_MOUNTS='{ "destination": "/run/x", "type": "bind", "source": "'"$B/volume"'", "options": ["rbind", "rw"] }'
	boot || { why "$(diagnose "$RT" "$HOST" "$ID")"; return; }
	[ "$(exec_in cat /run/x/marker 2>&1)" = omp-marker ] || why "/run/x/marker not visible after boot"
}

# Kubernetes' token and Docker's socket are named under /var/run, a symlink to /run in
# Debian images: the runtime mounts them beneath /run, and they must survive its tmpfs.
feature_secrets() {
	mkdir -p "$B/sa" "$B/secx" && echo omp-token >"$B/sa/token" && echo omp-x >"$B/secx/f" && echo omp-sock >"$B/sock"
	CFG_EXTRA_MOUNTS='{ "destination": "/var/run/secrets/kubernetes.io/serviceaccount", "type": "bind", "source": "'"$B/sa"'", "options": ["rbind", "ro"] },
	  { "destination": "/var/run/docker.sock", "type": "bind", "source": "'"$B/sock"'", "options": ["bind"] },
	  { "destination": "/run/secrets/x", "type": "bind", "source": "'"$B/secx"'", "options": ["rbind"] }'
	boot || { why "$(diagnose "$RT" "$HOST" "$ID")"; return; }
	[ "$(exec_in cat /var/run/secrets/kubernetes.io/serviceaccount/token 2>&1)" = omp-token ] || why "serviceaccount token not readable"
	[ "$(exec_in cat /var/run/docker.sock 2>&1)" = omp-sock ] || why "/var/run/docker.sock not readable"
	[ "$(exec_in cat /run/secrets/x/f 2>&1)" = omp-x ] || why "/run/secrets/x not readable"
}

# A destination climbing out of "/" with "..": the runtime takes it inside the rootfs,
# the hook refuses it with one line and leaves nothing on the host.
feature_dotdot() {
	local victim msg
	victim=$(mktemp -d /tmp/omp-victim-XXXXXX)
	mkdir -p "$B/vol"
	CFG_EXTRA_MOUNTS='{ "destination": "/run/../../../../../../..'"$victim"'/made", "type": "bind", "source": "'"$B/vol"'", "options": ["rbind"] }'
	start
	if e2e_wait_status "$RT" "$HOST" "$ID" running 15; then
		why "the container started"
	fi
	# runc quotes the hook's stderr in its own error; crun shows only the exit status.
	grep -qE 'exit (status|code:) 2' "$RUN_ERR" || why "the hook did not refuse (exit 2): $(tail -n 2 "$RUN_ERR" | cut -c1-200)"
	msg=$("$OMP_HOOK" --dry-run --plan "$OMP_PLAN" --bundle "$B" --id "$ID" 2>&1 >/dev/null)
	[ "$(wc -l <<<"$msg")" = 1 ] && [[ $msg == *'mounts[7].destination "/run/../'*'" climbs out of the container'* ]] ||
		why "not one line naming the destination: $msg"
	[ -z "$(ls -A "$victim")" ] || why "the host directory changed: $(ls -A "$victim")"
	rm -rf "$victim"
}

feature_readonly() {
	CFG_READONLY=true
	boot || why "$(diagnose "$RT" "$HOST" "$ID")"
}

feature_twice() {
	local n mp
	CFG_HOOK_COUNT=2
	boot || { why "$(diagnose "$RT" "$HOST" "$ID")"; return; }
	for mp in /run:tmpfs /run/lock:tmpfs /tmp:tmpfs /sys/fs/cgroup:cgroup2; do
		n=$(count_mounts "${mp%%:*}" "${mp#*:}")
		[ "$n" = 1 ] || why "$n ${mp#*:} mounts on ${mp%%:*}, expected 1"
	done
}

test_feature() {
	local suite=$1 variant=$2 feature=$3 what=$4 name
	name="feature $suite ${variant/:/\/}: $what"
	selected "$name" || return 0
	new_container "$feature" "$suite" && use_variant "$variant" hybrid:host || { t_fail "$name" "setup failed"; return; }
	"feature_$feature"
	t_check "$name"
	teardown
}

# ---------------------------------------------------------------- cgroup delegation
#
# The kernel's rules (cgroup-v2.rst, "Delegation Containment"): the container may
# create cgroups and move processes below the child the hook delegates, never write
# a control file of its own cgroup C or of an ancestor. hugetlb (the one controller
# cgroup2 has on the hybrid host) is enabled along the path for these tests, so C has
# hugetlb.2MB.max to defend; the subtree_control files are put back at the end.

CG2=/sys/fs/cgroup/unified

# The cgroup tests' containers live below a parent of this run's own, so that
# enabling hugetlb there reaches no other test's containers.
CG_PARENT=/omp-e2e-cgroup-$$

# cg_enable_hugetlb: +hugetlb in the root's and CG_PARENT's subtree_control for one
# test; cg_disable_hugetlb takes back what it added once the test's cgroup is gone
# (others' runtimes on this machine may pick hugetlb up meanwhile: the shorter the
# better), and cleanup does too should a test end early.
CG_HUGETLB_ADDED=""
cg_enable_hugetlb() {
	local d
	[ "$(stat -fc %T "$CG2")" = cgroup2fs ] && grep -qw hugetlb "$CG2/cgroup.controllers" || return 1
	mkdir -p "$CG2$CG_PARENT"
	if [ -z "${CG_HUGETLB_EXIT:-}" ]; then
		CG_HUGETLB_EXIT=done
		e2e_on_exit "cg_disable_hugetlb"
		e2e_on_exit "e2e_remove_cgroup_tree '$CG_PARENT'; rmdir '$CG2$CG_PARENT' 2>/dev/null"
	fi
	for d in "$CG2" "$CG2$CG_PARENT"; do
		grep -qw hugetlb "$d/cgroup.subtree_control" && continue
		echo +hugetlb >"$d/cgroup.subtree_control" || return 1
		CG_HUGETLB_ADDED="$d $CG_HUGETLB_ADDED"
	done
}

# Only into a cgroup2 mount (should it be gone, no file is made in its place), deepest
# first, a few tries each: another test's cgroup may be using hugetlb for a moment.
cg_disable_hugetlb() {
	local d t
	for d in $CG_HUGETLB_ADDED; do
		[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] || continue
		for t in 1 2 3 4 5 6 7 8 9 10 x; do
			[ "$t" = x ] && { e2e_log "warning: hugetlb still in $d/cgroup.subtree_control: a cgroup below uses it"; break; }
			echo -hugetlb 2>/dev/null >"$d/cgroup.subtree_control" && break
			sleep 0.5
		done
	done
	CG_HUGETLB_ADDED=""
}

# cg_options: the host cgroup2 hierarchy's options, without rw/ro.
cg_options() { findmnt -no FS-OPTIONS --mountpoint "$CG2" | sed 's/^r[wo],\{0,1\}//'; }

# cg_reset_options OPTIONS: the hierarchy's options set to exactly OPTIONS, the way a
# fresh mount from the host's cgroup namespace sets them (a remount leaves them).
cg_reset_options() {
	unshare -m --propagation private mount -t cgroup2 ${1:+-o "$1"} cgroup2 "$E2E_STATE/empty"
}

# cg_option_hooks: hooks around ours that set memory_recursiveprot on the host's
# cgroup2 just before it runs (from the test's cgroup namespace, the host's: a
# remount elsewhere changes nothing) and note just after it whether it is still set,
# in $B/options, then put the original options back (a fresh mount in a throwaway
# mount namespace sets exactly those). The runtime's own fresh cgroup2 mount (runc's
# on a cgroup2 host, host namespace) comes before both: the window is the hook's
# alone, and so short that other tests comparing host mount tables do not see it.
# The original options come back at cleanup too, even after a failure.
cg_option_hooks() {
	if [ -z "${CG_OPTIONS_SAVED+set}" ]; then
		CG_OPTIONS_SAVED=$(cg_options)
		e2e_on_exit "cg_reset_options '$CG_OPTIONS_SAVED'"
	fi
	cat >"$B/before-hook" <<HOOK
#!/bin/sh
for m in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	[ "\$(/usr/bin/stat -fc %T "\$m" 2>/dev/null)" = cgroup2fs ] || continue
	/usr/bin/nsenter --cgroup=/proc/$$/ns/cgroup -- /bin/mount -o remount,memory_recursiveprot "\$m" && exit 0
done
echo "before-hook: cannot set memory_recursiveprot" >&2
exit 1
HOOK
	cat >"$B/after-hook" <<HOOK
#!/bin/sh
if /bin/grep " - cgroup2 " /proc/self/mountinfo | /bin/grep -q memory_recursiveprot; then echo kept
else echo "cleared: \$(/bin/grep ' - cgroup2 ' /proc/self/mountinfo | /usr/bin/head -n 1)"; fi >"$B/options"
/usr/bin/nsenter --cgroup=/proc/$$/ns/cgroup -- /usr/bin/unshare -m --propagation private \
	/bin/mount -t cgroup2 ${CG_OPTIONS_SAVED:+-o "$CG_OPTIONS_SAVED"} cgroup2 "$E2E_STATE/empty"
exit 0
HOOK
	chmod 755 "$B/before-hook" "$B/after-hook"
	CFG_HOOK_BEFORE=$B/before-hook CFG_HOOK_AFTER=$B/after-hook
}

# The writer: container root trying to raise C's limits and its ancestors' ($1: where
# C appears in the container's /sys/fs/cgroup, $2: C's parent, seen from the host's
# namespace). Prints what it could write.
CG_WRITER='c=/sys/fs/cgroup$1
for f in "$c/cgroup.max.descendants" "$c/hugetlb.2MB.max" "$c/cgroup.subtree_control" "$c/payload/../cgroup.max.descendants" \
	"$c/cgroup.procs" "/sys/fs/cgroup/cgroup.max.descendants" "/sys/fs/cgroup$2/cgroup.max.descendants" \
	"/sys/fs/cgroup$2/hugetlb.2MB.max"; do
	[ -e "$f" ] || continue
	case $f in
	*subtree_control) v=+hugetlb;; *procs) v=$$;; *hugetlb*) v=max;; *) v=100000;;
	esac
	(echo "$v" >"$f") 2>/dev/null && echo "wrote $v to $f"
done
mkdir "$c/payload/omp-probe" && echo "$$" >"$c/payload/omp-probe/cgroup.procs" && echo "$$" >"$c/payload/cgroup.procs" &&
	rmdir "$c/payload/omp-probe" && echo child-ok'

# cg_setup_plain SUITE VARIANT HOSTMODE, cg_setup_userns SUITE RUNTIME HOSTMODE: a
# fresh container of the cgroup or the userns group (ID, B, CFG_*), in CG_PARENT.
cg_setup_plain() { new_container cgroup "$1" && use_variant "$2" "$3" && CFG_CGROUP_PARENT=$CG_PARENT; }
cg_setup_userns() {
	new_userns_container userns "$1" && use_variant "$2:createContainer" "$3" &&
		CFG_HOOK_RUNTIME=true CFG_CGROUP_PARENT=$CG_PARENT
}

# cg_teardown: the container, its cgroup tree and hugetlb in CG_PARENT's subtree_control.
cg_teardown() {
	teardown
	e2e_remove_cgroup_tree "$CG_PARENT/$ID"
	cg_disable_hugetlb
}

# cg_options_retry SETUP ARGS...: the options were cleared while the hook ran; once
# more in a container of its own (SETUP ARGS makes it). A hook that resets them does
# so every time; another test's fresh cgroup2 mount landing in the same window
# hardly twice.
cg_options_retry() {
	local setup=$1 first
	shift
	first=$(cat "$B/options" 2>&1)
	local B ID RT STAGE HOST RUN_PID RUN_OUT RUN_ERR RUN_START CT_PID
	"$setup" "$@" && cg_option_hooks || { why "retry: setup failed"; return; }
	start && e2e_wait_status "$RT" "$HOST" "$ID" running 15 || why "retry: $(tail -n 3 "$RUN_ERR")"
	[ "$(cat "$B/options" 2>&1)" = kept ] || why "after the hook: $first; again: $(cat "$B/options" 2>&1)"
	teardown
	e2e_remove_cgroup_tree "$CG_PARENT/$ID"
}

# check_host_options NAME LABEL SETUP ARGS...: the host's cgroup2 options survived the
# hook (cg_option_hooks set memory_recursiveprot just before it).
check_host_options() {
	local name=$1 label=$2
	shift 2
	if [ "${OMP_E2E_HOST_OPTIONS:-1}" = 0 ]; then
		t_skip_ci "$name: $label" "OMP_E2E_HOST_OPTIONS=0"
		return
	fi
	[ "$(cat "$B/options" 2>&1)" = kept ] || cg_options_retry "$@"
	t_check "$name: $label"
}

# cg_attack WRITER C VIEW: the host sets C's limits, then the container's root runs
# WRITER (a script trying C's and its parent's limits, making a child); its output
# in CG_OUT. cg_limits_held C: a reason for every write that got through and every
# host value that moved.
cg_attack() {
	echo 100 >"$2/cgroup.max.descendants" && echo 4194304 >"$2/hugetlb.2MB.max" || why "host cannot set C's limits"
	CG_OUT=$(exec_in sh -c "$1" sh "$3" "$CG_PARENT" 2>&1)
}
cg_limits_held() {
	local got
	if grep -q '^wrote' <<<"$CG_OUT"; then why "$(grep '^wrote' <<<"$CG_OUT")"; fi
	got="$(cat "$1/cgroup.max.descendants") $(cat "$1/hugetlb.2MB.max") $(cat "$CG2$CG_PARENT/cgroup.max.descendants")"
	[ "$got" = "100 4194304 max" ] || why "host values now: $got (want 100 4194304 max)"
}

test_cgroup() {
	local suite=$1 variant=$2 hostmode=$3 name c view got
	name="cgroup $suite ${variant/:/\/} ${hostmode%%:*}-host ${hostmode#*:}-cgroupns"
	selected "$name" || return 0
	cg_setup_plain "$suite" "$variant" "$hostmode" || { t_fail "$name" "setup failed"; return; }
	cg_enable_hugetlb || { t_fail "$name" "cannot enable hugetlb in $CG2"; teardown; return; }
	c=$CG2$CG_PARENT/$ID
	[ "$CFG_CGROUPNS" = true ] && view="" || view=$CG_PARENT/$ID
	[ "${OMP_E2E_HOST_OPTIONS:-1}" = 0 ] || cg_option_hooks
	if ! boot; then
		t_fail "$name: running" "$(diagnose "$RT" "$HOST" "$ID")"
		cg_teardown
		return
	fi
	t_ok "$name: running" "${SD_SECONDS} s"
	check_host_options "$name" "host cgroup2 options kept (memory_recursiveprot set just before the hook)" \
		cg_setup_plain "$suite" "$variant" "$hostmode"
	check_cgroup; t_check "$name: systemd in $ID/payload/init.scope, system.slice next to it"

	# The engine's limits on C, as the host set them.
	cg_attack "$CG_WRITER" "$c" "$view"
	cg_limits_held "$c"
	t_check "$name: container root cannot write C's or an ancestor's control files"
	grep -qx child-ok <<<"$CG_OUT" || why "$CG_OUT"
	t_check "$name: container root creates a child cgroup in payload and moves a process"

	# A limit change from the host still applies and shows inside.
	echo 6291456 >"$c/hugetlb.2MB.max"
	got=$(exec_in cat "/sys/fs/cgroup$view/hugetlb.2MB.max" 2>&1)
	[ "$got" = 6291456 ] || why "inside, hugetlb.2MB.max reads '$got' after the host wrote 6291456"
	if [ "$HOST" = hybrid ]; then
		e2e_rt "$RT" "$HOST" update --pids-limit 321 "$ID" >/dev/null 2>&1 || why "$RT update failed"
		got=$(cat "/sys/fs/cgroup/pids$CG_PARENT/$ID/pids.max" 2>&1)
		[ "$got" = 321 ] || why "pids.max is '$got' after $RT update --pids-limit 321"
	fi
	t_check "$name: limit changes from the host apply (C's file$([ "$HOST" = hybrid ] && echo ", $RT update"))"
	[ "$(exec_in echo exec-ok 2>&1)" = exec-ok ] || why "$RT exec failed"
	t_check "$name: $RT exec works"
	cg_teardown
}

# ---------------------------------------------------------------- user namespaces
#
# Containers with a user namespace: container ids 0..65535 are host ids 100000..,
# the image a copy of the cached one with its owners shifted (e2e_rootfs_userns).
# The hook is registered at createRuntime (where, as real root, it does the work)
# and at createContainer (where, inside a user namespace, it does nothing). Below
# a parent cgroup of the run's own with hugetlb enabled, as in the cgroup group.

# new_userns_container NAME SUITE: new_container on the shifted rootfs.
new_userns_container() {
	e2e_new_id "$1"
	ID=$E2E_ID WHY=""
	B=$(e2e_bundle_userns "$ID" "${ROOTFS_USERNS[$2]}") || return 1
	e2e_config_defaults
	CFG_USERNS=true
}

# The writer in a user namespace: container root trying C's limits and its parent's
# ($1, $2 as for CG_WRITER; the parent is not visible in a private cgroup namespace),
# again after trying to remount /sys/fs/cgroup read-write; then a child cgroup below
# payload with a process moved into it: a service's (the exec'd shell is in C, whose
# cgroup.procs is host root's: it cannot move itself below payload). Prints what it
# could write.
USERNS_WRITER='c=/sys/fs/cgroup$1
try() {
	for f in "$c/cgroup.max.descendants" "$c/cgroup.max.depth" "$c/hugetlb.2MB.max" \
		"/sys/fs/cgroup$2/cgroup.max.descendants" "/sys/fs/cgroup$2/hugetlb.2MB.max"; do
		[ -e "$f" ] || continue
		case $f in *hugetlb*) v=max;; *) v=100000;; esac
		(echo "$v" >"$f") 2>/dev/null && echo "wrote $v to $f$3"
	done
}
try "$1" "$2" ""
mount -o remount,rw /sys/fs/cgroup 2>/dev/null && echo "remount,rw /sys/fs/cgroup succeeded"
try "$1" "$2" " after remount,rw"
p=$(systemd-run --quiet --unit omp-probe --property=Type=exec sleep 60 && systemctl show -p MainPID --value omp-probe)
mkdir "$c/payload/omp-probe" && echo "$p" >"$c/payload/omp-probe/cgroup.procs" && grep -q "/payload/omp-probe$" "/proc/$p/cgroup" &&
	kill "$p" && for i in 1 2 3 4 5 6 7 8 9 10; do [ -n "$(cat "$c/payload/omp-probe/cgroup.procs")" ] || break; sleep 0.1; done &&
	rmdir "$c/payload/omp-probe" && echo child-ok'

USERNS_TESTS=("running" "init in <cgroup>/payload/init.scope" "/run, /run/lock, /tmp owned by container root"
	"/etc/machine-id readable, 32 hex digits" "container root makes a child cgroup in payload and moves a process"
	"container root cannot write C's or its parent's limits, not after remount,rw either"
	"RTMIN+3 stops, runtime exits 0"
	"host cgroup2 options kept (memory_recursiveprot set just before the createRuntime hook)")

# userns_console SUITE RUNTIME HOSTMODE: after a failed boot, the same container once
# more with a terminal, whose output is systemd's console: its last lines.
userns_console() {
	local B ID RT STAGE HOST RUN_PID RUN_OUT RUN_ERR RUN_START CT_PID
	new_userns_container userns-console "$1" && use_variant "$2:createContainer" "$3" || return
	CFG_HOOK_RUNTIME=true CFG_CGROUP_PARENT=$CG_PARENT CFG_TERMINAL=true
	e2e_config "$B" "$ID" && e2e_start_tty "$RT" "$HOST" "$ID" "$B"
	e2e_wait_status "$RT" "$HOST" "$ID" running 5 && sleep 2
	echo "console of a second try with a terminal:"
	tr -d '\r\000' <"$RUN_OUT" | sed 's/\x1b\[[0-9;]*m//g' | grep -v -e '^$' -e '^Script ' | tail -n 6
	teardown
	e2e_remove_cgroup_tree "$CG_PARENT/$ID"
}

# test_userns SUITE RUNTIME HOSTMODE
test_userns() {
	local suite=$1 rt=$2 hostmode=$3 name c view got t
	name="userns $suite $rt ${hostmode%%:*}-host ${hostmode#*:}-cgroupns"
	selected "$name" || return 0
	cg_setup_userns "$suite" "$rt" "$hostmode" || { t_fail "$name" "setup failed"; return; }
	cg_enable_hugetlb || { t_fail "$name" "cannot enable hugetlb in $CG2"; teardown; return; }
	c=$CG2$CG_PARENT/$ID
	[ "$CFG_CGROUPNS" = true ] && view="" || view=$CG_PARENT/$ID
	[ "${OMP_E2E_HOST_OPTIONS:-1}" = 0 ] || cg_option_hooks
	if ! boot; then
		t_fail "$name: ${USERNS_TESTS[0]}" "$(diagnose "$RT" "$HOST" "$ID"; userns_console "$suite" "$rt" "$hostmode")"
		for t in "${USERNS_TESTS[@]:1}"; do t_fail "$name: $t" "did not boot"; done
		# the options, should the hook have cleared them, are put back at cleanup
		cg_teardown
		return
	fi
	t_ok "$name: ${USERNS_TESTS[0]}" "${SD_SECONDS} s"
	check_host_options "$name" "${USERNS_TESTS[7]}" cg_setup_userns "$suite" "$rt" "$hostmode"
	check_cgroup; t_check "$name: ${USERNS_TESTS[1]}"

	got=$(exec_in stat -c '%n %u:%g' /run /run/lock /tmp 2>&1 | tr '\n' ' ')
	[ "$got" = "/run 0:0 /run/lock 0:0 /tmp 0:0 " ] || why "inside: $got"
	t_check "$name: ${USERNS_TESTS[2]}"

	got=$(exec_in cat /etc/machine-id 2>&1)
	[[ $got =~ ^[0-9a-f]{32}$ ]] || why "machine id inside: \"$got\""
	t_check "$name: ${USERNS_TESTS[3]}" "$got"

	# The engine's limits on C, as the host set them.
	cg_attack "$USERNS_WRITER" "$c" "$view"
	grep -qx child-ok <<<"$CG_OUT" || why "$CG_OUT"
	t_check "$name: ${USERNS_TESTS[4]}"
	cg_limits_held "$c"
	got=$(stat -c '%u' "$c/cgroup.max.descendants" "$c/hugetlb.2MB.max" | sort -u | tr '\n' ' ')
	[ "$got" = "0 " ] || why "C's limit files belong to uid $got on the host"
	t_check "$name: ${USERNS_TESTS[5]}"

	check_stop; t_check "$name: ${USERNS_TESTS[6]}"
	cg_teardown
}

# A user-namespaced container whose init is a shell (dash as systemd): what it sees
# mounted, its exit, and what the hook left in the upper layer (owner, mode).
userns_run_sh() {
	local R
	new_userns_container userns-sh "$2" && use_variant "$1:$3" hybrid:host || return 1
	R=$B/rootfs
	cp -p "$R/usr/bin/dash" "$R/usr/lib/systemd/systemd" || return 1
	CFG_ARGS='"/sbin/init", "-c", "cat /proc/self/mountinfo; sleep 1"'
	start || return 1
	e2e_wait_exit 15
	awk '{ for (i = 7; $i != "-"; i++); print $5, $6, $(i + 1), ($(i + 1) == "overlay" ? "" : $(i + 2)) }' "$RUN_OUT"
	echo "exit $RUN_RC"
	(cd "$B/upper" && find . -printf '%p %y %m %U:%G\n' | sort)
	sed 's/^/stderr: /' "$RUN_ERR"
	teardown
}

# The createContainer hook alone, inside a user namespace: it does nothing (the work is
# createRuntime's) and lets the container start.
test_userns_cc_only() {
	local suite=$1 rt=$2 name without with
	name="userns createContainer-only $suite $rt: the hook does nothing for systemd, the container starts"
	selected "$name" || return 0
	without=$(userns_run_sh "$rt" "$suite" "")
	with=$(userns_run_sh "$rt" "$suite" createContainer)
	if ! grep -q ' proc proc$' <<<"$without"; then
		t_fail "$name" "no mount table from the container: $(tail -n 3 <<<"$without")"
	elif [ "$without" = "$with" ]; then
		t_ok "$name"
	else
		t_fail "$name" "$(diff <(echo "$without") <(echo "$with") | grep '^[<>]' | head -n 8)"
	fi
}

# ---------------------------------------------------------------- hostile images
#
# Each hostile_* function damages the rootfs $R (the container's overlay)
# and may create victims on the host under $VICTIM; hostile_check_* then
# verifies them. systemd's binary is replaced by sleep, so the plan's conditions
# hold but systemd itself cannot touch anything: what changes is the hook's doing.

hostile_run_abs()      { rm -rf "$R/run" && ln -s "$VICTIM" "$R/run"; }
hostile_run_rel()      { rm -rf "$R/run" && ln -s "../../../../../../../../..$VICTIM" "$R/run"; }
hostile_mid_symlink()  { rm -f "$R/etc/machine-id" && ln -s "$VICTIM/file" "$R/etc/machine-id"; }
hostile_etc_symlink()  { mv "$R/etc" "$R/etc.real" && ln -s "$VICTIM" "$R/etc"; }
hostile_mid_fifo()     { rm -f "$R/etc/machine-id" && mkfifo "$R/etc/machine-id"; }
hostile_mid_device()   { rm -f "$R/etc/machine-id" && mknod "$R/etc/machine-id" c 1 3; }
hostile_mid_dir()      { rm -f "$R/etc/machine-id" && mkdir "$R/etc/machine-id"; }
hostile_mid_hardlink() { : >"$R/etc/omp-linked" && ln -f "$R/etc/omp-linked" "$R/etc/machine-id"; }
hostile_tmp_etc()      { rm -rf "$R/tmp" && ln -s /etc "$R/tmp"; }

HOSTILE_CASES="run_abs:/run-absolute-symlink-to-host-dir run_rel:/run-relative-symlink-to-host-dir
	mid_symlink:machine-id-symlink-to-host-file etc_symlink:/etc-symlink-to-host-dir
	mid_fifo:machine-id-fifo mid_device:machine-id-device-node mid_dir:machine-id-directory
	mid_hardlink:machine-id-hard-link tmp_etc:/tmp-symlink-to-/etc"

# Host state a hook could damage: mounts, the victim dir, /etc's entries.
host_snapshot() {
	e2e_host_mounts
	echo "--- victim"
	(cd "$VICTIM" && find . -printf '%p %y %s %i %T@\n' | sort && cat file)
	echo "--- /etc"
	find /etc -maxdepth 1 -printf '%p %y %i\n' | sort
}

# systemd's binary replaced by sleep(1): the plan's exec condition holds (an ELF at
# /usr/lib/systemd/systemd, reached through /sbin/init), systemd itself never runs.
hostile_stub_init() {
	rm -f "$R/usr/lib/systemd/systemd" && cp "$R/usr/bin/sleep" "$R/usr/lib/systemd/systemd" || return 1
	CFG_ARGS='"/sbin/init", "600"'
}

# Did the container start, or did the hook refuse with a one-line error?
hostile_outcome() {
	if e2e_wait_status "$RT" "$HOST" "$ID" running 15; then
		echo started
	elif kill -0 "$RUN_PID" 2>/dev/null; then
		echo "hung: runtime still starting after 15 s"
	elif grep -q 'oci-mountplan' "$RUN_ERR"; then
		echo "refused: $(grep -o 'oci-mountplan[^"]*' "$RUN_ERR" | head -n 1 | cut -c1-120)"
	else
		echo "failed without an oci-mountplan error: $(tail -n 1 "$RUN_ERR" | cut -c1-160)"
	fi
}

test_hostile() {
	local suite=$1 variant=$2 case=${3%%:*} what=${3#*:} name before after outcome
	local R VICTIM
	name="hostile $suite ${variant/:/\/}: $what"
	selected "$name" || return 0
	new_container "hostile" "$suite" && use_variant "$variant" hybrid:host || { t_fail "$name" "setup failed"; return; }
	R=$B/rootfs
	VICTIM=$(mktemp -d /tmp/omp-victim-XXXXXX)
	echo victim >"$VICTIM/marker" && : >"$VICTIM/file"
	hostile_stub_init && "hostile_$case" || { t_fail "$name" "could not build the image"; return; }
	before=$(host_snapshot)
	start
	outcome=$(hostile_outcome)
	[ "$case" = mid_hardlink ] && cp "$R/etc/omp-linked" "$E2E_STATE/linked"
	teardown
	after=$(host_snapshot)
	e2e_host_restore_mounts <(head -n "$(grep -n '^--- victim' <<<"$before" | cut -d: -f1)" <<<"$before" | sed '$d')
	if [ "$before" != "$after" ]; then
		t_fail "$name" "host changed ($outcome): $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 5)"
	elif [ "$case" = mid_hardlink ] && [ -s "$E2E_STATE/linked" ]; then
		t_fail "$name" "the file hard-linked to machine-id was written ($outcome)"
	elif [[ $outcome == started || $outcome == refused* ]]; then
		t_ok "$name" "$outcome"
	else
		t_fail "$name" "$outcome"
	fi
	rm -rf "$VICTIM" "$E2E_STATE/linked"
}

# ---------------------------------------------------------------- main

preflight() {
	local rt
	for rt in runc crun; do
		command -v "$rt" >/dev/null || e2e_log "warning: $rt not installed"
	done
	[ -x "$OMP_HOOK" ] || e2e_log "warning: hook $OMP_HOOK missing: with-hook tests will fail"
	[ -f "$OMP_PLAN" ] || e2e_log "warning: plan $OMP_PLAN missing"
	grep -q cgroup2 /proc/filesystems || e2e_die "kernel without cgroup2"
	[ -f /sys/fs/cgroup/unified/cgroup.procs ] ||
		e2e_die "this suite expects a hybrid cgroup host (cgroup2 at /sys/fs/cgroup/unified)"
}

prepare_rootfs() {
	local suite
	for suite in $SUITES; do
		e2e_rootfs "$suite" || exit 2
		ROOTFS[$suite]=$E2E_ROOTFS
		e2e_log "rootfs $suite: ${E2E_SUITE_NAME[$suite]}, $(e2e_image_info "$E2E_ROOTFS")"
		e2e_rootfs_userns "$suite" || exit 2
		ROOTFS_USERNS[$suite]=$E2E_ROOTFS
	done
}

# A variant whose runtime is missing is skipped (a failure in CI).
variant_available() {
	command -v "${1%%:*}" >/dev/null
}

run_group() { # GROUP-FUNCTION NAME-FOR-SKIP VARIANT ARGS...
	local fn=$1 label=$2 variant=$3
	shift 3
	if variant_available "$variant"; then "$fn" "$@"; else selected "$label" && t_skip_ci "$label" "${variant%%:*} not installed"; fi
}

main() {
	local t0 suite variant hostmode rt c
	t0=$(e2e_now)
	e2e_init
	preflight
	prepare_rootfs
	e2e_log "hook: $OMP_HOOK, plan: $OMP_PLAN"
	for suite in $SUITES; do
		for variant in $VARIANTS; do
			for hostmode in $HOSTS; do
				run_group test_boot "boot $suite $variant $hostmode" "$variant" "$suite" "$variant" "$hostmode"
			done
			run_group test_shell "shell $suite $variant" "$variant" "$suite" "$variant"
			run_group test_feature "feature $suite $variant volume" "$variant" "$suite" "$variant" volume "volume at /run/x survives boot"
			run_group test_feature "feature $suite $variant readonly" "$variant" "$suite" "$variant" readonly "read-only rootfs boots"
			run_group test_feature "feature $suite $variant secrets" "$variant" "$suite" "$variant" secrets "mounts named under /var/run survive /run's tmpfs"
			run_group test_feature "feature $suite $variant dotdot" "$variant" "$suite" "$variant" dotdot "a \"..\" destination out of / is refused, host unchanged"
			run_group test_feature "feature $suite $variant twice" "$variant" "$suite" "$variant" twice "hook run twice does not stack mounts"
			run_group test_feature "feature $suite $variant lib_systemd" "$variant" "$suite" "$variant" lib_systemd "/lib/systemd/systemd with arguments boots"
			run_group test_feature "feature $suite $variant sh_exec" "$variant" "$suite" "$variant" sh_exec "sh -c \"exec /sbin/init\" boots"
			run_group test_feature "feature $suite $variant machine_id" "$variant" "$suite" "$variant" machine_id "machine id bound, not in the layer"
			for c in s6_init:"an s6-overlay-style /init script" busybox_init:"/sbin/init -> /bin/busybox"; do
				run_group test_not_systemd "not systemd $suite $variant ${c#*:}" "$variant" "$suite" "$variant" "$c"
			done
		done
		for rt in runc crun; do
			run_group nohook_boot "nohook $suite $rt" "$rt:" new_container nohook "$suite" "$rt"
		done
	done
	suite=${SUITES%% *}
	for variant in $VARIANTS; do
		for hostmode in $HOSTS; do
			run_group test_cgroup "cgroup $suite $variant $hostmode" "$variant" "$suite" "$variant" "$hostmode"
		done
	done
	for suite in $SUITES; do
		for c in $USERNS; do
			run_group test_userns "userns $suite $c" "${c%%:*}:" "$suite" "${c%%:*}" "${c#*:}"
			[ "$suite" = "${SUITES%% *}" ] || break
		done
		[ "$suite" = "${SUITES%% *}" ] || continue
		for rt in runc crun; do
			run_group nohook_boot "userns nohook $suite $rt" "$rt:" new_userns_container "userns nohook" "$suite" "$rt"
			run_group test_userns_cc_only "userns createContainer-only $suite $rt" "$rt:" "$suite" "$rt"
		done
	done
	suite=${SUITES%% *}
	for variant in $VARIANTS; do
		for c in $HOSTILE_CASES; do
			run_group test_hostile "hostile $suite $variant ${c#*:}" "$variant" "$suite" "$variant" "$c"
		done
	done
	echo "# boots: runc=${BOOTS[runc]} crun=${BOOTS[crun]}"
	echo "# time: $(e2e_since "$t0") s"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
}

main "$@"
