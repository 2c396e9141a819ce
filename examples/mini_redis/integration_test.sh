#!/bin/bash
# mini_redis against real Redis clients: Debian's redis-cli and
# redis-benchmark (package redis-tools, installed by tools/setup).
#
#   integration_test.sh path/to/mini_redis
#
# For every backend given and every runtime flavor in FLAVORS, starts
# mini_redis on 127.0.0.1 port 0 (the real port comes from its "mini_redis
# listening on ..." line), then checks:
#   * redis-cli round trips return the right values (SET/GET, INCR/DECR,
#     EXPIRE/TTL, MSET/MGET, DEL/EXISTS, KEYS, PING, ECHO, an unknown
#     command, FLUSHALL) and an inline command over a raw socket works;
#   * lists, sets, hashes and sorted sets answer redis-cli as redis-server
#     7.0 does (the expected outputs below were taken from it), including
#     WRONGTYPE, TYPE, pops with counts, negative LRANGE indexes, expiry
#     of an aggregate and the removal of an emptied one;
#   * malformed frames sent over raw sockets (bash's /dev/tcp) get
#     "-ERR Protocol error: ..." and that connection is closed, while
#     another connection keeps working;
#   * the query buffer limit (mini_redis runs with --query_buffer_limit at
#     Redis's minimum, 1 MB): redis-cli stores a value that just fits and
#     gets the protocol error for one byte more, and a raw socket that
#     announces a million arguments is refused at once;
#   * `redis-benchmark -t set,get,incr,mset -n 20000 -c 50 -P 16 -q`
#     finishes with exit status 0, no error, a "requests per second" line
#     for each of SET, GET, INCR and MSET, and every one of its INCRs
#     counted;
#   * a full default `redis-benchmark -n 2000 -q` (every test, no -t)
#     finishes with status 0, no error and a requests-per-second line for
#     each of its 20 tests, and leaves the keys Redis would;
#   * publish/subscribe: redis-cli SUBSCRIBE and PSUBSCRIBE processes get
#     what redis-cli PUBLISH sends (with the receiver counts redis-server
#     gives), and their subscriptions end when they exit;
#   * SAVE writes --dir's dump, and a restarted server loads every type
#     and deadline from it;
#   * the server is still running afterwards and logged no sanitizer report.
# A backend that the binary does not link is skipped, with mini_redis's own
# message saying so; if no listed backend is linked, the test fails.
set -uo pipefail

FLAVORS=(multi_thread current_thread)

# Redis's smallest client-query-buffer-limit, 1 MB.
QUERY_BUFFER_LIMIT=1048576

# Absolute paths: Bazel runs tests with a minimal PATH.
REDIS_CLI=/usr/bin/redis-cli
REDIS_BENCHMARK=/usr/bin/redis-benchmark

usage="usage: integration_test.sh path/to/mini_redis BACKEND..."
binary=${1:?$usage}
shift
# The backends to test: every row of executors/backends.bzl (the BUILD file
# passes them).
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || { echo "$usage" >&2; exit 2; }
tmp=${TEST_TMPDIR:-$(mktemp -d)}

# A Windows build's mini_redis.exe runs under Wine, through the
# tools/wine-run that started this script (--config=windows's --run_under,
# which names itself in WEFT_WINE_RUN), while redis-cli, redis-benchmark and
# bash's /dev/tcp talk to it from Linux over loopback. Its output then ends
# lines with CRLF.
launcher=()
case "$binary" in
  *.exe) launcher=("${WEFT_WINE_RUN:?$binary is a Windows program: run it with bazel test --config=windows}") ;;
esac

for tool in "$REDIS_CLI" "$REDIS_BENCHMARK"; do
  if [ ! -x "$tool" ]; then
    echo "FAIL: $tool not found: install redis-tools (tools/setup does)" >&2
    exit 1
  fi
done

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}
trap stop_server EXIT

failures=0
fail() {
  echo "FAIL [$label]: $*" >&2
  failures=$((failures + 1))
}

# cli ARGS...: one redis-cli command against the server under test; its
# output in raw form (no "(integer)" decoration: stdout is not a tty).
cli() {
  timeout 10 "$REDIS_CLI" -h 127.0.0.1 -p "$port" "$@" 2>&1
}

# expect EXPECTED ARGS...: the command's output must be EXPECTED.
expect() {
  local expected=$1
  shift
  local got
  got=$(cli "$@")
  if [ "$got" != "$expected" ]; then
    fail "redis-cli $*: expected '$expected', got '$got'"
  fi
}

# expect_one_of "A|B" ARGS...: the output must be one of the alternatives.
expect_one_of() {
  local alternatives=$1
  shift
  local got
  got=$(cli "$@")
  case "|$alternatives|" in
    *"|$got|"*) ;;
    *) fail "redis-cli $*: expected one of '$alternatives', got '$got'" ;;
  esac
}

# Starts mini_redis; sets server_pid and port. Returns 2 when the backend is
# not linked into the binary, 1 on any other failure.
start_server() {
  local backend=$1 flavor=$2
  local out="$tmp/server.$backend.$flavor.out"
  err="$tmp/server.$backend.$flavor.err"
  dump_dir="$tmp/dump.$backend.$flavor"
  mkdir -p "$dump_dir"
  # Emptied here, not only by the redirections below: those happen in the
  # background child, which a loaded machine may run after the loop below
  # has read the previous server's "listening" line (a restart reuses these
  # files), and the test would then talk to the old, stopped server's port.
  : >"$out"
  : >"$err"
  ${launcher[@]+"${launcher[@]}"} "$binary" --address=127.0.0.1:0 \
    --backend="$backend" --flavor="$flavor" \
    --query_buffer_limit="$QUERY_BUFFER_LIMIT" --dir="$dump_dir" \
    >"$out" 2>"$err" &
  server_pid=$!
  port=""
  for _ in $(seq 1 300); do
    port=$(sed -n 's/^mini_redis listening on 127\.0\.0\.1:\([0-9][0-9]*\)\r\{0,1\}$/\1/p' "$out")
    [ -n "$port" ] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      wait "$server_pid" 2>/dev/null
      server_pid=""
      if grep -q "is not linked" "$err"; then return 2; fi
      echo "mini_redis exited before listening; its stderr:" >&2
      cat "$err" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "mini_redis did not print its listening line within 30 s" >&2
  return 1
}

round_trips() {
  expect "PONG" PING
  expect "hello world" ECHO "hello world"
  expect "OK" SET greeting hello
  expect "hello" GET greeting
  expect "" GET missing

  expect "1" INCR counter
  expect "2" INCR counter
  expect "3" INCR counter
  expect "2" DECR counter
  expect "ERR value is not an integer or out of range" INCR greeting

  expect "OK" SET session token EX 100
  expect_one_of "100|99" TTL session
  expect "-1" TTL greeting
  expect "-2" TTL missing
  expect "1" EXPIRE greeting 50
  expect_one_of "50|49" TTL greeting
  expect "0" EXPIRE missing 50
  expect "OK" SET short lived PX 200
  sleep 0.5
  expect "" GET short
  expect "0" EXISTS short
  expect "-2" TTL short

  expect "OK" MSET a 1 b 2 c 3
  expect $'1\n2\n\n3' MGET a b nokey c
  expect "2" DEL a b nokey
  expect "1" EXISTS a b c
  expect "2" EXISTS c c

  expect "OK" MSET user:1 x user:2 y other z
  local keys
  keys=$(cli KEYS 'user:*' | sort)
  [ "$keys" = $'user:1\nuser:2' ] || fail "KEYS user:*: got '$keys'"
  expect "other" KEYS 'o?h[a-z]r'

  expect "ERR unknown command 'FOOBAR', with args beginning with: 'x' 'y z' " \
    FOOBAR x "y z"

  expect "OK" FLUSHALL
  expect "0" DBSIZE
  expect "" KEYS '*'
}

# The data types beyond strings. Every expected output is what redis-cli
# printed for the same command against redis-server 7.0.15.
data_types() {
  expect "5" RPUSH list a b c d e
  expect "7" LPUSH list z y
  expect $'y\nz\na\nb\nc\nd\ne' LRANGE list 0 -1
  expect $'c\nd\ne' LRANGE list -3 -1
  expect $'y\nz' LRANGE list -100 1
  expect "" LRANGE list 5 2
  expect "7" LLEN list
  expect "y" LPOP list
  expect "e" RPOP list
  expect $'z\na' LPOP list 2
  expect $'d\nc' RPOP list 2
  expect "" LPOP nolist
  expect "ERR value is out of range, must be positive" LPOP list -1
  expect "ERR value is not an integer or out of range" LRANGE list x 1
  expect "ERR wrong number of arguments for 'lpush' command" LPUSH list
  expect "list" TYPE list
  expect "1" EXPIRE list 100
  expect_one_of "100|99" TTL list
  expect $'b' RPOP list 5
  # The emptied list is gone, expiry and all.
  expect "0" EXISTS list
  expect "-2" TTL list
  expect "none" TYPE list

  expect "3" SADD set a b c a
  expect "3" SCARD set
  expect "1" SISMEMBER set a
  expect "0" SISMEMBER set q
  expect "1" SREM set a q
  local members
  members=$(cli SMEMBERS set | sort)
  [ "$members" = $'b\nc' ] || fail "SMEMBERS set: got '$members'"
  expect_one_of "b|c" SPOP set
  expect "1" SCARD set
  expect "ERR syntax error" SPOP set 1 2
  expect "ERR value is out of range, must be positive" SPOP set x
  expect_one_of "b|c" SPOP set 5
  expect "none" TYPE set
  expect "" SPOP set

  expect "2" HSET hash f1 v1 f2 v2
  expect "1" HSET hash f1 w1 f3 v3
  expect "w1" HGET hash f1
  expect "" HGET hash nofield
  expect "3" HLEN hash
  expect "ERR wrong number of arguments for 'hset' command" HSET hash f1
  expect "2" HDEL hash f1 f2 nofield
  expect $'f3\nv3' HGETALL hash
  expect "hash" TYPE hash
  expect "1" HDEL hash f3
  expect "0" EXISTS hash

  expect "3" ZADD zset 1 a 2 b 1.5 c
  expect "0" ZADD zset 3 a
  expect "1.5" ZSCORE zset c
  expect "1" ZADD zset 1.1 d
  expect "1.1000000000000001" ZSCORE zset d
  expect "4" ZCARD zset
  expect $'d\nc\nb\na' ZRANGE zset 0 -1
  expect $'b\n2\na\n3' ZRANGE zset -2 -1 WITHSCORES
  expect "ERR value is not a valid float" ZADD zset x a
  expect "ERR syntax error" ZADD zset 1 a 2
  expect $'d\n1.1000000000000001' ZPOPMIN zset
  expect $'c\n1.5\nb\n2' ZPOPMIN zset 2
  expect "zset" TYPE zset
  expect $'a\n3' ZPOPMIN zset 9
  expect "0" EXISTS zset
  expect "" ZPOPMIN zset

  local wrongtype="WRONGTYPE Operation against a key holding the wrong kind of value"
  expect "OK" SET str v
  expect "$wrongtype" LPUSH str a
  expect "$wrongtype" SADD str a
  expect "$wrongtype" HGET str f
  expect "$wrongtype" ZSCORE str a
  expect "1" RPUSH list a
  expect "$wrongtype" GET list
  expect "$wrongtype" INCR list
  expect $'\nv' MGET list str
  expect "2" DEL str list
  expect "OK" FLUSHALL
}

# Sends FRAME (printf format) on a connection of its own and expects the
# reply line EXPECTED, then the server closing the connection: EOF (read
# status 1), not a timeout (status > 128). WHAT names the case in failures.
expect_reply_then_close() {
  local what=$1 frame=$2 expected=$3 line status
  exec 6<>"/dev/tcp/127.0.0.1/$port" || { fail "$what: cannot connect"; return; }
  printf "$frame" >&6
  IFS= read -r -t 10 line <&6
  [ "$line" = "$expected"$'\r' ] ||
    fail "$what: expected '$expected', got '$line'"
  IFS= read -r -t 10 line <&6
  status=$?
  [ "$status" -eq 1 ] && [ -z "$line" ] ||
    fail "$what: connection not closed (read status $status, '$line')"
  exec 6<&-
}

# Raw sockets (bash's /dev/tcp): an inline command, then malformed frames,
# each on its own connection, while another connection stays usable.
raw_protocol() {
  local line
  exec 5<>"/dev/tcp/127.0.0.1/$port" || { fail "cannot connect"; return; }
  printf 'PING\r\nECHO "two words"\r\n' >&5
  IFS= read -r -t 10 line <&5
  [ "$line" = $'+PONG\r' ] || fail "inline PING: got '$line'"
  IFS= read -r -t 10 line <&5
  [ "$line" = $'$9\r' ] || fail "inline ECHO header: got '$line'"
  IFS= read -r -t 10 line <&5
  [ "$line" = $'two words\r' ] || fail "inline ECHO body: got '$line'"

  local frame expected
  for case_number in 1 2 3 4; do
    case $case_number in
      1) frame='*1\r\n$abc\r\n'
         expected='-ERR Protocol error: invalid bulk length' ;;
      2) frame='*2\r\n$3\r\nGET\r\n!1\r\nx\r\n'
         expected="-ERR Protocol error: expected '\$', got '!'" ;;
      3) frame='*1\r\n$536870913\r\n'
         expected='-ERR Protocol error: invalid bulk length' ;;
      4) frame='*x\r\n'
         expected='-ERR Protocol error: invalid multibulk length' ;;
    esac
    expect_reply_then_close "malformed frame $case_number" "$frame" "$expected"

    # The other connection still works.
    printf 'PING\r\n' >&5
    IFS= read -r -t 10 line <&5
    [ "$line" = $'+PONG\r' ] ||
      fail "after malformed frame $case_number: other connection got '$line'"
  done
  exec 5<&-
}

# SET big <value> holds three std::strings (32 bytes each in libstdc++; SET
# and big fit in theirs) and the value with its CRLF: the largest value that
# fits is the limit less 98 bytes.
query_buffer_limit() {
  local fits=$((QUERY_BUFFER_LIMIT - 2 - 3 * 32))
  head -c "$fits" /dev/zero | tr '\0' v >"$tmp/fits"
  head -c $((fits + 1)) /dev/zero | tr '\0' v >"$tmp/over"
  expect "OK" -x SET big <"$tmp/fits"
  local value
  value=$(cli GET big)
  [ ${#value} -eq "$fits" ] ||
    fail "GET big after a SET just under the limit: ${#value} bytes, not $fits"
  expect "ERR Protocol error: query buffer limit of $QUERY_BUFFER_LIMIT bytes exceeded" \
    -x SET big <"$tmp/over"
  expect "1" DEL big

  # A million empty arguments would hold 32 MB of std::strings: refused on
  # the count, then the connection is closed.
  expect_reply_then_close "a million arguments" '*1048576\r\n$0\r\n\r\n' \
    "-ERR Protocol error: query buffer limit of $QUERY_BUFFER_LIMIT bytes exceeded"
}

benchmark() {
  local output status
  output=$(timeout 300 "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" \
    -t set,get,incr,mset -n 20000 -c 50 -P 16 -q 2>&1)
  status=$?
  # -q rewrites one line with \r while it runs; keep the final lines.
  output=$(printf '%s\n' "$output" | tr '\r' '\n' | grep -v 'rps=' | grep -v '^$')
  echo "redis-benchmark [$label]:"
  printf '%s\n' "$output" | sed 's/^/  /'
  [ "$status" -eq 0 ] || fail "redis-benchmark exited with status $status"
  # Here-strings, not pipes: under pipefail, grep -q leaving early can fail
  # the printf that feeds it.
  if grep -qE 'ERR|Error|error|WARNING' <<<"$output"; then
    fail "redis-benchmark reported errors"
  fi
  for test_name in SET GET INCR 'MSET \(10 keys\)'; do
    grep -qE "^ *$test_name: [0-9.]+ requests per second" <<<"$output" ||
      fail "redis-benchmark printed no requests-per-second line for $test_name"
  done
  # Every INCR of the benchmark's 50 connections was counted.
  expect "20000" GET 'counter:__rand_int__'
  # Its SETs stored 3-byte values (-d 3, the default).
  local value
  value=$(cli GET 'key:__rand_int__')
  [ ${#value} -eq 3 ] || fail "GET key:__rand_int__ after the benchmark: '$value'"
}

# The whole default run of redis-benchmark (every test it knows, lists,
# sets, hashes and sorted sets included), small enough to stay quick.
default_benchmark() {
  local output status
  expect "OK" FLUSHALL
  output=$(timeout 300 "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" -n 2000 -q 2>&1)
  status=$?
  output=$(printf '%s\n' "$output" | tr '\r' '\n' | grep -v 'rps=' | grep -v '^ *$')
  echo "redis-benchmark default run [$label]:"
  printf '%s\n' "$output" | sed 's/^/  /'
  [ "$status" -eq 0 ] || fail "default redis-benchmark exited with status $status"
  if grep -qE 'ERR|Error|error|WARNING|WRONGTYPE' <<<"$output"; then
    fail "default redis-benchmark reported errors"
  fi
  local test_name
  for test_name in PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH LPOP RPOP \
    SADD HSET SPOP ZADD ZPOPMIN 'LPUSH \(needed to benchmark LRANGE\)' \
    'LRANGE_100 \(first 100 elements\)' 'LRANGE_300 \(first 300 elements\)' \
    'LRANGE_500 \(first 500 elements\)' 'LRANGE_600 \(first 600 elements\)' \
    'MSET \(10 keys\)'; do
    grep -qE "^ *$test_name: [0-9.]+ requests per second" <<<"$output" ||
      fail "default redis-benchmark printed no requests-per-second line for $test_name"
  done
  local lines
  lines=$(grep -c 'requests per second' <<<"$output")
  [ "$lines" -eq 20 ] ||
    fail "default redis-benchmark: $lines requests-per-second lines, expected 20"
  # What redis-server 7.0 holds after the same run: the LRANGE list, one
  # hash field, and the set and sorted set popped empty (so gone).
  expect "2000" LLEN mylist
  expect "1" HLEN myhash
  expect "none" TYPE myset
  expect "none" TYPE myzset
}

# wait_for_output FILE EXPECTED: waits (10 s at most) until FILE holds
# exactly EXPECTED, and fails otherwise.
wait_for_output() {
  local file=$1 expected=$2
  for _ in $(seq 1 100); do
    [ "$(cat "$file")" = "$expected" ] && return 0
    sleep 0.1
  done
  fail "expected '$expected' in $file, got '$(cat "$file")'"
  return 1
}

# wait_for_receivers CHANNEL N: PUBLISHes to CHANNEL (10 s at most) until N
# receivers get it, and fails otherwise.
wait_for_receivers() {
  local channel=$1 wanted=$2 got=""
  for _ in $(seq 1 100); do
    got=$(cli PUBLISH "$channel" probe)
    [ "$got" = "$wanted" ] && return 0
    sleep 0.1
  done
  fail "PUBLISH $channel: expected $wanted receivers, got '$got'"
}

# Two redis-cli subscribers (a channel and a pattern) and redis-cli
# PUBLISH; the expected outputs are what redis-cli prints against
# redis-server 7.0.
pubsub() {
  local sub_out="$tmp/subscribe.$backend.$flavor.out"
  local psub_out="$tmp/psubscribe.$backend.$flavor.out"
  timeout 20 "$REDIS_CLI" -h 127.0.0.1 -p "$port" SUBSCRIBE news >"$sub_out" 2>&1 &
  local sub=$!
  wait_for_output "$sub_out" $'subscribe\nnews\n1'
  timeout 20 "$REDIS_CLI" -h 127.0.0.1 -p "$port" PSUBSCRIBE 'n*' >"$psub_out" 2>&1 &
  local psub=$!
  wait_for_output "$psub_out" $'psubscribe\nn*\n1'
  expect "2" PUBLISH news hello
  expect "1" PUBLISH nothing "just the pattern"
  expect "0" PUBLISH other lost
  wait_for_output "$sub_out" $'subscribe\nnews\n1\nmessage\nnews\nhello'
  wait_for_output "$psub_out" \
    $'psubscribe\nn*\n1\npmessage\nn*\nnews\nhello\npmessage\nn*\nnothing\njust the pattern'
  # Subscribers that exit are no longer counted.
  kill "$sub" 2>/dev/null
  wait "$sub" 2>/dev/null
  wait_for_receivers news 1
  kill "$psub" 2>/dev/null
  wait "$psub" 2>/dev/null
  wait_for_receivers news 0
  expect "ERR wrong number of arguments for 'publish' command" PUBLISH news
}

# SAVE, then a restart on the same --dir: every type and the deadline come
# back from the dump.
save_restart() {
  expect "OK" FLUSHALL
  expect "OK" SET kept value
  expect "3" RPUSH kept:list a b c
  expect "2" SADD kept:set x y
  expect "2" HSET kept:hash f1 v1 f2 v2
  expect "2" ZADD kept:zset 1.5 m 2 n
  expect "OK" SET kept:ttl v EX 100
  expect "OK" SAVE
  [ -s "$dump_dir/mini_redis.dump" ] ||
    fail "SAVE wrote no $dump_dir/mini_redis.dump"
  stop_server
  if grep -q 'Sanitizer' "$err"; then
    fail "sanitizer report in mini_redis's stderr before the restart"
    cat "$err" >&2
  fi
  start_server "$backend" "$flavor" || { fail "mini_redis did not restart"; return; }
  grep -q "loaded 6 keys from $dump_dir/mini_redis.dump" "$err" ||
    fail "the restarted server did not say it loaded 6 keys: $(cat "$err")"
  expect "6" DBSIZE
  expect "value" GET kept
  expect $'a\nb\nc' LRANGE kept:list 0 -1
  local members
  members=$(cli SMEMBERS kept:set | sort)
  [ "$members" = $'x\ny' ] || fail "SMEMBERS kept:set after restart: '$members'"
  members=$(cli HGETALL kept:hash | paste - - | sort)
  [ "$members" = $'f1\tv1\nf2\tv2' ] ||
    fail "HGETALL kept:hash after restart: '$members'"
  expect $'m\n1.5\nn\n2' ZRANGE kept:zset 0 -1 WITHSCORES
  expect_one_of "100|99|98|97|96|95" TTL kept:ttl
}

ran=()
skipped=()
for backend in "${BACKENDS[@]}"; do
  for flavor in "${FLAVORS[@]}"; do
    label="$backend/$flavor"
    start_server "$backend" "$flavor"
    case $? in
      0) ;;
      2) echo "SKIP [$label]: $(grep 'is not linked' "$err")"
         skipped+=("$label")
         continue ;;
      *) fail "mini_redis did not start"
         continue ;;
    esac
    echo "[$label] mini_redis on port $port ($(head -n 1 "$err"))"
    before=$failures
    round_trips
    data_types
    raw_protocol
    query_buffer_limit
    benchmark
    default_benchmark
    pubsub
    save_restart
    if ! kill -0 "$server_pid" 2>/dev/null; then
      fail "mini_redis is no longer running"
    fi
    stop_server
    if grep -q 'Sanitizer' "$err"; then
      fail "sanitizer report in mini_redis's stderr"
    fi
    if [ "$failures" -ne "$before" ]; then
      echo "mini_redis stderr [$label]:" >&2
      cat "$err" >&2
    fi
    ran+=("$label")
  done
done

echo "ran: ${ran[*]:-none}; skipped: ${skipped[*]:-none}"
if [ ${#ran[@]} -eq 0 ]; then
  echo "FAIL: no backend in BACKENDS (${BACKENDS[*]}) is linked into mini_redis" >&2
  exit 1
fi
if [ "$failures" -ne 0 ]; then
  echo "FAIL: $failures check(s) failed" >&2
  exit 1
fi
echo "PASS"
