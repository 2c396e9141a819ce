#!/bin/bash
# Runs the smoke program (optionally under the seccomp launcher) and checks
# which backend runs, why, what it said on stderr, and that the workload
# passed.
#
#   expect_backend.sh BACKEND [LAUNCHER] SMOKE
#     BACKEND=uring: no fallback, nothing on stderr about backends.
#     BACKEND=epoll: a fallback whose reason names EPERM and seccomp, and
#                    exactly one stderr line saying so.
set -uo pipefail
unset WEFT_BACKEND
err="${TEST_TMPDIR:-/tmp}/stderr.$$"
expected=$1
shift
stdout=$("$@" 2>"$err")
status=$?
echo "exit status: $status"
echo "stdout:"; echo "$stdout"
echo "stderr:"; cat "$err"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$status" -eq 0 ] || fail "expected exit status 0"
grep -qx 'requested=auto' <<<"$stdout" || fail "requested is not auto"
grep -qx "running=$expected" <<<"$stdout" || fail "running is not $expected"
grep -qx 'smoke ok' <<<"$stdout" || fail "the smoke workload did not pass"
reason=$(grep '^fallback_reason=' <<<"$stdout")
notices=$(grep -c '^weft: ' "$err")
case "$expected" in
  uring)
    [ "$reason" = "fallback_reason=" ] || fail "unexpected fallback: $reason"
    [ "$notices" -eq 0 ] || fail "unexpected backend notice on stderr"
    ;;
  epoll)
    grep -q 'EPERM' <<<"$reason" || fail "the fallback reason lacks EPERM"
    grep -q 'seccomp' <<<"$reason" || fail "the fallback reason lacks seccomp"
    [ "$notices" -eq 1 ] || fail "expected one line on stderr, got $notices"
    grep '^weft: ' "$err" | grep -q 'epoll' ||
      fail "the stderr line does not name epoll"
    grep '^weft: ' "$err" | grep -q 'EPERM' ||
      fail "the stderr line does not say why"
    ;;
  *) fail "unknown backend $expected" ;;
esac
echo PASS
