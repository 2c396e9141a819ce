#!/bin/sh
# Runs the finish_line example: it must exit 0 and show the race called off
# with the remaining runners cancelled.
# A Windows build's program (.exe) runs under Wine, through the
# tools/wine-run that started this script (--config=windows's --run_under,
# which names itself in WEFT_WINE_RUN); its output then ends lines with CRLF.
launcher=
case "$1" in
  *.exe) launcher=${WEFT_WINE_RUN:?"$1" is a Windows program: run it with bazel test --config=windows} ;;
esac
output=$(${launcher:+"$launcher"} "$@" 2>&1)
status=$?
echo "$output"
if [ "$status" -ne 0 ]; then
  echo "example failed with exit status $status" >&2
  exit 1
fi
case "$output" in
  *"race called off"*"was cancelled"*) exit 0 ;;
esac
echo "example output lacks the aborted runners" >&2
exit 1
