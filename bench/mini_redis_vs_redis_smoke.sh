#!/bin/bash
# bench/mini_redis_vs_redis, small: every backend and flavor of mini_redis and
# redis-server each take one short redis-benchmark run, so that the
# comparison is known to work (its figures mean nothing at this size).
#
#   mini_redis_vs_redis_smoke.sh path/to/mini_redis_vs_redis.py path/to/mini_redis BACKENDS
#
# BACKENDS: comma-separated, every backend of executors/backends.bzl (the
# BUILD file passes them).
set -uo pipefail

usage="usage: mini_redis_vs_redis_smoke.sh SCRIPT MINI_REDIS BACKENDS"
script=${1:?$usage}
binary=${2:?$usage}
backends=${3:?$usage}
json=${TEST_TMPDIR:-$(mktemp -d)}/mini_redis_vs_redis.json

/usr/bin/python3 "$script" --mini-redis "$binary" --backends "$backends" \
  --requests 5000 --rounds 1 --json "$json" || exit 1

# The JSON has redis-server and a mini_redis column per backend and flavor,
# each with a positive figure for every test.
/usr/bin/python3 - "$json" "$backends" <<'PY' || exit 1
import json, sys
medians = json.load(open(sys.argv[1]))["median"]
expected = {"redis-server"} | {
    "mini_redis/%s/%s" % (backend, flavor)
    for backend in sys.argv[2].split(",")
    for flavor in ("multi_thread", "current_thread")}
if set(medians) != expected:
    sys.exit("columns: expected %s, got %s" % (sorted(expected), sorted(medians)))
for name, cells in medians.items():
    for test in ("SET", "GET", "INCR", "MSET"):
        if not cells.get(test, 0) > 0:
            sys.exit("%s: no positive %s figure: %s" % (name, test, cells))
PY
echo PASS
