# shellcheck shell=bash
# Minimal OCI bundles for the tests that run the hook without a runtime.

# bundle_config MOUNTS_JSON ENV_JSON [CGROUPS_PATH]: a config.json, on stdout, of a
# container running /sbin/init with mount, pid and cgroup namespaces of its own.
bundle_config() {
        local cgpath=""
        [ -z "${3:-}" ] || cgpath='"cgroupsPath": "'$3'", '
        cat <<JSON
{"ociVersion": "1.0.2", "process": {"args": ["/sbin/init"], "env": ${2:-[]}, "cwd": "/"},
 "root": {"path": "rootfs"}, "hostname": "t", "mounts": ${1:-[]},
 "linux": {$cgpath"namespaces": [{"type": "mount"}, {"type": "pid"}, {"type": "cgroup"}]}}
JSON
}

# The host's cgroup2 hierarchy: /sys/fs/cgroup on a cgroup2-only host, else the
# hybrid layout's /sys/fs/cgroup/unified.
bundle_cg2() {
        if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then echo /sys/fs/cgroup; else echo /sys/fs/cgroup/unified; fi
}

# bundle_in_cgroup DIR CMD...: runs CMD with its processes in cgroup DIR (made if
# missing): the hook takes the container's cgroup from the kernel, as its parent's.
bundle_in_cgroup() {
        local dir=$1
        shift
        mkdir -p "$dir" && (echo "$BASHPID" >"$dir/cgroup.procs" && exec "$@")
}

# bundle_cgroup_rm DIR: removes a test cgroup tree, deepest first, killing what is left.
bundle_cgroup_rm() {
        local procs
        [ -d "$1" ] || return 0
        for procs in $(find "$1" -name cgroup.procs); do
                xargs -r kill -KILL <"$procs" 2>/dev/null
        done
        find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
        return 0
}

# bundle_state ID BUNDLE: the state a runtime gives a createContainer hook.
bundle_state() {
        printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":1,"bundle":"%s"}' "$1" "$2"
}

# bundle_rootfs ROOTFS: the minimal rootfs the tests that perform the systemd plan share:
# the directories it mounts on or makes things in, an empty /etc/machine-id, and
# bundle_fake_systemd's /sbin/init.
bundle_rootfs() {
        mkdir -p "$1"/{etc,run,tmp,var/log,sys/fs/cgroup,sbin}
        : >"$1/etc/machine-id"
        bundle_fake_systemd "$1"
}

# bundle_fake_systemd ROOTFS: /sbin/init -> /usr/lib/systemd/systemd, an ELF executable (a
# copy of true(1)), so that the systemd plan's exec condition holds without a real systemd.
bundle_fake_systemd() {
        mkdir -p "$1/usr/lib/systemd" "$1/sbin"
        cp /bin/true "$1/usr/lib/systemd/systemd"
        ln -sfn /usr/lib/systemd/systemd "$1/sbin/init"
}
