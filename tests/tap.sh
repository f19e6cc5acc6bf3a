# Sourced by the test scripts: numbered TAP lines for automake's driver and for
# tests/run-all.sh. The counters are n and failed.
n=0 failed=0

# ok NAME STATUS [DETAIL...]: "ok N - NAME" when STATUS is 0, else "not ok N - NAME"
# with DETAIL as comment lines; returns STATUS's truth.
ok() {
        n=$((n + 1))
        if [ "$2" = 0 ]; then
                echo "ok $n - $1"
                return 0
        fi
        echo "not ok $n - $1"
        shift 2
        [ -n "$*" ] && printf '%s\n' "$@" | sed 's/^/#   /' | head -40
        failed=$((failed + 1))
        return 1
}

# skip NAME REASON: a counted skip.
skip() {
        n=$((n + 1))
        echo "ok $n - $1 # SKIP $2"
}

# tap_done: the plan line, and the script's exit status.
tap_done() {
        echo "1..$n"
        [ "$failed" -eq 0 ]
}
