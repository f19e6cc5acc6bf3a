#!/bin/bash
# Runs every test of oci-mountplan, as root, on Debian 12: installs what it needs,
# builds, runs the unit, golden and command-line tests (make check), make distcheck,
# and the end-to-end suite that boots systemd in real containers. Ends with
# "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0 failed=0 skipped=0

count_trs() {   # per-test results automake's TAP driver recorded
        local p f s
        local trs
        trs=$(find tests -name '*.trs')
        p=$(cat $trs | grep -c '^:test-result: PASS')
        f=$(cat $trs | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')
        s=$(cat $trs | grep -c '^:test-result: SKIP')
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
        echo "make check: $p passed, $f failed, $s skipped"
}

step() {        # step NAME COMMAND...: one counted test
        echo "==> $1"
        if "${@:2}"; then passed=$((passed + 1)); else echo "FAILED: $1"; failed=$((failed + 1)); fi
}

if [ "$(id -u)" != 0 ]; then
        echo "tests/run-all.sh: run as root (the end-to-end tests start containers)" >&2
        exit 2
fi
contrib/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

echo "==> build (-Werror)"
if ! contrib/build.sh; then
        echo "0 passed, 1 failed"
        exit 1
fi

echo "==> make check"
find tests -name '*.trs' -delete
make -s -j"$(nproc)" check >/tmp/omp-check.log 2>&1 || { grep -aE '^(FAIL|ERROR)' /tmp/omp-check.log; \
        grep -a -A5 '^not ok' tests/*.log tests/unit/*.log | head -60; }
count_trs

step "make distcheck" sh -c 'make -s distcheck >/tmp/omp-distcheck.log 2>&1 || { tail -30 /tmp/omp-distcheck.log; exit 1; }'

tap_counts() {  # add a TAP log's ok / not ok / SKIP lines to the totals
        local p f k
        k=$(grep -c '^ok .*# SKIP' "$1")
        p=$(($(grep -c '^ok' "$1") - k))
        f=$(grep -c '^not ok' "$1")
        grep -q '^1\.\.0 # SKIP' "$1" && k=$((k + 1))
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
}

# A suite that prints its own "N passed, N failed, N skipped" line.
suite() {       # suite NAME LOG COMMAND...
        local name=$1 log=$2 line p f s
        shift 2
        echo "==> $name"
        "$@" 2>&1 | tee "$log"
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
        if [ -z "$line" ]; then
                echo "$name printed no summary"
                failed=$((failed + 1))
                return
        fi
        read -r p _ f _ s _ <<<"${line//,/}"
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
}

# valgrind: the unit tests, the fuzz corpora replayed through every harness, and
# the hook's dry-runs of every golden case. valgrind cannot follow a static glibc
# (false reports from its start-up, no malloc to intercept), so the hook is linked
# again, dynamically, from the same objects.
valgrind_checks() {
        local t vg=/tmp/omp-valgrind rc=0
        mkdir -p $vg
        local supp="--suppressions=$top/tests/valgrind.supp"
        cc -o $vg/oci-mountplan src/hook/oci_mountplan-main.o libmountplan-hook.a libmountplan-common.a \
                $(pkg-config --libs libconfig jansson) || return 1
        printf '#!/bin/sh\nexec valgrind -q %s --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "%s" "$@"\n' \
                "$supp" "$vg/oci-mountplan" >$vg/hook
        chmod +x $vg/hook
        for t in tests/unit/test-* tests/fuzz/replay-*; do
                case $t in *.c|*.o|*.log|*.trs) continue;; esac
                valgrind -q $supp --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
                        "$t" >$vg/out 2>&1 || { echo "valgrind: $t"; tail -20 $vg/out; rc=1; }
        done
        OMP_HOOK=$vg/hook OMP_SRCDIR=$top tests/golden.sh >$vg/golden 2>&1 || { grep -A8 '^not ok' $vg/golden | head -40; rc=1; }
        return $rc
}
step "valgrind: unit tests, fuzz corpora and every golden dry-run, no errors or leaks" valgrind_checks

# The release tarball, built again with ASan and UBSan: make check there, and the
# end-to-end boots below run that hook and wrapper.
asan_build() {
        local tarball
        tarball=$(ls -t oci-mountplan-*.tar.xz 2>/dev/null | head -1)
        [ -n "$tarball" ] || { echo "no tarball (distcheck failed?)"; return 1; }
        rm -rf /tmp/omp-asan && mkdir -p /tmp/omp-asan && tar -xJf "$tarball" -C /tmp/omp-asan --strip-components=1 &&
                (cd /tmp/omp-asan && ./configure -q --enable-werror --enable-asan --enable-ubsan &&
                 make -s -j"$(nproc)" >/dev/null && make -s -j"$(nproc)" check >/tmp/omp-asan-check.log 2>&1) ||
                { grep -aE '^(FAIL|ERROR)' /tmp/omp-asan-check.log; tail -20 /tmp/omp-asan-check.log; return 1; }
}
step "ASan+UBSan build of the tarball: make check" asan_build
step "fuzzing: each libFuzzer harness for ${FUZZ_SECONDS:-20} s, no crash" \
        sh -c 'make -s fuzz FUZZ_SECONDS='"${FUZZ_SECONDS:-20}"' >/tmp/omp-fuzz.log 2>&1; rc=$?; grep -E "^(fuzzer|fuzz-|#)" /tmp/omp-fuzz.log | tail -12; exit $rc' 
san=""
[ -x /tmp/omp-asan/oci-mountplan ] && san=/tmp/omp-asan

export OMP_HOOK=${san:-$top}/oci-mountplan OMP_RUNTIME=${san:-$top}/oci-mountplan-runtime OMP_PLAN=$top/plans/systemd.conf
echo "==> hook and wrapper under test: $OMP_HOOK, $OMP_RUNTIME"
suite "end-to-end: runc and crun (real containers)" /tmp/omp-e2e.log tests/e2e/run.sh
echo "==> the wrapper with runc and crun: every bundle and --config form they take"
tests/e2e/wrapper-forms.sh | tee /tmp/omp-wrapper-forms.log
tap_counts /tmp/omp-wrapper-forms.log
suite "load: 20 systemd containers at once through the wrapper" /tmp/omp-load.log tests/e2e/load.sh
suite "engines: docker, podman, containerd, CRI; Debian 12, 13 and testing" /tmp/omp-engines.log tests/engines/run.sh
echo "==> installed files boot a container"
OMP_INSTALL_BOOT=1 OMP_BUILDDIR=$top OMP_SRCDIR=$top tests/install.sh | tee /tmp/omp-install.log
tap_counts /tmp/omp-install.log
echo "==> the Debian package: build, lintian, install, boot, purge"
tests/deb.sh | tee /tmp/omp-deb.log
tap_counts /tmp/omp-deb.log

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
