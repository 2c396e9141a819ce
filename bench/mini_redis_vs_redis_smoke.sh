#!/bin/bash
# bench/mini_redis_vs_redis, small: every backend and flavor of mini_redis and
# redis-server each take one short redis-benchmark run, so that the
# comparison is known to work (its figures mean nothing at this size).
#
#   mini_redis_vs_redis_smoke.sh path/to/mini_redis_vs_redis.py path/to/mini_redis
set -uo pipefail

script=${1:?usage: mini_redis_vs_redis_smoke.sh SCRIPT MINI_REDIS}
binary=${2:?usage: mini_redis_vs_redis_smoke.sh SCRIPT MINI_REDIS}
json=${TEST_TMPDIR:-$(mktemp -d)}/mini_redis_vs_redis.json

/usr/bin/python3 "$script" --mini-redis "$binary" --requests 5000 \
  --rounds 1 --json "$json" || exit 1

# The JSON has redis-server and six mini_redis columns (three backends, two
# flavors), each with a positive figure for every test.
/usr/bin/python3 - "$json" <<'PY' || exit 1
import json, sys
medians = json.load(open(sys.argv[1]))["median"]
expected = {"redis-server"} | {
    "mini_redis/%s/%s" % (backend, flavor)
    for backend in ("uring", "epoll", "uv")
    for flavor in ("multi_thread", "current_thread")}
if set(medians) != expected:
    sys.exit("columns: expected %s, got %s" % (sorted(expected), sorted(medians)))
for name, cells in medians.items():
    for test in ("SET", "GET", "INCR", "MSET"):
        if not cells.get(test, 0) > 0:
            sys.exit("%s: no positive %s figure: %s" % (name, test, cells))
PY
echo PASS
