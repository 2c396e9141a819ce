#!/bin/bash
# Runs the benchmarks of one bench_<backend> binary that match a filter,
# once and briefly, and fails if any reports an error or none ran. Timing is
# never checked here.
#
#   bench_smoke.sh BINARY FILTER
set -euo pipefail
binary=$1
filter=$2
out=$("$binary" --benchmark_filter="$filter" --benchmark_min_time=0.01 \
  --benchmark_format=json)
if grep -q '"error_occurred": true' <<<"$out"; then
  echo "$out" >&2
  echo "bench_smoke: a benchmark reported an error (above)" >&2
  exit 1
fi
if ! grep -q '"items_per_second"' <<<"$out"; then
  echo "$out" >&2
  echo "bench_smoke: no benchmark matched $filter" >&2
  exit 1
fi
echo "bench_smoke: $(grep -c '"run_name"' <<<"$out") benchmark(s) ran"
