#!/usr/bin/env python3
"""How much memory mini_redis holds for requests that never complete.

    query_buffer_rss.py path/to/mini_redis [mini_redis flags...]

Starts mini_redis on 127.0.0.1 port 0, opens CLIENTS connections that each
send "*1048576\\r\\n" followed by 1,048,575 empty arguments ("$0\\r\\n\\r\\n",
about 6.3 MB; the array is never completed), then prints the server's VmRSS
(from /proc/<pid>/status) before, at its peak while the clients send, and once
it has settled. Each connection is kept open until the end, so that a server
without a limit has to hold every partial request at once; with a limit, the
server replies with an error and closes the connection, and the client stops
sending.

The reproduction of "memory per client is unbounded" (examples/mini_redis);
used by hand with an optimized build, e.g.

    bazel build --jobs=2 --config=opt //examples/mini_redis
    examples/mini_redis/query_buffer_rss.py bazel-bin/examples/mini_redis/mini_redis
"""

import re
import socket
import subprocess
import sys
import threading
import time

CLIENTS = 4
ARGUMENTS = 1048576


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


def payload():
    return b"*%d\r\n" % ARGUMENTS + b"$0\r\n\r\n" * (ARGUMENTS - 1)


def client(port, data, results, index):
    sock = socket.create_connection(("127.0.0.1", port))
    sent = 0
    try:
        view = memoryview(data)
        while sent < len(data):
            sent += sock.send(view[sent:sent + 65536])
        outcome = "sent everything"
    except OSError as error:  # the server closed the connection
        outcome = f"stopped: {error.strerror}"
    reply = b""
    sock.settimeout(0.5)
    try:
        reply = sock.recv(4096)
    except OSError:
        pass
    results[index] = (sock, sent, outcome, reply)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    server = subprocess.Popen(
        [sys.argv[1], "--address=127.0.0.1:0"] + sys.argv[2:],
        stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        match = re.match(r"mini_redis listening on 127\.0\.0\.1:(\d+)", line)
        if not match:
            sys.exit(f"unexpected first line from mini_redis: {line!r}")
        port = int(match.group(1))
        before = vm_rss_kb(server.pid)

        data = payload()
        results = [None] * CLIENTS
        threads = [
            threading.Thread(target=client, args=(port, data, results, i))
            for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        peak = before
        while any(thread.is_alive() for thread in threads):
            peak = max(peak, vm_rss_kb(server.pid))
            time.sleep(0.01)
        # The server may still be parsing what the sockets buffered: wait
        # until its RSS stops changing.
        settled = vm_rss_kb(server.pid)
        for _ in range(100):
            time.sleep(0.1)
            now = vm_rss_kb(server.pid)
            peak = max(peak, now)
            if now == settled:
                break
            settled = now

        print(f"payload per client: {len(data)} bytes, {CLIENTS} clients")
        for index, (sock, sent, outcome, reply) in enumerate(results):
            print(f"  client {index}: sent {sent} bytes ({outcome}); "
                  f"reply {reply.strip().decode(errors='replace')!r}")
            sock.close()
        print(f"server VmRSS: before {before / 1024:.1f} MB, "
              f"peak {peak / 1024:.1f} MB, settled {settled / 1024:.1f} MB")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
