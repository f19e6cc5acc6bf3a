#!/bin/bash
# Performing plans for real, without a container runtime (TAP, as root): each case
# runs the hook in a private mount namespace prepared like a container just before
# its createContainer hook (rootfs bind-mounted on itself), then inspects the
# mounts and files. Covers hostile rootfs contents, rollback and idempotency.
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/bundle.sh"
hook=${OMP_HOOK:-$(dirname "$0")/../oci-mountplan}
src=$(cd "${OMP_SRCDIR:-$(dirname "$0")/..}" && pwd)     # absolute: a hook run takes no other

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
        skip_all "needs root and mount namespaces"
fi
work=$(mktemp -d /var/tmp/omp-exec.XXXXXX)
cg2=$(bundle_cg2)
cgbase=/omp-exec-$$
trap 'bundle_cgroup_rm "$cg2$cgbase"; rm -rf "$work"' EXIT

# result NAME STATUS [DETAIL...]: ok, with the hook's output when it failed.
result() {
        ok "$@" || sed 's/^/#   /' "$work/log" 2>/dev/null | head -30
}


# new_case NAME: a bundle with a minimal rootfs and a config.json running /sbin/init,
# whose cgroup is CG (made by in_ns).
new_case() {
        B=$work/$1
        R=$B/rootfs
        CG=$cgbase/$1 CGNS=-C
        bundle_rootfs "$R"
        STATE=$(bundle_state "$1" "$B")
        write_config '[]'
}

write_config() { bundle_config "$1" '["container=docker"]' "$CG" >"$B/config.json"; }  # MOUNTS_JSON

# in_ns SCRIPT: runs SCRIPT with bash in a private mount namespace where the rootfs is
# a mount of its own, as runc leaves it; $HOOK, $R, $B, $STATE and $PLAN are set. Its
# processes are in cgroup $CG, with a cgroup namespace of their own there unless CGNS
# is empty: the hook's parent stands for the container's init.
in_ns() {
        bundle_in_cgroup "$cg2$CG" timeout 60 unshare -m $CGNS --propagation private \
                env HOOK="$hook" R="$R" B="$B" STATE="$STATE" PLAN="${PLAN:-$src/plans/systemd.conf}" CGDIR="$cg2$CG" \
                bash -c 'mount --bind "$R" "$R" || exit 99
                mounts() { awk -v r="$R" "\$5 == r || index(\$5, r \"/\") == 1 { for (i = 7; \$i != \"-\"; i++); print \$5, \$(i+1), \$6 }" /proc/self/mountinfo; }
                hook() { printf "%s" "$STATE" | "$HOOK" --plan "$PLAN" "$@"; }
                '"$1" >"$work/log" 2>&1
}

t_systemd_plan() {
        local id
        new_case systemd
        id=$("$hook" --plan "$src/plans/systemd.conf" --dry-run --bundle "$B" --id systemd --format json |
                grep -o '"machine_id": "[0-9a-f]*"' | cut -d'"' -f4)
        in_ns 'hook || exit 1
               [ "$(cat "$R/etc/machine-id")" = "'"$id"'" ] || exit 7
               mounts | grep -q "^$R/etc/machine-id tmpfs" || exit 8
               mounts | grep -q "^$R/run tmpfs" || exit 2
               mounts | grep -q "^$R/run/lock tmpfs" || exit 3
               mounts | grep -q "^$R/tmp tmpfs" || exit 4
               mounts | grep -q "^$R/sys/fs/cgroup cgroup2" || exit 5
               [ "$(stat -c %a "$R/run")" = 755 ] && [ "$(stat -c %a "$R/run/lock")" = 1777 ] || exit 6'
        result "systemd plan mounts /run, /run/lock, /tmp, cgroup2 and binds the machine id" $?
        [ -n "$id" ] && [ -f "$R/etc/machine-id" ] && [ ! -s "$R/etc/machine-id" ]
        result "the derived machine id is bound over /etc/machine-id, the rootfs's file stays empty" $?
        [ -d "$R/var/log/journal" ] && [ "$(stat -c %a "$R/var/log/journal")" = 2755 ]
        result "/var/log/journal made with mode 2755" $?
        ! grep -q " $R" /proc/self/mountinfo
        result "nothing leaks into the host's mount table" $?
}

# No /etc/machine-id in the image: an empty mount point is made (and stays, empty).
t_machine_id_missing() {
        new_case noid
        rm "$R/etc/machine-id"
        in_ns 'hook || exit 1
               grep -qx "[0-9a-f]\{32\}" "$R/etc/machine-id" || exit 2
               [ "$(stat -c %a "$R/etc/machine-id")" = 444 ] || exit 3
               echo x >"$R/etc/machine-id" 2>/dev/null && exit 4; exit 0'
        result "missing /etc/machine-id: bound read-only over a new empty mount point" $?
        [ -f "$R/etc/machine-id" ] && [ ! -s "$R/etc/machine-id" ]
        result "missing /etc/machine-id: the mount point left in the rootfs is empty" $?
        new_case ownid
        echo 0123456789abcdef0123456789abcdef >"$R/etc/machine-id"
        in_ns 'hook || exit 1
               [ "$(cat "$R/etc/machine-id")" = 0123456789abcdef0123456789abcdef ] || exit 2
               mounts | grep -q "^$R/etc/machine-id " && exit 3; exit 0'
        result "an image's own machine id is kept, nothing bound over it" $?
}

t_idempotent() {
        new_case twice
        in_ns 'hook && hook || exit 1
               [ "$(mounts | grep -c "^$R/etc/machine-id ")" = 1 ] || exit 4
               [ "$(mounts | grep -c "^$R/run tmpfs")" = 1 ] || exit 2
               [ "$(mounts | grep -c "^$R/sys/fs/cgroup cgroup2")" = 1 ] || { mounts; exit 3; }'
        result "running the hook twice stacks no mounts" $?
}

t_keep_submounts() {
        new_case keep
        mkdir -p "$work/vol" "$R/run/x" && echo marker >"$work/vol/m" && echo env >"$work/containerenv"
        : >"$R/run/.containerenv"
        write_config '[{"destination": "/run/x", "type": "bind", "source": "'"$work/vol"'", "options": ["rbind"]},
                       {"destination": "/run/.containerenv", "type": "bind", "source": "'"$work/containerenv"'", "options": ["bind"]}]'
        in_ns 'mount --bind "'"$work/vol"'" "$R/run/x" && mount --bind "'"$work/containerenv"'" "$R/run/.containerenv" || exit 9
               hook || exit 1
               [ "$(cat "$R/run/x/m")" = marker ] || exit 2
               [ "$(cat "$R/run/.containerenv")" = env ] || exit 3
               mounts | grep -q "^$R/run tmpfs" || exit 4'
        result "a volume below /run (dir and file) survives the tmpfs" $?
}

t_tmp_already_mounted() {
        new_case tmpmounted
        write_config '[{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
        in_ns 'hook || exit 1; [ "$(mounts | grep -c "^$R/tmp ")" = 0 ] || exit 2'
        result "/tmp left alone when config.json mounts it" $?
}

# The cgroup the container gets: the tree read-only, only the child "payload" of its
# own cgroup writable, with the container's init (the hook's parent: the shell in the
# namespace) moved into it.
# VIEW is where its own cgroup appears in the container's /sys/fs/cgroup.
check_delegation() { # NAME VIEW
        local name=$1 view=$2
        in_ns 'hook || exit 1
               mounts | grep -q "^$R/sys/fs/cgroup cgroup2 ro," || exit 2
               mounts | grep -q "^$R/sys/fs/cgroup'"$view"'/payload cgroup2 rw," || exit 3
               [ -d "$CGDIR/payload" ] && grep -qx $$ "$CGDIR/payload/cgroup.procs" || exit 4
               c=$R/sys/fs/cgroup'"$view"'
               for f in "$c/cgroup.max.descendants" "$c/cgroup.subtree_control" "$R/sys/fs/cgroup/cgroup.max.depth"; do
                       [ -e "$f" ] && (echo 3 >"$f") 2>/dev/null && { echo "$f writable"; exit 5; }
               done
               mkdir "$c/sibling" 2>/dev/null && exit 6
               echo 7 >"$c/payload/cgroup.max.descendants" && mkdir "$c/payload/sub" && rmdir "$c/payload/sub" || exit 7'
        result "$name: tree read-only, $view/payload writable, init moved into it" $? "exit $?"
        [ "$(cat "$cg2$CG/cgroup.max.descendants")" = max ]
        result "$name: the cgroup's own limits untouched" $?
}

t_private_cgroupns() {
        new_case privcg
        check_delegation "own cgroup namespace" ""
}

# Without a cgroup namespace of its own the container gets the host layout: the host's
# cgroup2 mount cloned read-only, the child of its own cgroup writable at its place.
t_host_cgroupns() {
        new_case hostcg
        CGNS=""
        sed -i 's|, {"type": "cgroup"}||' "$B/config.json"
        check_delegation "host cgroup namespace" "$CG"
        # config.json's claim of a cgroup namespace decides nothing: the kernel's word does
        new_case hostcgclaim
        CGNS=""
        check_delegation "host cgroup namespace, config.json claiming one of its own" "$CG"
}

# systemd's cgroupsPath form, with the init one cgroup below the scope (crun puts it in
# <scope>/container), in both namespace layouts.
t_systemd_form() {
        local slice=ompx$$ scope
        scope=/$slice.slice/$slice-t.slice/omp-n.scope
        trap 'bundle_cgroup_rm "$cg2/'"$slice"'.slice"; bundle_cgroup_rm "$cg2$cgbase"; rm -rf "$work"' EXIT
        new_case sdform
        CG=$scope/container
        write_config '[]' && sed -i "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"$slice-t.slice:omp:n\"|" "$B/config.json"
        check_delegation "systemd-form cgroupsPath, init below the scope, own namespace" ""
        new_case sdformhost
        CG=$scope/container2 CGNS=""
        write_config '[]' && sed -i "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"$slice-t.slice:omp:n\"|" "$B/config.json"
        check_delegation "systemd-form cgroupsPath, init below the scope, host namespace" "$CG"
        bundle_cgroup_rm "$cg2/$slice.slice"
}

# refused NAME EXPECTED-TEXT: the hook exits 1 with one line, mounts nothing, makes no child.
refused() {
        local name=$1 want=$2
        in_ns 'before=$(mounts); hook "${@}"; rc=$?
               [ $rc = 1 ] || { echo "exit $rc"; exit 1; }
               [ "$before" = "$(mounts)" ] || { echo "mounts left"; exit 2; }'
        result "$name: refused, exit 1, nothing mounted" $?
        [ ! -e "$cg2$CG/payload" ] && [ "$(wc -l <"$work/log")" = 1 ] && grep -q "$want" "$work/log"
        result "$name: one line saying why, no child cgroup" $? "$(cat "$work/log")"
}

# The cgroup config.json names must be the one the kernel says the container is in.
t_cgroup_mismatch() {
        new_case mismatch
        write_config '[]' && sed -i "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"$cgbase/elsewhere\"|" "$B/config.json"
        mkdir -p "$cg2$cgbase/elsewhere"
        refused "cgroupsPath names another cgroup, own namespace" "is not in cgroup $cgbase/elsewhere"
        CGNS=""
        refused "cgroupsPath names another cgroup, host namespace" "linux.cgroupsPath names $cgbase/elsewhere"
        sed -i "s|\"cgroupsPath\": \"[^\"]*\"|\"cgroupsPath\": \"system.slice:docker:omp\"|" "$B/config.json"
        refused "systemd-form cgroupsPath names another cgroup" "names /system.slice/docker-omp.scope"
}

# --stage prestart enters the state's pid only if it is a container's init.
t_prestart_pid() {
        local sleeper
        new_case prestartself
        STATE=$(bundle_state prestartself "$B" | sed 's/"pid":1/"pid":PID/')
        in_ns 'printf "%s" "${STATE/PID/$$}" | "$HOOK" --plan "$PLAN" --stage prestart; [ $? = 1 ]'
        result "prestart: a pid in the hook's own mount namespace is refused" $? "$(cat "$work/log")"
        grep -q "shares the hook's mount namespace" "$work/log"
        result "prestart: ... saying why" $? "$(cat "$work/log")"

        new_case prestartother
        unshare -m --propagation private sleep 60 & sleeper=$!
        sleep 0.2
        printf '%s' "$(bundle_state prestartother "$B" | sed "s/\"pid\":1/\"pid\":$sleeper/")" |
                "$hook" --plan "$src/plans/systemd.conf" --stage prestart >"$work/log" 2>&1
        [ $? = 1 ] && grep -q "linux.cgroupsPath names $CG" "$work/log" && ! grep -q " $R/" "/proc/$sleeper/mountinfo"
        result "prestart: a pid outside the container's cgroup is refused, nothing mounted" $? "$(cat "$work/log")"
        kill "$sleeper"; wait "$sleeper" 2>/dev/null

        new_case prestart
        mkdir -p "$cg2$CG"
        (echo "$BASHPID" >"$cg2$CG/cgroup.procs" && exec unshare -m -C --propagation private sleep 60) & sleeper=$!
        sleep 0.2
        printf '%s' "$(bundle_state prestart "$B" | sed "s/\"pid\":1/\"pid\":$sleeper/")" |
                "$hook" --plan "$src/plans/systemd.conf" --stage prestart >"$work/log" 2>&1
        [ $? = 0 ] && grep -q " $R/sys/fs/cgroup/payload .* - cgroup2 " "/proc/$sleeper/mountinfo" &&
                grep -qx "$sleeper" "$cg2$CG/payload/cgroup.procs" && ! grep -q " $R/" /proc/self/mountinfo
        result "prestart: the container's init entered, moved into payload" $? "$(cat "$work/log")"
        kill "$sleeper"; wait "$sleeper" 2>/dev/null
}

# The host's cgroup2 mount options stay as they are: a fresh cgroup2 mount made from the
# host's cgroup namespace would re-apply them to the whole hierarchy (memory_recursiveprot
# gone, nsdelegate cleared). memory_recursiveprot is set right before the hook, read right
# after it (inside the namespace) and the original options are put back at once (a fresh
# mount in a throwaway mount namespace sets exactly those; a remount leaves them): the
# window is too short for another test's fresh mount to count, or for another test
# comparing host mount tables to see it. The remount and the reset run in the outer
# cgroup namespace, the host's: elsewhere they change nothing.
t_host_cgroup_options() {
        local layout
        local -A kept=() fails=()
        cg2_orig=$(findmnt -no FS-OPTIONS --mountpoint "$cg2" | sed 's/^r[wo],\{0,1\}//')
        mkdir -p "$work/cg2mnt"
        trap 'unshare -m --propagation private mount -t cgroup2 ${cg2_orig:+-o "$cg2_orig"} cgroup2 "$work/cg2mnt"
              bundle_cgroup_rm "$cg2$cgbase"; rm -rf "$work"' EXIT
        for layout in private host private host private host; do
                # Up to three tries: a hook that resets the options does so every time;
                # another test's fresh cgroup2 mount landing in the window does not.
                [ -n "${kept[$layout]:-}" ] && continue
                new_case "opt$layout$RANDOM"
                [ $layout = host ] && CGNS=""
                OUTER=$$ ORIG=$cg2_orig CG2=$cg2 MNT=$work/cg2mnt in_ns '
                       host() { nsenter --cgroup=/proc/$OUTER/ns/cgroup -- "$@"; }
                       host mount -o remount,memory_recursiveprot "$CG2" || exit 9
                       hook; rc=$?
                       grep " - cgroup2 " /proc/self/mountinfo | grep -v memory_recursiveprot && rc=2
                       host unshare -m --propagation private mount -t cgroup2 ${ORIG:+-o "$ORIG"} cgroup2 "$MNT"
                       exit $rc'
                [ $? = 0 ] && kept[$layout]=yes || fails[$layout]+=$'\n'$(cat "$work/log")
        done
        for layout in private host; do
                [ -n "${kept[$layout]:-}" ]
                result "host cgroup2 options kept ($layout cgroup namespace): memory_recursiveprot still set" $? \
                        "${fails[$layout]:-}"
        done
        [ "$(findmnt -no FS-OPTIONS --mountpoint "$cg2" | sed 's/^r[wo],\{0,1\}//')" = "$cg2_orig" ]
        result "host cgroup2 options back to \"$cg2_orig\"" $?
}

t_not_systemd() {
        new_case notsystemd
        sed -i 's|"/sbin/init"|"/bin/sh", "-c", "sleep 1"|' "$B/config.json"
        in_ns 'before=$(mounts); hook || exit 1; [ "$before" = "$(mounts)" ] || exit 2'
        result "a non-systemd command: nothing mounted, exit 0" $?
        [ ! -s "$R/etc/machine-id" ] && [ ! -e "$R/var/log/journal" ]
        result "a non-systemd command: nothing written" $?
}

# Hostile images: the hook must mount inside the rootfs or refuse, never touch the host.
t_symlink_run_absolute() {
        new_case runabs
        mkdir -p "$work/victim" && echo keep >"$work/victim/f"
        rmdir "$R/run" && ln -s "$work/victim" "$R/run"
        in_ns 'hook; rc=$?; grep -q " '"$work/victim"' " /proc/self/mountinfo && exit 7
               [ $rc = 0 ] && { mounts | grep -q "^$R$work/victim tmpfs" || exit 8; }; exit 0'
        result "/run -> absolute host dir: mounted inside the rootfs" $?
        [ "$(cat "$work/victim/f")" = keep ] && [ "$(ls "$work/victim")" = f ]
        result "/run -> absolute host dir: host dir untouched" $?
}

t_symlink_run_relative() {
        new_case runrel
        mkdir -p "$work/victim2" && echo keep >"$work/victim2/f"
        rmdir "$R/run" && ln -s "../../../../../../../../..$work/victim2" "$R/run"
        in_ns 'hook; grep -q " '"$work/victim2"' " /proc/self/mountinfo && exit 7; exit 0'
        result "/run -> ../../..host dir: no mount on the host path" $?
        [ "$(ls "$work/victim2")" = f ]
        result "/run -> ../../..host dir: host dir untouched" $?
}

# expect_refusal NAME: the hook exits 1 naming the plan line, and rolled back every mount.
expect_refusal() {
        in_ns 'before=$(mounts); hook; rc=$?; after=$(mounts)
               [ $rc = 1 ] || { echo "exit $rc"; exit 1; }
               [ "$before" = "$after" ] || { echo "mounts left: $after"; exit 2; }'
        result "$1: refused, exit 1, mounts rolled back" $?
        grep -qE "^oci-mountplan: [^ ]+: .*systemd.conf:[0-9]+: file /etc/machine-id: " "$work/log"
        result "$1: one error line naming the plan file:line" $? "$(cat "$work/log")"
}

t_machine_id_symlink() {
        new_case midlink
        echo secret >"$work/victim-file"
        rm "$R/etc/machine-id" && ln -s "$work/victim-file" "$R/etc/machine-id"
        expect_refusal "/etc/machine-id -> host file"
        [ "$(cat "$work/victim-file")" = secret ]
        result "/etc/machine-id -> host file: host file untouched" $?
}

t_machine_id_special() {    # t_machine_id_special NAME MAKE-COMMAND
        new_case "mid-${1// /-}"
        rm "$R/etc/machine-id"
        (cd "$R/etc" && eval "$2")
        expect_refusal "/etc/machine-id as $1"
}

t_etc_symlink() {
        new_case etclink
        mkdir -p "$work/victim-etc" && echo secret >"$work/victim-etc/machine-id"
        rm -r "$R/etc" && ln -s "$work/victim-etc" "$R/etc"
        in_ns 'hook; exit 0'
        [ "$(cat "$work/victim-etc/machine-id")" = secret ] && [ "$(ls "$work/victim-etc")" = machine-id ]
        result "/etc -> host dir: host files untouched" $?
}

t_tmp_symlink_to_host_etc() {
        new_case tmplink
        rmdir "$R/tmp" && ln -s /etc "$R/tmp"
        in_ns 'hook; grep -q " /etc " /proc/self/mountinfo && exit 7; exit 0'
        result "/tmp -> /etc: the host's /etc gets no mount" $?
}

t_rollback_middle() {
        new_case rollback
        cat >"$B/plan.conf" <<'PLAN'
version = 1;
actions = (
  { type = "tmpfs"; target = "/run"; },
  { type = "mkdir"; target = "/new/deep/dir"; mode = "0700"; },
  { type = "file"; target = "/etc/hostname"; content = "changed\n"; replace = "always"; },
  { type = "tmpfs"; target = "/tmp"; },
  { type = "file"; target = "/etc/fifo"; content = "x"; replace = "always"; }
);
PLAN
        echo original >"$R/etc/hostname" && chmod 600 "$R/etc/hostname"
        mkfifo "$R/etc/fifo"
        PLAN=$B/plan.conf in_ns 'before=$(mounts); hook; rc=$?
               [ $rc = 1 ] || exit 1; [ "$before" = "$(mounts)" ] || exit 2'
        result "failure at the 5th action undoes the 4 before it (mounts)" $?
        [ ! -e "$R/new" ] && [ "$(cat "$R/etc/hostname")" = original ] && [ "$(stat -c %a "$R/etc/hostname")" = 600 ]
        result "failure at the 5th action undoes the 4 before it (dirs, file content and mode)" $?
        grep -q "plan.conf:7: file /etc/fifo: /etc/fifo is a FIFO" "$work/log"
        result "the error names the failing action" $? "$(cat "$work/log")"
}

# Carry-over by fact: config.json names the mounts through the image's /var/run -> /run
# symlink, with ".." and "//"; the runtime mounted them where those paths lead. Every
# one must be readable at the same place after the hook, whatever config.json said.
t_keep_through_symlinks() {
        new_case keepfact
        mkdir -p "$R/var" "$work/sa" "$work/secx" && ln -s ../run "$R/var/run"
        echo token >"$work/sa/token" && echo sock >"$work/docker.sock" && echo x >"$work/secx/f"
        mkdir -p "$R/run/secrets/kubernetes.io/serviceaccount" "$R/run/secrets/x" && : >"$R/run/docker.sock"
        write_config '[{"destination": "/var/run/secrets/kubernetes.io/serviceaccount", "type": "bind", "source": "'"$work/sa"'", "options": ["rbind", "ro"]},
                       {"destination": "/var/run//docker.sock", "type": "bind", "source": "'"$work/docker.sock"'", "options": ["bind"]},
                       {"destination": "/data/../run/secrets/x", "type": "bind", "source": "'"$work/secx"'", "options": ["bind"]}]'
        in_ns 'mount --bind -o ro "'"$work/sa"'" "$R/run/secrets/kubernetes.io/serviceaccount" &&
               mount --bind "'"$work/docker.sock"'" "$R/run/docker.sock" &&
               mount --bind "'"$work/secx"'" "$R/run/secrets/x" || exit 9
               hook || exit 1
               mounts | grep -q "^$R/run tmpfs" || exit 2
               [ "$(cat "$R/var/run/secrets/kubernetes.io/serviceaccount/token")" = token ] || exit 3
               [ "$(cat "$R/var/run/docker.sock")" = sock ] || exit 4
               [ "$(cat "$R/run/secrets/x/f")" = x ] || exit 5
               mounts | grep -q "^$R/run/secrets/kubernetes.io/serviceaccount [a-z0-9]* ro," || exit 6'
        result "mounts beneath /run named through /var/run, \"..\" and \"//\" are carried over (dir, file, read-only kept)" $?
}

# A destination that climbs out with ".." names a host path: refused before anything happens.
t_dotdot_destination() {
        new_case dotdot
        mkdir -p "$work/victim-dd"
        write_config '[{"destination": "/run/../../../../../../../..'"$work"'/victim-dd/new", "type": "bind", "source": "'"$work/vol"'", "options": ["bind"]}]'
        in_ns 'before=$(mounts); hook; rc=$?; [ $rc != 0 ] || exit 1; [ "$before" = "$(mounts)" ] || exit 2'
        result "a destination climbing out with \"..\": refused, nothing mounted" $?
        [ -z "$(ls -A "$work/victim-dd")" ] && [ ! -e "$R/run/host" ] && [ ! -s "$R/etc/machine-id" ]
        result "a destination climbing out with \"..\": nothing created on the host or in the rootfs" $?
        [ "$(wc -l <"$work/log")" = 1 ] && grep -q 'mounts\[0\].destination ".*" climbs out of the container.s root' "$work/log"
        result "a destination climbing out with \"..\": one line naming it" $? "$(cat "$work/log")"
}

# The mount table, not config.json, decides: a mount config.json never named is carried
# too, and a mount point made inside the new tmpfs goes through the safe resolver.
t_keep_unnamed_mount() {
        new_case keepunnamed
        mkdir -p "$R/run/deep/er" "$work/unnamed" && echo u >"$work/unnamed/f"
        in_ns 'mount --bind "'"$work/unnamed"'" "$R/run/deep/er" || exit 9
               hook || exit 1
               [ "$(cat "$R/run/deep/er/f")" = u ] || exit 2'
        result "a mount beneath /run that config.json does not name is carried over too" $?
}

# The bind action for real: read-only with flags, of a host directory and a host file
# (targets made by create), and of a path in the rootfs reached through an absolute
# symlink there (resolved beneath the rootfs, not on the host). Checked in the mount
# table (ro,nosuid,nodev) and by content; writes through the binds fail.
t_bind() {
        new_case bind
        mkdir -p "$work/bind-dir/sub" "$R/srv/seed-real" "$R/opt" && echo dir >"$work/bind-dir/sub/f" &&
                echo file >"$work/bind-file" && echo seed >"$R/srv/seed-real/s" && ln -s /srv/seed-real "$R/opt/seed"
        cat >"$B/plan.conf" <<PLAN
version = 1;
actions = (
  { type = "bind"; source = "$work/bind-dir"; target = "/mnt/hostdir"; readonly = true; options = "nosuid,nodev"; },
  { type = "bind"; source = "$work/bind-file"; target = "/etc/hostfile"; readonly = true; options = "nosuid,nodev"; },
  { type = "bind"; source = "/opt/seed"; source_in = "rootfs"; target = "/srv/seed"; readonly = true;
    recursive = false; options = "nosuid,nodev,noexec"; }
);
PLAN
        PLAN=$B/plan.conf in_ns 'hook || exit 1
               mounts >"'"$work/bind.mounts"'"
               flags() { awk -v m="$R$1" "\$1 == m { print \$3 }" "'"$work/bind.mounts"'" | tr , "\n" | sort | tr "\n" ,; }
               for m in /mnt/hostdir /etc/hostfile /srv/seed; do
                       case $(flags $m) in *nodev,*nosuid,*ro,*) ;; *) echo "$m: $(flags $m)"; exit 2 ;; esac
               done
               case $(flags /srv/seed) in *noexec,*) ;; *) exit 3 ;; esac
               [ "$(cat "$R/mnt/hostdir/sub/f")" = dir ] || exit 4
               [ "$(cat "$R/etc/hostfile")" = file ] || exit 5
               [ "$(cat "$R/srv/seed/s")" = seed ] || exit 6
               touch "$R/mnt/hostdir/new" 2>/dev/null && exit 7
               echo x 2>/dev/null >"$R/etc/hostfile" && exit 8
               touch "$R/srv/seed/new" 2>/dev/null && exit 9
               exit 0'
        result "bind: host directory and file read-only with nosuid,nodev, a rootfs path through its symlink" $? \
                "$(cat "$work/bind.mounts" 2>/dev/null)"
        [ -d "$R/mnt/hostdir" ] && [ -f "$R/etc/hostfile" ] && [ ! -s "$R/etc/hostfile" ] && [ -d "$R/srv/seed" ] &&
                [ -z "$(ls -A "$R/srv/seed")" ] && [ "$(cat "$work/bind-file")" = file ]
        result "bind: the mount points were made in the rootfs (empty), the sources are unchanged" $?
        ! grep -q " $R" /proc/self/mountinfo
        result "bind: nothing leaks into the host's mount table" $?
}

# symlink actions: made, replaced without following the old link (which points at a
# host file), left alone, made below new parents; idempotent; rolled back on failure.
t_symlink_action() {
        new_case links
        echo host >"$work/links-hostfile" && mkdir -p "$work/links-hostdir" &&
                ln -s "$work/links-hostfile" "$R/etc/old" && ln -s /nope "$R/etc/keep" &&
                echo image >"$R/etc/regular" && ln -s "$work/links-hostdir" "$R/hostdir"
        cat >"$B/plan.conf" <<'PLAN'
version = 1;
actions = (
  { type = "symlink"; target = "/etc/mtab"; source = "../proc/self/mounts"; },
  { type = "symlink"; target = "/etc/old"; source = "/usr/share/zoneinfo/${hostname}"; replace = "always"; },
  { type = "symlink"; target = "/etc/keep"; source = "/elsewhere"; },
  { type = "symlink"; target = "/var/lib/new/link"; source = "../x"; }
);
PLAN
        PLAN=$B/plan.conf in_ns 'hook || exit 1
               [ "$(readlink "$R/etc/mtab")" = ../proc/self/mounts ] || exit 2
               [ "$(readlink "$R/etc/old")" = /usr/share/zoneinfo/t ] || exit 3
               [ "$(readlink "$R/etc/keep")" = /nope ] || exit 4
               [ "$(readlink "$R/var/lib/new/link")" = ../x ] || exit 5
               hook || exit 6
               [ "$(readlink "$R/etc/old")" = /usr/share/zoneinfo/t ] || exit 7'
        result "symlink: made, replaced, left alone, made below new parents; a second run changes nothing" $?
        [ -f "$work/links-hostfile" ] && [ ! -L "$work/links-hostfile" ] && [ "$(cat "$work/links-hostfile")" = host ]
        result "symlink: the old link's host file was not followed" $?
        cat >"$B/plan.conf" <<'PLAN'
version = 1;
actions = (
  { type = "symlink"; target = "/etc/new"; source = "x"; },
  { type = "symlink"; target = "/etc/mtab"; source = "/changed"; replace = "always"; },
  { type = "symlink"; target = "/etc/regular"; source = "y"; replace = "always"; }
);
PLAN
        PLAN=$B/plan.conf in_ns 'hook && exit 1; exit 0'
        [ ! -e "$R/etc/new" ] && [ ! -L "$R/etc/new" ] && [ "$(readlink "$R/etc/mtab")" = ../proc/self/mounts ] &&
                [ "$(cat "$R/etc/regular")" = image ] && grep -q "/etc/regular exists and is not a symlink" "$work/log"
        result "symlink: a file in the way is refused, and what was done is undone (the replaced link restored)" $?
        cat >"$B/plan.conf" <<'PLAN'
version = 1;
actions = ( { type = "symlink"; target = "/hostdir/x"; source = "y"; } );
PLAN
        PLAN=$B/plan.conf in_ns 'hook && exit 1; exit 0' && [ -z "$(ls -A "$work/links-hostdir")" ] && grep -q "refusing to follow it out" "$work/log"
        result "symlink: a parent linking to a host directory is not followed out of the rootfs" $?
}

# A security label (config.json's linux.mountLabel) reaches the kernel as the tmpfs
# option context=, whole (its commas included) and without the plan's quotes. This
# host has no SELinux, so tmpfs refuses the option: the run fails, nothing stays.
t_mount_label() {
        local label="system_u:object_r:container_file_t:s0:c1,c2"
        new_case label
        bundle_config '[]' '["container=docker"]' "$CG" |
                sed 's|"linux": {|"linux": {"mountLabel": "'"$label"'", |' >"$B/config.json"
        # LeakSanitizer cannot run under ptrace: an ASan build's hook would fail at exit.
        in_ns 'ASAN_OPTIONS=detect_leaks=0 strace -f -qq -s 256 -e trace=fsconfig,mount -o "'"$work/label.trace"'" "$HOOK" --plan "$PLAN" <<<"$STATE"
               echo "rc=$?"; mounts'
        # The new mount API: one fsconfig call; mount(2) (tests/enosys): the data string, quoted.
        grep -q -e "fsconfig([0-9]*, FSCONFIG_SET_STRING, \"context\", \"$label\", 0)" \
                -e "mount(\"tmpfs\", .*context=\\\\\"$label\\\\\"" "$work/label.trace"
        result "mountLabel: the label reaches the kernel whole (fsconfig \"context\", or mount(2)'s data)" $? \
                "$(grep context "$work/label.trace")"
        if grep -q '^selinux$' /sys/kernel/security/lsm 2>/dev/null; then
                grep -q "^rc=0" "$work/log" && grep -q "^$R/run tmpfs" "$work/log"
                result "mountLabel: an SELinux kernel takes it" $?
        else
                grep -q "^rc=1" "$work/log" && ! grep -q "^$R/" "$work/log" && grep -q "tmpfs on /run: Invalid argument" "$work/log"
                result "mountLabel: without SELinux tmpfs refuses context=, the run fails, nothing stays mounted" $?
        fi
        new_case nolabel
        in_ns 'ASAN_OPTIONS=detect_leaks=0 strace -f -qq -s 256 -e trace=fsconfig,mount -o "'"$work/nolabel.trace"'" "$HOOK" --plan "$PLAN" <<<"$STATE"'
        [ $? = 0 ] && grep -q -e '"uid", "0"' -e 'uid=0' "$work/nolabel.trace" && ! grep -q context "$work/nolabel.trace"
        result "no mountLabel: no context= option (the plan's context=\"\" is left out)" $?
}

# config.json and the kernel disagree about a user namespace: one line, exit 2, nothing done.
t_userns_mismatch() {
        new_case userns-mismatch
        bundle_config '[]' '["container=docker"]' "$CG" | sed 's|"namespaces": \[|"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}], "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}], "namespaces": [{"type": "user"}, |' >"$B/config.json"
        in_ns 'before=$(mounts); hook; rc=$?
               [ $rc = 2 ] || { echo "exit $rc"; exit 1; }
               [ "$before" = "$(mounts)" ] || { echo "mounts left"; exit 2; }'
        result "config.json names a user namespace the container is not in: exit 2, nothing mounted" $? \
                "$(cat "$work/log")"
        [ "$(wc -l <"$work/log")" = 1 ] && grep -q "config.json: config.json asks for a user namespace, but the container" "$work/log" &&
                [ ! -e "$cg2$CG/payload" ] && [ ! -d "$R/var/log/journal" ]
        result "... one line naming config.json, no child cgroup, nothing made in the rootfs" $? "$(cat "$work/log")"
}

t_systemd_plan
t_machine_id_missing
t_idempotent
t_keep_submounts
t_keep_through_symlinks
t_dotdot_destination
t_keep_unnamed_mount
t_tmp_already_mounted
t_private_cgroupns
t_host_cgroupns
t_systemd_form
t_cgroup_mismatch
t_prestart_pid
t_host_cgroup_options
t_not_systemd
t_symlink_run_absolute
t_symlink_run_relative
t_machine_id_symlink
t_machine_id_special FIFO 'mkfifo machine-id'
t_machine_id_special "device node" 'mknod machine-id c 1 3'
t_machine_id_special directory 'mkdir machine-id'
t_machine_id_special "hard link" 'echo x >other && ln other machine-id'
t_etc_symlink
t_tmp_symlink_to_host_etc
t_rollback_middle
t_bind
t_symlink_action
t_mount_label
t_userns_mismatch
tap_done
