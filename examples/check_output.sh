#!/bin/sh
# Runs an example and checks it: the first argument is the program, each
# further argument a piece of text its output must contain, in that order.
# Fails if the program exits non-zero or a piece is missing.
program=$1
shift
# A Windows build's program (.exe) runs under Wine, through the
# tools/wine-run that started this script (--config=windows's --run_under,
# which names itself in WEFT_WINE_RUN); its output then ends lines with CRLF.
launcher=
case "$program" in
  *.exe) launcher=${WEFT_WINE_RUN:?"$program" is a Windows program: run it with bazel test --config=windows} ;;
esac
output=$(${launcher:+"$launcher"} "$program" 2>&1)
status=$?
output=$(printf '%s\n' "$output" | tr -d '\r')
echo "$output"
if [ "$status" -ne 0 ]; then
  echo "example failed with exit status $status" >&2
  exit 1
fi
rest=$output
for want in "$@"; do
  case "$rest" in
    *"$want"*) rest=${rest#*"$want"} ;;
    *)
      echo "example output lacks, in order: $want" >&2
      exit 1
      ;;
  esac
done
