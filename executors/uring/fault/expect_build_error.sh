#!/bin/bash
# A binary linked with only the uring backend, run where io_uring_setup is
# blocked: Runtime::Builder::build() must fail, and its message must name
# the cause (EPERM, seccomp) and the remedy (--config=epoll).
#
#   expect_build_error.sh LAUNCHER SMOKE
set -uo pipefail
unset WEFT_BACKEND
err="${TEST_TMPDIR:-/tmp}/stderr.$$"
stdout=$("$1" "$2" 2>"$err")
status=$?
echo "exit status: $status"
echo "stdout:"; echo "$stdout"
echo "stderr:"; cat "$err"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$status" -eq 2 ] || fail "expected exit status 2 (build failed)"
line=$(grep '^build failed: ' <<<"$stdout") || fail "no 'build failed' line"
grep -q 'EPERM' <<<"$line" || fail "the message does not name EPERM"
grep -q 'seccomp' <<<"$line" || fail "the message does not name seccomp"
grep -q -- '--config=epoll' <<<"$line" || fail "the message lacks --config=epoll"
grep -q 'io_uring_setup' <<<"$line" || fail "the message does not name io_uring_setup"
echo PASS
