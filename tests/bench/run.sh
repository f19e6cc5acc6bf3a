#!/bin/bash
# `make bench`: the hook against its floor, its syscalls, memory and profile, and the
# runtime wrapper when it is built. As root. See tests/bench/README for the method.
# Environment: OMP_HOOK, OMP_SRCDIR, OMP_BUILDDIR (set by make), BENCH_BATCHES,
# BENCH_INVOCATIONS, BENCH_PROFILE=0 (skip callgrind), BENCH_KEEP=1 (keep the work dir).
set -u
build=${OMP_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
src=${OMP_SRCDIR:-$build}
hook=${OMP_HOOK:-$build/oci-mountplan}
wrapper=${OMP_RUNTIME:-$build/oci-mountplan-runtime}
plan=$src/plans/systemd.conf
bin=$build/tests/bench
batches=${BENCH_BATCHES:-11}
inv=${BENCH_INVOCATIONS:-20}

if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
        echo "bench: needs root and mount namespaces" >&2
        exit 77
fi
for p in "$hook" "$bin/bench" "$bin/floor" "$bin/stub-runtime"; do
        [ -x "$p" ] || { echo "bench: $p not built (make bench builds it)" >&2; exit 1; }
done
work=$(mktemp -d /var/tmp/omp-bench.XXXXXX)
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"; bundle_cgroup_rm "$(bundle_cg2)/$OMP_BENCH_CGROUP"' EXIT

# The container: a tiny rootfs tree (the overlay's lower layer) and a Docker-style bundle.
L=$work/lower
mkdir -p "$L"/{etc,run,tmp,var/log,sys,proc,dev,sbin,lib/systemd} "$work"/{scratch,bundle/rootfs,wbundle}
: >"$L/etc/machine-id"
# Laid out as in Debian, so the plan's exec condition holds: /sbin/init -> systemd, an ELF.
cp "$bin/stub-runtime" "$L/lib/systemd/systemd"
ln -s ../lib/systemd/systemd "$L/sbin/init"
"$src/tests/bench/gen-config.sh" "$work/files" >"$work/bundle/config.json" || exit 1
# The hook takes the container's cgroup from the kernel and checks it against
# cgroupsPath: each namespace holder joins a fresh OMP_BENCH_CGROUP/c, made and
# removed by the bench around every run, which config.json names.
. "$src/tests/bundle.sh"
export OMP_BENCH_CGROUP=omp-bench-$$
sed -i 's|"cgroupsPath":"[^"]*"|"cgroupsPath":"/'"$OMP_BENCH_CGROUP"'/c"|' "$work/bundle/config.json"
cp "$work/bundle/config.json" "$work/wrapper-config.json"
printf '{"hooks": {"createContainer": [{"path": "%s", "args": ["oci-mountplan", "--plan", "%s"], "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]}}\n' \
        "$hook" "$plan" >"$work/hooks.json"
B="$bin/bench"

echo "== hook vs floor: plans/systemd.conf performed in a fresh container-like mount namespace"
echo "   ($(wc -c <"$work/bundle/config.json")-byte config.json; time per invocation = spawn with the state on stdin .. reaped)"
"$B" hook --work "$work" --hook "$hook" --plan "$plan" --floor "$bin/floor" -b "$batches" -n "$inv"
rc=$?

echo
echo "== syscalls of one run (strace -c -f)"
for who in hook floor; do
        case $who in
        hook) cmd=("$hook" --plan "$plan") ;;
        floor) cmd=("$bin/floor" "$work/bundle/rootfs" "$work/bundle/config.json" "$plan") ;;
        esac
        "$B" once --work "$work" -- /usr/bin/strace -f -c -o "$work/strace.$who" "${cmd[@]}" || rc=1
        awk '$NF == "total" { print $4 }' "$work/strace.$who" | tr '\n' ' ' | sed "s/^/$who: /; s/ $/ syscalls; top:/"
        awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $4, $NF }' "$work/strace.$who" | sort -rn | head -10 |
                awk '{ printf " %s %s", $2, $1 } END { print "" }'
done
# A hook whose plan did not apply would be cheap for doing nothing: it must have mounted.
grep -qw move_mount "$work/strace.hook" || { echo "bench: the hook mounted nothing (did the plan apply?)"; rc=1; }

if [ "${BENCH_PROFILE:-1}" != 0 ] && command -v valgrind >/dev/null; then
        echo
        echo "== where the hook's instructions go (callgrind, one run; % of all instructions)"
        "$B" once --work "$work" --premount-tmpfs -- /usr/bin/valgrind -q --tool=callgrind --callgrind-out-file="$work/cg.out" \
                "$hook" --plan "$plan" 2>"$work/cg.log" || { cat "$work/cg.log"; rc=1; }
        callgrind_annotate --auto=no --inclusive=no --threshold=100 "$work/cg.out" 2>/dev/null >"$work/cg.self"
        total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }' "$work/cg.self")
        echo "total $total instructions"
        # Lines read "1,234 (12.3%)  file:function [object]"; inlined code has no [object].
        parse='$1 ~ /^[0-9,]+$/ && /:/ { n = $1; gsub(",", "", n); obj = "?"; fn = $NF
                if ($NF ~ /^\[/) { obj = $NF; fn = $(NF - 1); gsub(/[][]/, "", obj); sub(".*/", "", obj) }
                sub(/^.*:/, "", fn) }'
        echo "-- by object (self):"
        awk -v t="$total" "$parse"' n { by[obj] += n } END { for (o in by) printf "   %5.1f%%  %s\n", 100 * by[o] / t, o }' \
                "$work/cg.self" | sort -rn | head -8
        echo "-- top functions (self):"
        awk -v t="$total" "$parse"' n && i++ < 12 { printf "   %5.1f%%  %s (%s)\n", 100 * n / t, fn, obj }' "$work/cg.self"
        echo "-- inclusive:"
        callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$work/cg.out" 2>/dev/null |
                awk -v t="$total" "$parse"' fn ~ /^(_dl_start_final|_dl_relocate_object|_dl_map_object_deps|_dl_init|main|plan_load|config_read_file|read_state|spec_load|json_loadb|resolve_plans|exec_resolution|exit)$/ && !seen[fn]++ {
                        printf "   %5.1f%%  %s\n", 100 * n / t, fn }'
fi

echo
if [ ! -x "$wrapper" ]; then
        echo "wrapper: not built"
        exit $rc
fi
echo "== wrapper: create through it vs the runtime directly (a stub runtime that exits at once; bundle on tmpfs)"
"$B" wrapper --work "$work" --wrapper "$wrapper" --stub "$bin/stub-runtime" --hooks "$work/hooks.json" \
        -b "$batches" -n "$inv" || rc=1
mkdir -p "$work/sbundle/rootfs" && cp "$work/wrapper-config.json" "$work/sbundle/config.json"
/usr/bin/strace -f -c -o "$work/strace.wrapper" "$wrapper" --runtime-path "$bin/stub-runtime" \
        --hook-config-path "$work/hooks.json" create --bundle "$work/sbundle" bench >/dev/null 2>&1
awk '$NF == "total" { printf "wrapper create + stub: %d syscalls (strace -c -f; bundle on %s); top:", $4, dev }' \
        dev="$(stat -f -c %T "$work")" "$work/strace.wrapper"
awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $4, $NF }' "$work/strace.wrapper" | sort -rn | head -8 |
        awk '{ printf " %s %s", $2, $1 } END { print "" }'

if command -v runc >/dev/null; then
        echo
        echo "== runc run of a trivial container (/sbin/init exits at once), plain and through the wrapper"
        R=$work/rbundle
        mkdir -p "$R" && cp -a "$L" "$R/rootfs"
        jq -c 'del(.linux.cgroupsPath, .process.apparmorProfile, .process.rlimits) | .process.terminal = false' \
                "$work/bundle/config.json" >"$R/config.pristine.json"
        "$B" runc --work "$work" --runc "$(command -v runc)" --wrapper "$wrapper" --hooks "$work/hooks.json" \
                -b "${BENCH_RUNC_BATCHES:-5}" -n "${BENCH_RUNC_INVOCATIONS:-4}" || rc=1
        runc list -q 2>/dev/null | grep "^omp-bench-" | xargs -r -n1 runc delete --force >/dev/null 2>&1
fi
exit $rc
