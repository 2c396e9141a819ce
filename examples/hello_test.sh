#!/bin/sh
# Runs the README's example: tasks must finish in completion order (2 1 0).
output=$("$@" 2>&1) || { echo "$output"; exit 1; }
echo "$output"
expected="task 2 finished
task 1 finished
task 0 finished"
[ "$output" = "$expected" ] || { echo "unexpected output" >&2; exit 1; }
