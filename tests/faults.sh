#!/bin/bash
# Fault injection (TAP, as root). Like exec.sh, each case runs the hook for real in a
# private mount namespace prepared like a container (rootfs bind-mounted on itself).
#  1. A failure injected at each action of plans/systemd.conf (an altered copy of the
#     plan, or a hostile rootfs) leaves the mounts under the rootfs and the rootfs
#     itself (modes, sizes, link counts, content hashes) exactly as they were; the hook
#     exits 1 with one line naming the plan file:line of the failing action, and its
#     syslog line says the actions before it were undone and none after it ran.
#  2. The hook SIGKILLed at random points mid-plan leaves nothing on the host: its
#     mounts die with the container's mount namespace; host files are untouched.
#  3. The wrapper SIGKILLed at random points while it rewrites a large config.json
#     leaves config.json either the old or the new version, never a partial one.
# OMP_FAULTS_HOOK_KILLS (30), OMP_FAULTS_WRAPPER_KILLS (100) and OMP_FAULTS_CONFIG_MB (2)
# set how hard 2 and 3 try; the defaults keep the whole under half a minute.
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/bundle.sh"
result() { ok "$@"; }
hook=${OMP_HOOK:-$(dirname "$0")/../oci-mountplan}
wrapper=${OMP_RUNTIME:-$(dirname "$(readlink -f "$hook")")/oci-mountplan-runtime}
src=$(cd "${OMP_SRCDIR:-$(dirname "$0")/..}" && pwd)     # absolute: a hook run takes no other
plan=$src/plans/systemd.conf
kill_hook_runs=${OMP_FAULTS_HOOK_KILLS:-30}
kill_wrapper_runs=${OMP_FAULTS_WRAPPER_KILLS:-100}
config_mb=${OMP_FAULTS_CONFIG_MB:-2}

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
        skip_all "needs root and mount namespaces"
fi
for tool in jq sha256sum; do
        command -v $tool >/dev/null || skip_all "needs $tool"
done
work=$(mktemp -d /var/tmp/omp-faults.XXXXXX)
cg2=$(bundle_cg2)
cgbase=/omp-faults-$$
trap 'bundle_cgroup_rm "$cg2$cgbase"; rm -rf --one-file-system "$work"' EXIT
# The hook's syslog line (what was done, undone, not run) is read through a /dev/log
# of our own in the namespace; without python3 that check is left out.
# (The real interpreter, found once: a pyenv shim costs a second per start.)
python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)


# new_case NAME: a bundle with a minimal rootfs (no $container, so every action of the
# systemd plan applies) and a config.json running /sbin/init; sets B, R, STATE, PLAN.
new_case() {
        B=$work/$1
        R=$B/rootfs
        CG=$cgbase/$1
        PLAN=$plan
        mkdir "$B" && cp -a "$work/template" "$R"
        STATE=$(bundle_state "$1" "$B")
        write_config '[]'
}
bundle_rootfs "$work/template"
echo "root:x:0:0::/root:/bin/sh" >"$work/template/etc/passwd" && chmod 640 "$work/template/etc/passwd"
ln -s ../sbin/init "$work/template/etc/init-link"
mkfifo "$work/template/run/initctl"

# A cgroup namespace of its own rooted at the test cgroup CG, as exec.sh: the hook
# delegates a child of it to the hook's parent, which stands for the container's init.
write_config() { bundle_config "$1" '["PATH=/usr/bin:/bin"]' "$CG" >"$B/config.json"; }  # MOUNTS_JSON

# plan_with SED-SCRIPT: PLAN becomes a copy of the systemd plan edited on the same
# lines (the line numbers stay); an edit that matches nothing is an error.
plan_with() {
        PLAN=$B/systemd.conf
        sed -e "$1" "$plan" >"$PLAN"
        ! cmp -s "$plan" "$PLAN"
}

# ops_of: "ACTION TARGET LINE" for each operation PLAN resolves to for the bundle.
ops_of() {
        "$hook" --plan "$PLAN" --dry-run --bundle "$B" --id "${B##*/}" --format json |
                jq -r '.plans[].operations[] | select(.skipped | not) | "\(.action) \(.target) \(.line)"'
}

# What "the container" looks like from inside: its mounts (whole mountinfo lines,
# mount ids included) and every file below the rootfs with type, mode, size, links,
# owner, symlink target, and the hash of each regular file.
NS_LIB='
mounts() { awk -v r="$R" "\$5 == r || index(\$5, r \"/\") == 1" /proc/self/mountinfo; }
listing() {
        (cd "$R" && find . -printf "%p %y %m %s %n %U:%G %l\n" -type f -exec sha256sum {} + | LC_ALL=C sort)
}
# the cgroups below the container cgroup: a child made for it is gone again after a fault
cgroups() { (cd "$CGDIR" && find . -mindepth 1 -type d | sort); }
snapshot() { { mounts; echo "---"; listing; echo "---"; cgroups; } >"$1"; }
# run_hook: the hook with the state on stdin, stderr in $W/err, its syslog in $W/syslog;
# under $HOOK_WRAP (an strace that injects a fault) when set.
run_hook() {
        if [ -n "$PY" ] && mount -t tmpfs -o mode=755 omp-faults-dev /dev && mknod -m 666 /dev/null c 1 3; then
                printf "%s" "$STATE" | SYSLOG=$W/syslog "$PY" -I -S -c "$LOGGER" timeout 20 $HOOK_WRAP "$HOOK" --plan "$PLAN" 2>"$W/err"
        else
                : >"$W/syslog"
                printf "%s" "$STATE" | timeout 20 $HOOK_WRAP "$HOOK" --plan "$PLAN" 2>"$W/err"
        fi
}
'
# Runs argv[1:] and writes the datagrams it sent to /dev/log to $SYSLOG (os and
# _socket only: python starts in 50 ms instead of 150).
LOGGER='
import os, sys, _socket
s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
s.bind("/dev/log")
pid = os.fork()
if pid == 0:
    s.close()
    os.execvp(sys.argv[1], sys.argv[1:])
status = os.waitpid(pid, 0)[1]
s.setblocking(False)
with open(os.environ["SYSLOG"], "w") as log:
    while True:
        try:
            log.write(s.recv(65536).decode(errors="replace") + "\n")
        except BlockingIOError:
            break
sys.exit(os.waitstatus_to_exitcode(status))
'

# in_ns SCRIPT: bash in a private mount namespace where the rootfs is a mount of its own.
in_ns() {
        bundle_in_cgroup "$cg2$CG" unshare -m -C --propagation private \
                env HOOK="$hook" R="$R" B="$B" STATE="$STATE" PLAN="$PLAN" CGDIR="$cg2$CG" \
                W="$work" PY="$python" LOGGER="$LOGGER" HOOK_WRAP="${HOOK_WRAP:-}" \
                bash -c 'mount --bind "$R" "$R" || exit 99
                '"$NS_LIB$1" >"$work/ns.log" 2>&1
}

declare -A covered=()
N_ACTIONS=0 OPS_DEFAULT=""

# outcomes_logged: the outcome of each operation, from the hook's syslog line
# "ID: stage S: plan systemd applies: tmpfs /run undone, mkdir /run/host failed, ...;".
outcomes_logged() {
        local line items item out=""
        line=$(<"$work/syslog")
        [[ $line =~ applies:\ ([^;]*)\; ]] || return 0
        IFS=, read -ra items <<<"${BASH_REMATCH[1]}"
        for item in "${items[@]}"; do
                read -r _ _ item <<<"$item"   # kind, target, outcome
                [ "$item" = skipped ] && continue     # opt-in actions (the journal) not asked for
                out+=",$item"
        done
        echo "${out#,}"
}

# fault POS NAME PREPARE [SED]: a case where action POS of the systemd plan must fail.
# PREPARE runs in the rootfs on the host (and may set NS_PREPARE, commands run in the
# namespace before the first snapshot); SED alters the plan copy.
fault() {
        local pos=$1 name="action $1: $2" prepare=$3 edit=${4:-} ops=$OPS_DEFAULT want rc why="" err expect="" i
        new_case "f$((n + 1))"
        NS_PREPARE=""
        cd "$R" && eval "$prepare"
        rc=$?
        cd "$OLDPWD" || return
        [ $rc = 0 ] || { result "$name" 1 "could not prepare the rootfs"; return; }
        if [ -n "$edit" ]; then
                plan_with "$edit" || { result "$name" 1 "the edit changed nothing: has plans/systemd.conf changed?"; return; }
                ops=$(ops_of) || { result "$name" 1 "the altered plan does not resolve"; return; }
        fi
        mapfile -t ops <<<"$ops"
        if [ ${#ops[@]} != "$N_ACTIONS" ]; then
                result "$name" 1 "expected $N_ACTIONS active operations, got:" "${ops[@]}"
                return
        fi
        want=${ops[pos - 1]}            # "ACTION TARGET LINE"
        want="$PLAN:${want##* }: ${want% *}: "
        in_ns "$NS_PREPARE"'
                snapshot "$W/before"; run_hook; echo $? >"$W/rc"; snapshot "$W/after"'
        rc=$(<"$work/rc") || rc="none: $(<"$work/ns.log")"
        [ "$rc" = 1 ] || why="exit status $rc, expected 1"
        if ! cmp -s "$work/before" "$work/after"; then
                why+="${why:+; }the mounts or the rootfs changed:"$'\n'"$(diff "$work/before" "$work/after")"
        fi
        err=$(<"$work/err")
        if [[ $err == *$'\n'* || $err != "oci-mountplan: ${B##*/}: $want"* ]]; then
                why+="${why:+; }stderr should be one line starting \"oci-mountplan: ${B##*/}: $want\", got:"$'\n'"$err"
        fi
        if [ -n "$python" ]; then
                for ((i = 1; i <= N_ACTIONS; i++)); do
                        if [ $i -lt "$pos" ]; then expect+=",undone"
                        elif [ $i = "$pos" ]; then expect+=",failed"
                        else expect+=",not run"; fi
                done
                [ "$(outcomes_logged)" = "${expect#,}" ] ||
                        why+="${why:+; }syslog: outcomes \"$(outcomes_logged)\", expected \"${expect#,}\""
        fi
        [ -z "$why" ] && covered[$pos]=$((${covered[$pos]:-0} + 1))
        result "$name" "$([ -z "$why" ]; echo $?)" "$why"
}

t_faults() {
        local big
        new_case clean
        OPS_DEFAULT=$(ops_of)
        N_ACTIONS=$(wc -l <<<"$OPS_DEFAULT")
        [ "$N_ACTIONS" -ge 8 ]
        result "the systemd plan resolves to $N_ACTIONS operations without \$container" $?
        in_ns 'snapshot "$W/before"; run_hook; echo $? >"$W/rc"; snapshot "$W/after"'
        [ "$(cat "$work/rc")" = 0 ] && [ "$(grep -c ' - tmpfs\| - cgroup2' "$work/after")" -ge 4 ] && grep -qx './payload' "$work/after" &&
                ! cmp -s "$work/before" "$work/after"
        result "control: without a fault the same setup changes mounts and files" $? "$(cat "$work/err" "$work/ns.log")"
        if [ -n "$python" ]; then
                [ "$(outcomes_logged)" = "$(printf 'done%.0s,' $(seq "$N_ACTIONS") | sed 's/,$//')" ]
                result "control: the hook's syslog line says every operation was done" $? "$(cat "$work/syslog")"
        else
                skip "the syslog outcome of every fault" "python3 is missing (contrib/install-deps.sh installs it)"
        fi

        # 1. tmpfs /run
        fault 1 "tmpfs size=-1 (valid syntax, the kernel refuses)" : 's/mode=755,size=20%/mode=755,size=-1/'
        fault 1 "tmpfs nr_inodes=abc" : 's/mode=755,size=20%/mode=755,nr_inodes=abc/'
        fault 1 "/run missing and size=-1: the /run made for it removed" 'rm -rf run' \
                's/mode=755,size=20%/mode=755,size=-1/'
        fault 1 "/run is a regular file" 'rm -rf run && echo data >run'
        fault 1 "/run is a symlink to a file" 'rm -rf run && ln -s /etc/passwd run'
        # 2. mkdir /run/host, in the fresh tmpfs
        fault 2 "tmpfs /run read-only: mkdir gets EROFS" : 's/mode=755,size=20%/mode=755,size=20%,ro/'
        fault 2 "tmpfs /run with nr_inodes=1: mkdir gets ENOSPC" : 's/mode=755,size=20%/mode=755,nr_inodes=1/'
        # 3. file /run/host/container-manager
        fault 3 "tmpfs /run with nr_inodes=2: create gets ENOSPC" : 's/mode=755,size=20%/mode=755,nr_inodes=2/'
        big=$(head -c 49152 /dev/zero | tr '\0' x)
        fault 3 "tmpfs /run of one page, 48 KiB written into it: ENOSPC mid-write" : \
                's/mode=755,size=20%/mode=755,size=4k,nr_inodes=3/; s|content = "oci\\n"|content = "'"$big"'"|'
        # 4. tmpfs /run/lock
        fault 4 "tmpfs size=-1" : 's/mode=1777,size=5m/mode=1777,size=-1/'
        fault 4 "tmpfs nr_inodes=abc" : 's/mode=1777,size=5m/mode=1777,size=5m,nr_inodes=abc/'
        fault 4 "no inode left in /run for its mount point" : 's/mode=755,size=20%/mode=755,nr_inodes=3/'
        # 5. tmpfs /tmp
        fault 5 "/tmp is a regular file" 'rmdir tmp && echo data >tmp'
        fault 5 "/tmp is a FIFO" 'rmdir tmp && mkfifo tmp'
        fault 5 "/tmp is a symlink to a file" 'rmdir tmp && ln -s /etc/passwd tmp'
        fault 5 "tmpfs size=-1" : 's/options = "nosuid,nodev,mode=1777,/options = "nosuid,nodev,mode=1777,size=-1,/'
        # 6. cgroup
        fault 6 "/sys is a file, /sys/fs/cgroup absent" 'rm -rf sys && echo data >sys'
        fault 6 "/sys/fs/cgroup absent" 'rmdir sys/fs/cgroup'
        fault 6 "/sys/fs/cgroup a symlink to a file" 'rmdir sys/fs/cgroup && ln -s /etc/passwd sys/fs/cgroup'
        # 7. file /etc/machine-id
        fault 7 "/etc/machine-id is a FIFO" 'rm etc/machine-id && mkfifo etc/machine-id'
        fault 7 "/etc/machine-id is a directory" 'rm etc/machine-id && mkdir etc/machine-id'
        fault 7 "/etc/machine-id has two links" 'ln etc/machine-id etc/machine-id.bak'
        fault 7 "/etc/machine-id is a dangling symlink" 'rm etc/machine-id && ln -s /nonexistent etc/machine-id'
        fault 7 "/etc is a regular file" 'rm -rf etc && echo data >etc'
        # A volume (directory) and a file bound below /run by the runtime must be back
        # where they were: they were carried into the tmpfs, which is gone again.
        mkdir -p "$work/vol" && echo marker >"$work/vol/m" && echo env >"$work/containerenv"
        # shellcheck disable=SC2034 # used by the PREPARE string below
        NS_VOLUMES='mount --bind "$W/vol" "$R/run/x" && mount --bind "$W/containerenv" "$R/run/.containerenv" || exit 98
                '
        fault 7 "FIFO machine-id, with volumes at /run/x and /run/.containerenv" \
                'mkdir run/x && : >run/.containerenv && rm etc/machine-id && mkfifo etc/machine-id &&
                 write_config "[{\"destination\": \"/run/x\", \"type\": \"bind\", \"source\": \"$work/vol\"},
                                {\"destination\": \"/run/.containerenv\", \"type\": \"bind\", \"source\": \"$work/containerenv\"}]" &&
                 NS_PREPARE=$NS_VOLUMES'
        # 8. file: the drop-in that keeps systemd-machine-id-commit from writing the id
        fault 8 "its directory below a file" : 's|/run/systemd/system/systemd-machine-id-commit.service.d/|/etc/machine-id/|'
        # 9. mkdir /var/log/journal
        fault 9 "/var/log is a regular file (mkdir below a file)" 'rmdir var/log && echo data >var/log'
        fault 9 "/var is a regular file" 'rm -rf var && echo data >var'
        fault 9 "/var/log/journal is a dangling symlink" 'ln -s /nonexistent var/log/journal'
        fault 9 "/var/log/journal is a symlink to a file" 'ln -s /etc/passwd var/log/journal'
        fault 9 "/var/log/journal is a FIFO" 'mkfifo var/log/journal'
        # What action 7 made (its empty mount point) or rewrote on the rootfs itself (not in a tmpfs) is undone.
        fault 9 "/var/log a file, after /etc and /etc/machine-id were made" 'rm -r etc && rmdir var/log && echo data >var/log'
        fault 9 "/var/log a file, after machine-id (replace=always) was bound over: unbound, content and mode kept" \
                'echo 0123456789abcdef0123456789abcdef >etc/machine-id && chmod 600 etc/machine-id &&
                 rmdir var/log && echo data >var/log' 's/replace = "empty"/replace = "always"/'

        local missing="" i
        for ((i = 1; i <= N_ACTIONS; i++)); do
                [ "${covered[$i]:-0}" -gt 0 ] || missing+=" $i"
        done
        [ -z "$missing" ]
        result "a fault at every one of the $N_ACTIONS actions was rolled back" $? "no passing case for action(s)$missing"
}

# syscall_at TRACE K: "NAME J" for the K-th system call in an strace -f -o TRACE of
# one process: its name and which call of that name it is.
syscall_at() {
        awk -v k="$2" '$2 !~ /^(\+\+\+|---)/ { n++; name = $2; sub(/\(.*/, "", name); count[name]++
                if (n == k) { print name, count[name]; exit } }' "$1"
}

# strace_kill NAME J CMD...: runs CMD under strace, which SIGKILLs it as it enters the
# J-th call of NAME (strace counts each system call apart): a precise point, where a
# timer could not aim in a run of a few milliseconds.
strace_kill() {
        local name=$1 j=$2
        shift 2
        { strace -f -qq -o /dev/null -e trace=all -e inject="$name":signal=KILL:when="$j" "$@"; } 2>/dev/null
}

# The hook SIGKILLed mid-plan, at a random one of the system calls it makes from its
# first mount on, many times. The rootfs leads to host directories through symlinks;
# neither those nor the host's mount table may change: what the hook mounted dies with
# the container's mount namespace. Its rootfs writes stay (no rollback after SIGKILL),
# but /etc/machine-id is empty or whole, never torn.
t_kill_hook() {
        local i k first last total made hist="" torn=0 leaked=0 host_before victims_before
        declare -A seen=()
        if ! command -v strace >/dev/null; then
                result "SIGKILL mid-plan # SKIP strace not installed" 0
                return
        fi
        mkdir -p "$work/victim-run" "$work/victim-log" && echo keep >"$work/victim-run/f" && echo keep >"$work/victim-log/f"
        rmdir "$work/template/var/log" && ln -s "../../../../../../../..$work/victim-log" "$work/template/var/log"
        ln -s "$work/victim-run" "$work/template/run/escape"
        new_case kill
        victims_before=$(cd "$work" && find victim-* -printf '%p %y %m %s %n\n' | sort && cat victim-*/f)
        host_before=$(grep -F "$work" /proc/self/mountinfo)
        # Where the plan starts (the first fsopen) and how many system calls the run makes.
        in_ns 'printf "%s" "$STATE" | strace -f -qq -o "$W/strace" "$HOOK" --plan "$PLAN"'
        # The kill points are spread evenly from the first fsopen to just after the last
        # mount: a sanitizer build adds many calls after the plan, where random points
        # would pile up.
        read -r first last total < <(awk '$2 !~ /^(\+\+\+|---)/ { n++
                if ($2 ~ /^fsopen\(/ && !f) f = n; if ($2 ~ /^(move_mount|mount)\(/) l = n }
                END { print f, l, n }' "$work/strace")
        if [ -z "$first" ] || [ -z "$last" ] || [ "$last" -lt "$first" ]; then
                result "SIGKILL mid-plan: calibration" 1 "$(head -50 "$work/strace")"
                return
        fi
        [ "$last" -lt "$total" ] && last=$((last + 1))
        echo "# hook: $total system calls, mounts from the ${first}th to the ${last}th; SIGKILL at $kill_hook_runs points spread over those"
        for ((i = 0; i < kill_hook_runs; i++)); do
                rm -rf "$R" && cp -a "$work/template" "$R"
                k=$((first + i * (last - first + 1) / kill_hook_runs))
                K=$(syscall_at "$work/strace" $k) in_ns "$(declare -f strace_kill)"'
                        printf "%s" "$STATE" | strace_kill $K "$HOOK" --plan "$PLAN"
                        echo $? >"$W/rc"; mounts | wc -l >"$W/made"'
                made=$(($(<"$work/made") - 1))
                [ "$(<"$work/rc")" = 137 ] || made="not killed (exit $(<"$work/rc"))"
                seen[$made]=$((${seen[$made]:-0} + 1))
                case $(wc -c <"$R/etc/machine-id") in 0|33) ;; *) torn=$((torn + 1)) ;; esac
                [ "$(grep -F "$work" /proc/self/mountinfo)" = "$host_before" ] || leaked=$((leaked + 1))
        done
        for made in "${!seen[@]}"; do hist+=", $made: ${seen[$made]}"; done
        echo "# mounts the hook had made when killed (mounts: runs)${hist#,}"
        [ "$leaked" = 0 ]
        result "SIGKILL mid-plan ($kill_hook_runs runs): no mount reaches the host's namespace" $? \
                "$leaked runs leaked:" "$(grep -F "$work" /proc/self/mountinfo)"
        [ "$(cd "$work" && find victim-* -printf '%p %y %m %s %n\n' | sort && cat victim-*/f)" = "$victims_before" ]
        result "SIGKILL mid-plan: host files behind the rootfs's symlinks untouched" $? "$(ls -lR "$work"/victim-*)"
        [ ${#seen[@]} -ge 4 ] && [[ $hist != *"not killed"* ]]
        result "SIGKILL mid-plan: killed at several points of the plan (4+ distinct mount counts)" $? "$hist"
        [ "$torn" = 0 ]
        result "SIGKILL mid-plan: /etc/machine-id empty or whole, never torn" $? "$torn torn"
}

# wrapper_run BUNDLE: the wrapper with a stub runtime (/bin/true) on BUNDLE.
wrapper_run() {
        "$wrapper" --runtime-path /bin/true --hook-path /usr/bin/oci-mountplan --plan /p.conf create --bundle "$1" c
}

# wrapper_outcome BUNDLE: whether BUNDLE/config.json is the old version (still the
# original's inode: the wrapper only ever reads it; its content is checked at the end),
# the new one, or neither (kept aside); then the temporary files next to it. Puts the
# original back (a hard link: no copy of 2 MB on each run).
wrapper_outcome() {
        local b=$1 f
        if [ "$b/config.json" -ef "$work/config.orig" ]; then echo old
        elif cmp -s "$b/config.json" "$work/config.new"; then echo new; ln -f "$work/config.orig" "$b/config.json"
        else
                echo bad
                cp "$b/config.json" "$work/config.bad.$RANDOM$RANDOM"
                ln -f "$work/config.orig" "$b/config.json"
        fi
        for f in "$b"/.config.json.* "$b"/*; do
                case ${f##*/} in
                config.json|rootfs|'.config.json.*'|'*') ;;
                .config.json.??????) echo tmp; rm -f "$f" ;;
                *) echo "other ${f##*/}"; rm -rf "$f" ;;
                esac
        done
}

# A lane of timed kills: $2 runs on bundle $1, each SIGKILLed after a random delay in
# [0, 1.5 x the run's duration in us ($3)]; the outcomes go to $1.out.
wrapper_kill_lane() {
        local b=$1 runs=$2 dur=$3 i d t pid fd
        exec {fd}<> <(:)        # read -t on it is a sleep without a process
        for ((i = 0; i < runs; i++)); do
                d=$(((RANDOM * 32768 + RANDOM) % (dur * 3 / 2 + 1)))
                printf -v t '%d.%06d' $((d / 1000000)) $((d % 1000000))
                # the binary itself in the background, so that $! is the wrapper
                "$wrapper" --runtime-path /bin/true --hook-path /usr/bin/oci-mountplan --plan /p.conf create \
                        --bundle "$b" c 2>/dev/null & pid=$!
                read -r -t "$t" -u $fd
                kill -KILL $pid 2>/dev/null
                wait $pid 2>/dev/null
                wrapper_outcome "$b"
        done >"$b.out"
}

# The wrapper SIGKILLed while it rewrites a 2 MB config.json: the file is always the
# old or the new version. A .config.json.XXXXXX may be left over (nothing can clean up
# after SIGKILL): those are counted. First at each system call of the rewrite (strace),
# then after random delays in two concurrent lanes.
t_kill_wrapper() {
        local b=$work/wrapper t0 t1 dur sc k rc lanes=2 old new bad tmp other
        mkdir -p "$b/rootfs" "$b.2/rootfs"
        jq -n '{ociVersion: "1.0.2", process: {args: ["/sbin/init"], env: ["A=1"], cwd: "/"}, root: {path: "rootfs"},
                mounts: [range(0; 200) | {destination: "/m/\(.)", type: "bind", source: "/s/\(.)", options: ["rbind", "ro"]}],
                annotations: ([range(0; $mb * 10) | {key: "io.example.k\(.)", value: ("v\(.)" + ("0123456789abcdef" * 6400))}]
                              | from_entries)}' --argjson mb "$config_mb" >"$work/config.orig"
        cp "$work/config.orig" "$work/config.pristine"
        ln "$work/config.orig" "$b/config.json" && ln "$work/config.orig" "$b.2/config.json"
        wrapper_run "$b" && cp "$b/config.json" "$work/config.new" && ln -f "$work/config.orig" "$b/config.json"
        # A run's duration as the lanes will see it: two at once, the longer.
        t0=$(date +%s%N)
        wrapper_run "$b" & wrapper_run "$b.2"
        wait
        t1=$(date +%s%N)
        dur=$(((t1 - t0) / 1000))
        ln -f "$work/config.orig" "$b.2/config.json"
        cmp -s "$b/config.json" "$work/config.new" && jq -e '.hooks.createContainer | length == 1' "$work/config.new" >/dev/null &&
                jq -e . "$work/config.orig" >/dev/null && ! cmp -s "$work/config.orig" "$work/config.new"
        result "wrapper on a $(($(stat -c %s "$work/config.orig") / 1024)) KiB config.json: the same rewrite each time, both versions parse" $?
        wrapper_outcome "$b" >/dev/null

        # Each system call from the open of config.json to the exec of the runtime.
        strace -f -qq -o "$work/wstrace" "$wrapper" --runtime-path /bin/true --hook-path /usr/bin/oci-mountplan --plan /p.conf \
                create --bundle "$b" c
        wrapper_outcome "$b" >/dev/null
        first=$(grep -n -m1 'config.json", O_RDONLY' "$work/wstrace" | cut -d: -f1)
        last=$(grep -n 'execve("/bin/true"' "$work/wstrace" | cut -d: -f1)
        : >"$work/wkills"
        for ((k = first; k < last; k++)); do
                sc=$(syscall_at "$work/wstrace" $k)
                case $sc in brk*|mmap*|munmap*|mremap*) continue ;; esac
                # shellcheck disable=SC2086 # "NAME J"
                strace_kill $sc "$wrapper" --runtime-path /bin/true --hook-path /usr/bin/oci-mountplan --plan /p.conf \
                        create --bundle "$b" c
                rc=$?
                echo "${sc% *} $(wrapper_outcome "$b" | paste -sd+)$([ $rc = 137 ] || echo " (not killed: exit $rc)")" >>"$work/wkills"
        done
        echo "# wrapper SIGKILLed on entering each system call of the rewrite: $(paste -sd, "$work/wkills" | sed 's/,/, /g')"
        # old (and a .config.json.XXXXXX once it exists) up to the rename, new after it
        awk '/not killed/ { next }   # a call this run did not make (glibc varies)
             $2 != "new" && $2 !~ /^old(\+tmp)?$/ { bad = 1 }
             $2 == "new" { after = 1 } after && $2 != "new" { bad = 1 }
             $1 == "rename" { renamed = 1; if ($2 != "old+tmp") bad = 1 } $1 == "write" && $2 != "old+tmp" { bad = 1 }
             END { exit bad || !(renamed && after) }' "$work/wkills"
        result "wrapper SIGKILLed at each system call of the rewrite: config.json old up to the rename, new after it" $? \
                "$(cat "$work/wkills")"

        # Random delays.
        t0=$(date +%s%N)
        wrapper_kill_lane "$b" $((kill_wrapper_runs / lanes)) "$dur" &
        wrapper_kill_lane "$b.2" $((kill_wrapper_runs - kill_wrapper_runs / lanes)) "$dur" &
        wait
        old=$(cat "$b.out" "$b.2.out" | grep -c '^old')
        new=$(cat "$b.out" "$b.2.out" | grep -c '^new')
        bad=$(cat "$b.out" "$b.2.out" | grep -c '^bad')
        tmp=$(cat "$b.out" "$b.2.out" | grep -c '^tmp')
        other=$(cat "$b.out" "$b.2.out" | grep -c '^other')
        echo "# wrapper: one run takes $((dur / 1000)) ms; $kill_wrapper_runs SIGKILLs after 0-$((dur * 3 / 2000)) ms" \
                "(two lanes, $((($(date +%s%N) - t0) / 1000000)) ms): $old old, $new new, $bad other, $tmp .config.json.XXXXXX left over"
        cmp -s "$work/config.orig" "$work/config.pristine"
        result "wrapper: the original config.json was never written in place" $?
        [ "$bad" = 0 ]
        result "wrapper SIGKILLed $kill_wrapper_runs times after random delays: config.json old ($old) or new ($new), never partial" $? \
                "$bad partial; jq on them: $(for f in "$work"/config.bad.*; do jq -e . "$f" >/dev/null 2>&1; echo "exit $?"; done | sort | uniq -c)"
        [ "$old" -gt 0 ] && [ "$new" -gt 0 ]
        result "wrapper: the random kills landed both before and after the rename" $? "old=$old new=$new"
        [ "$other" = 0 ]
        result "wrapper: nothing left next to config.json but .config.json.XXXXXX ($tmp)" $? "$(grep '^other' "$b.out" "$b.2.out")"
}

# nth_call PREPARE EDIT ANCHOR NAME MATCH: traces the hook on a case prepared like
# fault's, and prints J such that the first call of NAME matching MATCH after the line
# matching ANCHOR is the J-th call of NAME (strace's inject=NAME:when=J).
nth_call() {
        new_case "cal$((n + 1))"
        NS_PREPARE=""
        cd "$R" && eval "$1" || return
        cd "$OLDPWD" || return
        [ -z "$2" ] || plan_with "$2" || return
        in_ns "$NS_PREPARE"'printf "%s" "$STATE" | strace -f -qq -o "$W/cal" "$HOOK" --plan "$PLAN"'
        awk -v name="$4" -v anchor="$3" -v match_="$5" '
                $2 ~ "^" name "\\(" { c++; if (seen && $0 ~ match_) { print c; found = 1; exit } }
                $0 ~ anchor { seen = 1 }
                END { exit !found }' "$work/cal"
}

# Faults no plan or rootfs can provoke, injected with strace at one system call: the
# run still fails at the right action and leaves everything as it was. (LeakSanitizer
# cannot run under ptrace: a sanitizer build's leak check is left to the other tests.)
t_inject() {
        local j strace="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -qq -o /dev/null"
        if ! command -v strace >/dev/null; then
                result "injected faults # SKIP strace not installed" 0
                return
        fi
        # mount(2) (no new mount API) reports success but made nothing: what is found at
        # /run (a bind the runtime made) is not the new tmpfs, and must not be detached.
        HOOK_WRAP="$strace -e inject=fsopen:error=ENOSYS -e inject=mount:retval=0:when=1" \
                fault 1 "mount(2) lands elsewhere: the mount found at /run is not detached" \
                'NS_PREPARE="mount --bind \"\$R/run\" \"\$R/run\" || exit 97
                "'
        # The handle to undo a created file cannot be taken (EMFILE): the action fails
        # before creating it, instead of leaving it behind when a later action fails.
        local prep='rm etc/machine-id && rmdir var/log && echo data >var/log'
        if j=$(nth_call "$prep" "" '"machine-id", O_RDONLY.*O_PATH.* = -1 ENOENT' fcntl F_DUPFD_CLOEXEC); then
                HOOK_WRAP="$strace -e inject=fcntl:error=EMFILE:when=$j" \
                        fault 7 "no fd left to undo the machine-id it creates (EMFILE, fcntl call $j)" "$prep"
        else
                result "no fd left to undo the machine-id: calibration" 1 "$(tail -20 "$work/cal")"
        fi
        # EROFS from writing the rewritten file (not from opening it) is a write error,
        # not the read-only rootfs that a bind stands in for.
        local edit='s|target = "/etc/machine-id"; via = "bind";|target = "/etc/machine-id";|'
        if j=$(nth_call : "$edit" '"/proc/self/fd/[0-9]+", O_RDWR' write '^'); then
                HOOK_WRAP="$strace -e inject=write:error=EROFS:when=$j" \
                        fault 7 "machine-id rewritten in place: EROFS from write (call $j) fails the action" : "$edit"
        else
                result "EROFS from write: calibration" 1 "$(tail -20 "$work/cal")"
        fi
        # A read-only machine-id (a runtime's bind) is bound over; the bind does not land
        # (move_mount reports success, does nothing): the runtime's bind found there is
        # neither taken for the new one nor detached when a later action fails.
        echo 0123456789abcdef0123456789abcdef >"$work/ro-machine-id"
        prep='rmdir var/log && echo data >var/log && NS_PREPARE="mount --bind \"\$W/ro-machine-id\" \"\$R/etc/machine-id\" &&
                mount -o remount,bind,ro \"\$R/etc/machine-id\" || exit 96
                "'
        edit='s|target = "/etc/machine-id"; via = "bind";|target = "/etc/machine-id";|; s/replace = "empty"/replace = "always"/'
        if j=$(nth_call "$prep" "$edit" '"/proc/self/fd/[0-9]+", O_RDWR.* = -1 EROFS' move_mount '^'); then
                HOOK_WRAP="$strace -e inject=move_mount:retval=0:when=$j" \
                        fault 7 "read-only machine-id: the file bound over it does not land (move_mount call $j)" "$prep" "$edit"
        else
                result "file bound over a read-only machine-id: calibration" 1 "$(tail -20 "$work/cal")"
        fi
}

for t in t_faults t_inject t_kill_hook t_kill_wrapper; do
        start=$(date +%s%N)
        $t
        echo "# $t: $((($(date +%s%N) - start) / 1000000)) ms"
done
tap_done
