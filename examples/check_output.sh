#!/bin/sh
# Runs an example and checks it: the first argument is the program, each
# further argument a piece of text its output must contain, in that order.
# Fails if the program exits non-zero or a piece is missing.
program=$1
shift
output=$("$program" 2>&1)
status=$?
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
