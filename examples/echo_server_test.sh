#!/bin/bash
# Starts the echo server on a free port, sends it two lines over one
# connection (bash's /dev/tcp) and checks that both come back.
set -u
server=$1
# A Windows build's program (.exe) runs under Wine, through the
# tools/wine-run that started this script (--config=windows's --run_under,
# which names itself in WEFT_WINE_RUN); its output then ends lines
# with CRLF.
launcher=()
case "$server" in
  *.exe) launcher=("${WEFT_WINE_RUN:?$server is a Windows program: run it with bazel test --config=windows}") ;;
esac
out=$(mktemp)
${launcher[@]+"${launcher[@]}"} "$server" 127.0.0.1:0 >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$out"' EXIT

port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/^echo server on 127\.0\.0\.1:\([0-9]*\)\r\{0,1\}$/\1/p' "$out")
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "the server never said where it listens:" >&2
  cat "$out" >&2
  exit 1
fi

exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'hello weft\nsecond line\n' >&3
read -r -t 10 first <&3
read -r -t 10 second <&3
exec 3>&-
echo "echoed: $first / $second"
[ "$first" = "hello weft" ] && [ "$second" = "second line" ] || {
  echo "the echo differs from what was sent" >&2
  exit 1
}
