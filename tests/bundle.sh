# shellcheck shell=bash
# Minimal OCI bundles for the tests that run the hook without a runtime.

# bundle_config MOUNTS_JSON ENV_JSON: a config.json, on stdout, of a container
# running /sbin/init with mount, pid and cgroup namespaces of its own.
bundle_config() {
        cat <<JSON
{"ociVersion": "1.0.2", "process": {"args": ["/sbin/init"], "env": ${2:-[]}, "cwd": "/"},
 "root": {"path": "rootfs"}, "hostname": "t", "mounts": ${1:-[]},
 "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}, {"type": "cgroup"}]}}
JSON
}

# bundle_state ID BUNDLE: the state a runtime gives a createContainer hook.
bundle_state() {
        printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":1,"bundle":"%s"}' "$1" "$2"
}

# bundle_fake_systemd ROOTFS: /sbin/init -> /usr/lib/systemd/systemd, an ELF executable (a
# copy of true(1)), so that the systemd plan's exec condition holds without a real systemd.
bundle_fake_systemd() {
        mkdir -p "$1/usr/lib/systemd" "$1/sbin"
        cp /bin/true "$1/usr/lib/systemd/systemd"
        ln -sfn /usr/lib/systemd/systemd "$1/sbin/init"
}
