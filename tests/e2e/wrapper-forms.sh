#!/bin/bash
# The runtime wrapper with the real runc and crun (TAP, as root): every way each
# of them names the bundle and crun's --config file, global options before the
# command in either syntax. A container whose createContainer hook appends to a
# file shows that the runtime read the very file the wrapper rewrote.
set -u
. "$(dirname "$0")/../tap.sh"
wrapper=${OMP_RUNTIME:-$(cd "$(dirname "$0")/../.." && pwd)/oci-mountplan-runtime}
work=$(mktemp -d /tmp/omp-wrapper-forms.XXXXXX)
root=/run/omp-wrapper-forms-$$
id=omp-wrapper-forms-$$
cleanup() {
        runc --root "$root-runc" delete -f "$id" >/dev/null 2>&1
        crun --root "$root-crun" delete -f "$id" >/dev/null 2>&1
        rm -rf "$work" "$root-runc" "$root-crun"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
        echo "wrapper-forms: needs root" >&2
        exit 1
fi
for t in runc crun jq cc; do
        command -v $t >/dev/null || { echo "wrapper-forms: $t missing (contrib/install-deps.sh)" >&2; exit 1; }
done

# A bundle whose /sbin/init is a static program that exits at once.
B=$work/b
mkdir -p "$B/rootfs/sbin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys"
printf 'int main(void) { return 0; }\n' | cc -static -x c - -o "$B/rootfs/sbin/init" || exit 1
runc spec --bundle "$B" || exit 1
jq -c '.process.args = ["/sbin/init"] | .process.terminal = false' "$B/config.json" >"$work/pristine.json"
rm "$B/config.json"
# The hook reads the state first: crun fails a hook that exits before it has written it (EPIPE).
printf '{"hooks": {"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null; echo ran >> %s/ran"]}]}}\n' \
        "$work" >"$work/hooks.json"

# try NAME CONFIG -- COMMAND...: with a fresh CONFIG (a path), the hook ran once and CONFIG has it.
try() {
        local name=$1 config=$2 rc
        shift 3
        cp "$work/pristine.json" "$config"
        rm -f "$work/ran"
        "$@" >"$work/out" 2>&1
        rc=$?
        ok "$name" $([ $rc = 0 ] && [ "$(cat "$work/ran" 2>/dev/null)" = ran ] && \
                [ "$(jq '.hooks.createContainer | length' "$config")" = 1 ]; echo $?) "rc=$rc: $(cat "$work/out")"
        rm -f "$config"
}

W=("$wrapper" --hook-config-path "$work/hooks.json")
for form in "--bundle $B" "--bundle=$B" "-b $B" "-b=$B" "-bundle $B" "-bundle=$B"; do
        # shellcheck disable=SC2086
        try "runc run ${form//$B/DIR}, after -root and --log" "$B/config.json" -- \
                "${W[@]}" --runtime-path runc -root "$root-runc" --log "$work/runc.log" run $form "$id"
        runc --root "$root-runc" delete -f "$id" >/dev/null 2>&1
done

# crun 1.8 refuses a hybrid host whose cgroup2 has controllers: hide them in a private namespace.
crun_cmd=("${W[@]}" --runtime-path crun --root "$root-crun")
if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
        : >"$work/empty"
        crun_cmd=(unshare -m --propagation private -- /bin/sh -c \
                'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers && exec "$@"' "$work/empty" "${crun_cmd[@]}")
fi
for form in "--bundle $B" "--bundle=$B" "-b $B" "-b$B" "--bund $B"; do
        # shellcheck disable=SC2086
        try "crun run ${form//$B/DIR}" "$B/config.json" -- "${crun_cmd[@]}" run $form "$id"
        crun --root "$root-crun" delete -f "$id" >/dev/null 2>&1
done
try "crun run --config FILE (absolute, no config.json in the bundle)" "$work/other.json" -- \
        "${crun_cmd[@]}" run --bundle "$B" --config "$work/other.json" "$id"
crun --root "$root-crun" delete -f "$id" >/dev/null 2>&1
try "crun run -bDIR --config=FILE (relative to the working directory)" "$work/other.json" -- \
        sh -c 'cd "$0" && exec "$@"' "$work" "${crun_cmd[@]}" run "-b$B" --config=other.json "$id"
crun --root "$root-crun" delete -f "$id" >/dev/null 2>&1
try "crun run -f FILE" "$work/other.json" -- "${crun_cmd[@]}" run --bundle "$B" -f "$work/other.json" "$id"

tap_done
