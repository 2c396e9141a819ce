#!/bin/sh
# Runs the finish_line example: it must exit 0 and show the race called off
# with the remaining runners cancelled.
output=$("$@" 2>&1)
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
