#!/bin/sh
# Runs the README's example: every task is reaped exactly once. The order it
# prints (2 1 0) comes from wall-clock sleeps 10 ms apart, which a loaded
# machine may blur, so it is not asserted here; JoinSet's completion order is
# asserted deterministically by the conformance suite (JoinSetTest.
# JoinNextFollowsCompletionOrder, with gates instead of clocks).
# A Windows build's program (.exe) runs under Wine, through the
# tools/wine-run that started this script (--config=windows's --run_under,
# which names itself in WEFT_WINE_RUN); its output then ends lines with CRLF.
launcher=
case "$1" in
  *.exe) launcher=${WEFT_WINE_RUN:?"$1" is a Windows program: run it with bazel test --config=windows} ;;
esac
output=$(${launcher:+"$launcher"} "$@" 2>&1) || { echo "$output"; exit 1; }
echo "$output"
sorted=$(echo "$output" | tr -d '\r' | sort)
expected="task 0 finished
task 1 finished
task 2 finished"
[ "$sorted" = "$expected" ] || { echo "unexpected output" >&2; exit 1; }
