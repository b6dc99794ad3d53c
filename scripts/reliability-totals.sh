#!/bin/sh
# reliability-totals.sh - sum the totals the tests verified, from a ctest log.
#
#   scripts/reliability-totals.sh [-v] [PRESET | BUILD_DIR | LOG]
#
# Tests print one machine-readable line per total they checked:
#
#   weft-total <name> <count>     (names: tasks, deque_ops, faults)
#
# counting only work whose result the test verified (tasks run exactly
# once, deque items taken exactly once, faults injected and survived).
# This reads the log of the last ctest run of a build --
# build/<preset>/Testing/Temporary/LastTest.log, release by default -- and
# prints the sum per name, and with -v each test's lines.  Lines from
# tests that did not pass are left out of the sums and listed; the exit
# status is 1 if there were any (or the log has no total at all).
set -eu
cd "$(dirname "$0")/.."

verbose=0
if [ "${1:-}" = "-v" ]; then
    verbose=1
    shift
fi
arg="${1:-release}"
if [ -f "$arg" ]; then
    log="$arg"
elif [ -d "$arg" ]; then
    log="$arg/Testing/Temporary/LastTest.log"
else
    log="build/$arg/Testing/Temporary/LastTest.log"
fi
if [ ! -f "$log" ]; then
    echo "reliability-totals: no ctest log at $log (run ctest first)" >&2
    exit 2
fi

awk -v verbose="$verbose" -v logfile="$log" '
# A test section: "N/M Testing: name", its output, then "Test Passed." (or
# Failed, or another verdict) once the output has ended.
/^[0-9]+\/[0-9]+ Testing: / {
    test = $3; n = 0; in_output = 0; next
}
/^Output:$/ { in_output = 1; next }
/^<end of output>$/ { in_output = 0; next }
in_output && $1 == "weft-total" && NF == 3 && $3 ~ /^[0-9]+$/ {
    n++; tname[n] = $2; tcount[n] = $3; next
}
!in_output && /^Test [A-Za-z ]+\.$/ && test != "" {
    verdict = $0; sub(/^Test /, "", verdict); sub(/\.$/, "", verdict)
    for (i = 1; i <= n; i++) {
        if (verdict == "Passed") {
            if (!(tname[i] in sum)) order[++names] = tname[i]
            sum[tname[i]] += tcount[i]
            tests[tname[i]]++
            if (verbose)
                printf "  %-24s %-10s %15.0f\n", test, tname[i], tcount[i]
        } else {
            bad++
            printf "  left out (%s): %s %s %.0f\n", verdict, test, tname[i],
                   tcount[i]
        }
    }
    test = ""; n = 0
}
END {
    printf "totals from %s:\n", logfile
    for (k = 1; k <= names; k++)
        printf "  %-10s %15.0f  (%d tests)\n", order[k], sum[order[k]],
               tests[order[k]]
    if (names == 0)
        print "  (no weft-total lines: run the C tests first)"
    exit (bad > 0 || names == 0) ? 1 : 0
}
' "$log"
