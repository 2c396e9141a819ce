#!/bin/bash
# Real fuzzing, bounded: builds each libFuzzer target of fuzz/ with Debian's
# clang++-14 (-fsanitize=fuzzer,address,undefined; Bazel's toolchain is g++,
# which has no libFuzzer) and runs it for SECONDS from its checked-in corpus.
# Fails when a target crashes, hangs, leaks, trips a sanitizer or breaks
# one of the promises it checks; the input that did it is printed and kept
# (with Bazel, in the test's undeclared outputs). Such an input belongs in
# fuzz/corpus/<target>/, where :<target>_corpus_test replays it, once the
# bug is fixed.
#
#   fuzz_test.sh [SECONDS [WORK_DIR]]
#
# SECONDS per target (default 10: about 40 s for both targets, builds
# included). The inputs found go to WORK_DIR/<target>/ (default: a
# temporary directory), so that a longer run by hand keeps them, e.g.
#
#   cd "$(git rev-parse --show-toplevel)"
#   nice fuzz/fuzz_test.sh 600 /tmp/weft-fuzz
#
# Runs from the workspace root or its runfiles (the sources and corpora are
# found relative to the working directory).
set -uo pipefail

CLANG=/usr/bin/clang++-14
TARGETS=(resp_parser socket_address)

seconds=${1:-10}
tmp=${TEST_TMPDIR:-$(mktemp -d)}
work=${2:-$tmp/work}
artifacts=${TEST_UNDECLARED_OUTPUTS_DIR:-$work}
export TMPDIR=$tmp  # clang's temporary files

if [ ! -x "$CLANG" ]; then
  echo "FAIL: $CLANG not found: install clang-14 and libclang-rt-14-dev" \
    "(tools/setup does)" >&2
  exit 1
fi
multiarch=$("$CLANG" -print-multiarch)
absl_libs=(/usr/lib/"$multiarch"/libabsl_*.so)

sources_of() {
  case $1 in
    resp_parser)
      echo fuzz/resp_parser_fuzzer.cc examples/mini_redis/resp_parser.cc \
        examples/mini_redis/integer.cc ;;
    socket_address)
      echo fuzz/socket_address_fuzzer.cc runtime/net/socket_address.cc \
        executors/platform/posix_sockets.cc executors/platform/socket_options.cc \
        executors/platform/errors.cc ;;
  esac
}

failures=0
summary=()
for target in "${TARGETS[@]}"; do
  binary="$tmp/${target}_fuzzer"
  # shellcheck disable=SC2046  # the source list is meant to split
  if ! "$CLANG" -std=c++20 -O1 -g -fno-omit-frame-pointer \
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
      -I. $(sources_of "$target") "${absl_libs[@]}" -o "$binary" \
      2>"$tmp/$target.build.log"; then
    cat "$tmp/$target.build.log" >&2
    echo "FAIL [$target]: clang++-14 could not build the fuzzer" >&2
    failures=$((failures + 1))
    continue
  fi

  seeds="fuzz/corpus/$target"
  mkdir -p "$work/$target"
  log="$tmp/$target.log"
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
    "$work/$target" "$seeds" >"$log" 2>&1
  status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  corpus=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1)
  line="$target: ${runs:-?} executions in ${seconds} s, ${corpus:-corp: ?}"
  line+=" (seeds: $(ls "$seeds" | wc -l) files), exit status $status"
  summary+=("$line")
  if [ "$status" -ne 0 ]; then
    echo "FAIL [$target]: the fuzzer stopped with status $status; its log:" >&2
    tail -n 60 "$log" >&2
    for crash in "$artifacts/$target"-*; do
      [ -f "$crash" ] || continue
      echo "input $crash:" >&2
      od -c "$crash" | head -n 40 >&2
    done
    failures=$((failures + 1))
  fi
done

printf '%s\n' "${summary[@]}"
if [ "$failures" -ne 0 ]; then
  echo "FAIL: $failures fuzz target(s) failed" >&2
  exit 1
fi
echo "PASS"
