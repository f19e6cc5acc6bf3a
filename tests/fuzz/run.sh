#!/bin/bash
# Builds the libFuzzer harnesses with clang (the engine compiled again with
# -fsanitize=fuzzer-no-link,address,undefined) and runs each for FUZZ_SECONDS,
# printing executions and crashes. `make fuzz` calls it; by hand:
#   tests/fuzz/run.sh [plan|cfgtree|state|spec|resolve|wrapper|jscan ...]
# Environment: FUZZ_SECONDS (30), FUZZ_CC (clang), OMP_SRCDIR, OMP_BUILDDIR
# (default: this tree), FUZZ_ARGS (extra libFuzzer flags), FUZZ_BUILD_ONLY=1,
# FUZZ_LEAKS=1 (see below).
#
# Leaks: libconfig 1.5 leaks a token on some syntax errors (suppressed, see fuzz.h),
# and every leaking input makes libFuzzer run a full LeakSanitizer scan, which slows
# the plan and resolve fuzzers tenfold. So those two fuzz with -detect_leaks=0 and
# then replay their whole corpus once with -detect_leaks=1, which names any input
# that leaks; FUZZ_LEAKS=1 checks every execution instead. state and spec always do.
# New corpus entries go to $OMP_BUILDDIR/tests/fuzz/work/<name>, crashes to
# $OMP_BUILDDIR/tests/fuzz/crashes/<name>; copy a reproducer into
# tests/fuzz/corpus/<name> once it is fixed so that `make check` replays it.
set -u
src=$(cd "${OMP_SRCDIR:-$(dirname "$0")/../..}" && pwd)
build=$(cd "${OMP_BUILDDIR:-$src}" && pwd)
cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-30}
out=$build/tests/fuzz
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(plan cfgtree state spec resolve wrapper jscan)

if [ ! -f "$build/config.h" ]; then
        echo "run.sh: $build/config.h missing: run configure first" >&2
        exit 1
fi
if ! command -v "$cc" >/dev/null; then
        echo "run.sh: $cc not found (apt-get install clang libclang-rt-dev)" >&2
        exit 1
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-g -O1 $san -include $build/config.h -I$src/src/lib -I$src/src/hook -I$src/src/wrapper -I$src/tests/fuzz -DPLANDIR=\"/usr/share/oci-mountplan/plans\" -DBINDIR=\"/usr/bin\"
        $(pkg-config --cflags libconfig jansson mount)"
libs=$(pkg-config --libs libconfig jansson mount) || exit 1

# The engine: the .c files of the three convenience libraries as Makefile.am lists them.
mapfile -t sources < <(sed -n '/^libmountplan_[a-z]*_a_SOURCES *=/,/[^\\]$/p' "$src/Makefile.am" |
        tr ' \t\\' '\n\n\n' | grep '^src/.*\.c$')
if [ ${#sources[@]} -eq 0 ]; then
        echo "run.sh: no libmountplan_*_a_SOURCES in $src/Makefile.am" >&2
        exit 1
fi
mkdir -p "$out/obj" "$out/bin"
engine=()
for c in "${sources[@]}"; do
        engine+=("$out/obj/$(basename "${c%.c}").o")
done
printf '%s\0' "${sources[@]}" | xargs -0 -P "$(nproc)" -I{} sh -c \
        'exec "$3" -fsanitize=fuzzer-no-link $4 -c "$1/$2" -o "$5/obj/$(basename "${2%.c}").o"' \
        sh "$src" {} "$cc" "$cflags" "$out" || { echo "run.sh: compiling the engine failed" >&2; exit 1; }

for name in "${names[@]}"; do
        # shellcheck disable=SC2086
        "$cc" -fsanitize=fuzzer $cflags "$src/tests/fuzz/fuzz-$name.c" "${engine[@]}" $libs \
                -o "$out/bin/fuzz-$name" || { echo "run.sh: building fuzz-$name failed" >&2; exit 1; }
done
[ "${FUZZ_BUILD_ONLY:-}" ] && exit 0

export ASAN_OPTIONS=abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# leak_pass NAME WORK CRASHES: the whole corpus once with leak checks (one process,
# so it is fast); if it leaks, each input alone to find which, copied to CRASHES.
leak_pass() {
        local f
        "$out/bin/fuzz-$1" -runs=0 -detect_leaks=1 -artifact_prefix="$3/" \
                "$2" "$src/tests/fuzz/corpus/$1" && return 0
        rm -f "$3"/crash-da39a3ee5e6b4b0d3255bfef95601890afd80709      # the empty input, blamed at exit
        echo "# leak in the corpus replay; looking for the input"
        for f in "$2"/* "$src/tests/fuzz/corpus/$1"/*; do
                if ! "$out/bin/fuzz-$1" -detect_leaks=1 "$f" >/dev/null 2>&1; then
                        cp "$f" "$3/leak-$(basename "$f")"
                        "$out/bin/fuzz-$1" -detect_leaks=1 "$f"
                        return 1
                fi
        done
        return 1
}

status=0
printf '%-14s %10s %9s %7s %7s  %s\n' fuzzer execs execs/s corpus crashes artifacts
for name in "${names[@]}"; do
        work=$out/work/$name crashes=$out/crashes/$name log=$out/fuzz-$name.log
        dict=$out/dict/$name.dict
        mkdir -p "$work" "$crashes" "$out/dict"
        case $name in
        plan|cfgtree) cp "$src/tests/fuzz/plan.dict" "$dict" ;;
        state|spec) cp "$src/tests/fuzz/json.dict" "$dict" ;;
        jscan) cat "$src/tests/fuzz/json.dict" "$src/tests/fuzz/jscan.dict" >"$dict" ;;
        resolve) { cat "$src/tests/fuzz/plan.dict" "$src/tests/fuzz/json.dict"; echo '"\x0a%%\x0a"'; } >"$dict" ;;
        wrapper) cat "$src/tests/fuzz/wrapper.dict" "$src/tests/fuzz/json.dict" >"$dict" ;;
        esac
        before=$(ls "$crashes" | wc -l)
        leaks=1
        case $name in plan|cfgtree|resolve) [ "${FUZZ_LEAKS:-}" = 1 ] || leaks=0 ;; esac
        # shellcheck disable=SC2086
        ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=$leaks "$out/bin/fuzz-$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
                -print_final_stats=1 -dict="$dict" -artifact_prefix="$crashes/" ${FUZZ_ARGS:-} \
                -detect_leaks=$leaks "$work" "$src/tests/fuzz/corpus/$name" >"$log" 2>&1
        rc=$?
        if [ $rc = 0 ] && [ $leaks = 0 ] && ! leak_pass "$name" "$work" "$crashes" >>"$log" 2>&1; then
                rc=1
        fi
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
        found=$(( $(ls "$crashes" | wc -l) - before ))
        printf '%-14s %10s %9s %7s %7s  %s\n' "fuzz-$name" "${execs:-?}" "${rate:-?}" \
                "$(ls "$work" | wc -l)" "$found" "$([ "$found" -gt 0 ] && echo "$crashes" || echo -)"
        if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
                status=1
                echo "# fuzz-$name exited $rc; log: $log"
                grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 | sed 's/^/#   /'
        fi
done
exit $status
