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
        p=$(cat tests/*.trs tests/unit/*.trs 2>/dev/null | grep -c '^:test-result: PASS')
        f=$(cat tests/*.trs tests/unit/*.trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')
        s=$(cat tests/*.trs tests/unit/*.trs 2>/dev/null | grep -c '^:test-result: SKIP')
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
rm -f tests/*.trs tests/unit/*.trs
make -s -j"$(nproc)" check >/tmp/omp-check.log 2>&1 || { grep -aE '^(FAIL|ERROR)' /tmp/omp-check.log; \
        grep -a -A5 '^not ok' tests/*.log tests/unit/*.log | head -60; }
count_trs

step "make distcheck" sh -c 'make -s distcheck >/tmp/omp-distcheck.log 2>&1 || { tail -30 /tmp/omp-distcheck.log; exit 1; }'

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

export OMP_HOOK=$top/oci-mountplan OMP_RUNTIME=$top/oci-mountplan-runtime OMP_PLAN=$top/plans/systemd.conf
suite "end-to-end: runc and crun (real containers)" /tmp/omp-e2e.log tests/e2e/run.sh
suite "engines: docker, podman, containerd" /tmp/omp-engines.log tests/engines/run.sh
echo "==> installed files boot a container"
OMP_INSTALL_BOOT=1 OMP_BUILDDIR=$top OMP_SRCDIR=$top tests/install.sh | tee /tmp/omp-install.log
passed=$((passed + $(grep -c '^ok' /tmp/omp-install.log)))
failed=$((failed + $(grep -c '^not ok' /tmp/omp-install.log)))

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
