# shellcheck shell=bash
# Sourced by every shell test under tests/ (tests/e2e and tests/engines have their own
# lib.sh): numbered TAP lines for automake's driver and for tests/run-all.sh, the plan
# line at the end. The counters are n and failed.
n=0 failed=0

# ok NAME STATUS [DETAIL...]: "ok N - NAME" when STATUS is 0, else "not ok N - NAME"
# with DETAIL as comment lines; returns STATUS's truth. A NAME ending in "# TODO why"
# is a known bug: its failure is shown but not counted (automake's driver says XFAIL,
# and XPASS, a failure, once it is fixed).
ok() {
        n=$((n + 1))
        if [ "$2" = 0 ]; then
                echo "ok $n - $1"
                return 0
        fi
        echo "not ok $n - $1"
        case $1 in *"# TODO"*) ;; *) failed=$((failed + 1)) ;; esac
        shift 2
        [ -n "$*" ] && printf '%s\n' "$@" | sed 's/^/#   /' | head -40
        return 1
}

# ok_file NAME STATUS FILE [LINES]: ok, with the first LINES (20) lines of FILE as the
# detail when it failed (a missing FILE adds nothing).
ok_file() {
        ok "$1" "$2" && return 0
        [ -f "$3" ] && sed 's/^/#   /' "$3" | head -"${4:-20}"
        return 1
}

# skip NAME REASON: a counted skip.
skip() {
        n=$((n + 1))
        echo "ok $n - $1 # SKIP $2"
}

# skip_all REASON: the whole script skipped (the plan "1..0"); exits 0.
skip_all() {
        echo "1..0 # SKIP $1"
        exit 0
}

# bail_out REASON: the run cannot go on; automake's driver reports an error. Exits 1.
bail_out() {
        echo "Bail out! $1"
        exit 1
}

# tap_include FILE PREFIX: the TAP in FILE, another script's, renumbered after ours with
# PREFIX before each name and counted; its plan line dropped ("1..0 # SKIP" becomes one
# counted skip), its comments and other lines passed through.
tap_include() {
        local line
        while IFS= read -r line; do
                case $line in
                "not ok "[0-9]*)
                        n=$((n + 1))
                        case $line in *"# TODO"*) ;; *) failed=$((failed + 1)) ;; esac
                        echo "$line" | sed -E "s/^not ok [0-9]+( - )?/not ok $n - $2/" ;;
                "ok "[0-9]*)
                        n=$((n + 1))
                        echo "$line" | sed -E "s/^ok [0-9]+( - )?/ok $n - $2/" ;;
                "1..0"*) skip "$2the whole script" "${line#*SKIP }" ;;
                1..*) ;;
                *) echo "$line" ;;
                esac
        done <"$1"
}

# tap_done: the plan line, and the script's exit status.
tap_done() {
        echo "1..$n"
        [ "$failed" -eq 0 ]
}
