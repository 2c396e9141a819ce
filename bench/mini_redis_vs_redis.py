#!/usr/bin/python3
"""mini_redis against Debian's redis-server, under one redis-benchmark command.

Starts each server on a free loopback port, runs

    redis-benchmark -t set,get,incr,mset -n N -c 50 -P 16 --csv

against it, and prints one table of requests per second (the median over
--rounds) with mini_redis's ratio to redis-server. The rounds are
interleaved (round 1 on every server, then round 2, ...) so that a noisy
stretch of the shared machine does not land on one server only.

Every run is also checked, not just timed: redis-benchmark must exit 0,
print a figure for each of SET, GET, INCR and MSET, and the server must have
counted every INCR (GET counter:__rand_int__ is N, or a little more when N
is not a multiple of the pipeline), so a server that answers errors fast
cannot win.

The mini_redis columns: one per backend (--backends) and runtime flavor
(--flavors). redis-server 7 serves commands on one thread; mini_redis's
current_thread column is the like-for-like one, multi_thread uses --workers
threads (default: one per CPU). redis-benchmark runs on the same machine
and competes for the same CPUs with both.

--wine-mini-redis adds the same columns for a Windows build of mini_redis
(bazel build --config=windows), run under Wine through tools/wine-run and
driven by the same Linux redis-benchmark over loopback, and a second table
of its ratio to the Linux build's column of the same backend and flavor.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
try:
    import backends  # tools/backends.py: the table of executors/backends.bzl
    DEFAULT_BACKENDS = ",".join(backends.backend_names())
except (ImportError, OSError):
    DEFAULT_BACKENDS = None  # outside a checkout (Bazel's runfiles): pass --backends
TARGET = "//examples/mini_redis:mini_redis_every_backend"
ALL_TESTS = ["SET", "GET", "INCR", "MSET"]
TESTS = ALL_TESTS  # --tests narrows it
WINE_RUN = os.path.join(ROOT, "tools", "wine-run")
# redis-benchmark's CSV names MSET after its key count.
CSV_NAMES = {"MSET (10 keys)": "MSET"}


def parse_args():
    parser = argparse.ArgumentParser(
        prog="bench/mini_redis_vs_redis",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__,
        epilog="""examples:
  bench/mini_redis_vs_redis                       3 rounds, -n 200000
  bench/mini_redis_vs_redis --requests 500000 --rounds 5
  bench/mini_redis_vs_redis --backends uring --flavors current_thread
  bench/mini_redis_vs_redis --backends uv --tests set,get --requests 100000 \
      --wine-mini-redis bazel-out/mingw64-opt/bin/examples/mini_redis/mini_redis_every_backend.exe

Without --mini-redis it builds %s with --config=opt first.
""" % TARGET)
    parser.add_argument("--mini-redis",
                        help="a mini_redis binary (default: build it optimized)")
    parser.add_argument("--wine-mini-redis",
                        help="also a Windows build of mini_redis (.exe), run "
                             "under Wine (tools/wine-run)")
    parser.add_argument("--redis-server", default="/usr/bin/redis-server")
    parser.add_argument("--redis-benchmark", default="/usr/bin/redis-benchmark")
    parser.add_argument("--redis-cli", default="/usr/bin/redis-cli")
    parser.add_argument("--backends", default=DEFAULT_BACKENDS,
                        required=DEFAULT_BACKENDS is None,
                        help="mini_redis backends (default %(default)s); one "
                             "the binary does not link is left out, saying so")
    parser.add_argument("--flavors", default="multi_thread,current_thread")
    parser.add_argument("--workers", type=int, default=0,
                        help="mini_redis multi_thread workers (0: one per CPU)")
    parser.add_argument("--requests", "-n", type=int, default=200000,
                        help="redis-benchmark -n (default %(default)s)")
    parser.add_argument("--clients", "-c", type=int, default=50)
    parser.add_argument("--pipeline", "-P", type=int, default=16)
    parser.add_argument("--tests", default="set,get,incr,mset",
                        help="redis-benchmark -t: some of %(default)s")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs per server; the cell is their median")
    parser.add_argument("--json", help="write every figure here as JSON")
    parser.add_argument("--jobs", type=int, default=2, help="bazel --jobs")
    args = parser.parse_args()
    for name in ("requests", "clients", "pipeline", "rounds"):
        if getattr(args, name) < 1:
            parser.error("--%s must be at least 1" % name)
    if args.workers < 0:
        parser.error("--workers must not be negative")
    for flavor in split(args.flavors):
        if flavor not in ("multi_thread", "current_thread"):
            parser.error("--flavors: '%s' is not multi_thread or "
                         "current_thread" % flavor)
    tests = [test.upper() for test in split(args.tests)]
    unknown = [test for test in tests if test not in ALL_TESTS]
    if unknown or not tests:
        parser.error("--tests: '%s' is not some of set,get,incr,mset"
                     % args.tests)
    global TESTS
    TESTS = [test for test in ALL_TESTS if test in tests]
    return args


def split(text):
    return [item for item in text.split(",") if item]


def fail(message):
    print("mini_redis_vs_redis: " + message, file=sys.stderr)
    sys.exit(1)


def build_mini_redis(jobs):
    print("building %s (--config=opt) ..." % TARGET, flush=True)
    build = subprocess.run(["bazel", "build", "--config=opt",
                            "--jobs=%d" % jobs, TARGET], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    if build.returncode != 0:
        fail("bazel build failed:\n" + build.stdout[-4000:])
    info = subprocess.run(["bazel", "info", "--config=opt", "bazel-bin"],
                          cwd=ROOT, capture_output=True, text=True)
    if info.returncode != 0:
        fail("bazel info failed:\n" + info.stderr)
    return os.path.join(info.stdout.strip(), "examples", "mini_redis",
                        "mini_redis_every_backend")


def free_port():
    # redis-server has no "pick a port and tell me" mode: ask the kernel for
    # a free one. Another process could take it before redis-server binds;
    # then redis-server exits and we say so.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One server process on a loopback port; stopped on exit."""

    def __init__(self, name, command, workdir, port=None):
        self.name = name
        self.port = port
        self.stdout_path = os.path.join(workdir, name.replace("/", ".") + ".out")
        self.stderr_path = os.path.join(workdir, name.replace("/", ".") + ".err")
        with open(self.stdout_path, "w") as out, \
                open(self.stderr_path, "w") as err:
            self.process = subprocess.Popen(command, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL)

    def stderr(self):
        with open(self.stderr_path) as err:
            return err.read()

    def wait_until_listening(self, timeout=30.0):
        """The port, once the server accepts connections; None if it exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.port is None:
                with open(self.stdout_path) as out:
                    for line in out:
                        prefix = "mini_redis listening on 127.0.0.1:"
                        if line.startswith(prefix):
                            self.port = int(line[len(prefix):])
            if self.port is not None:
                try:
                    socket.create_connection(("127.0.0.1", self.port),
                                             timeout=1).close()
                    return self.port
                except OSError:
                    pass
            if self.process.poll() is not None:
                return None
            time.sleep(0.05)
        fail("%s did not accept connections within %d s; its stderr:\n%s"
             % (self.name, timeout, self.stderr()))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cli(args, port, *command):
    result = subprocess.run([args.redis_cli, "-h", "127.0.0.1", "-p",
                             str(port)] + list(command),
                            capture_output=True, text=True, timeout=30)
    return result.stdout.strip()


def run_benchmark(args, server):
    """Requests per second for each of TESTS, checked; exits on a bad run."""
    if cli(args, server.port, "FLUSHALL") != "OK":
        fail("%s: FLUSHALL did not answer OK" % server.name)
    command = [args.redis_benchmark, "-h", "127.0.0.1", "-p", str(server.port),
               "-t", ",".join(test.lower() for test in TESTS),
               "-n", str(args.requests),
               "-c", str(args.clients), "-P", str(args.pipeline), "--csv"]
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=600)
    except subprocess.TimeoutExpired:
        fail("%s: redis-benchmark did not finish in 600 s" % server.name)
    if result.returncode != 0 or "rror" in result.stderr:
        fail("%s: redis-benchmark exited with %d:\n%s%s"
             % (server.name, result.returncode, result.stdout, result.stderr))
    rps = {}
    for line in result.stdout.splitlines():
        fields = [field.strip('"') for field in line.split(",")]
        if len(fields) >= 2 and fields[0] != "test":
            rps[CSV_NAMES.get(fields[0], fields[0])] = float(fields[1])
    missing = [test for test in TESTS if test not in rps]
    if missing:
        fail("%s: redis-benchmark printed no figure for %s:\n%s"
             % (server.name, ", ".join(missing), result.stdout))
    if "INCR" not in TESTS:
        return rps
    # redis-benchmark sends whole pipelines, so it may send up to one
    # pipeline per client more than -n.
    counted = cli(args, server.port, "GET", "counter:__rand_int__")
    most = args.requests + args.clients * args.pipeline
    if not (counted.isdigit() and args.requests <= int(counted) < most):
        fail("%s: after %d INCRs (and fewer than %d) the counter is '%s'"
             % (server.name, args.requests, most, counted))
    return rps


def start_servers(args, binary, workdir, servers):
    """Appends each server to servers as soon as it runs (so that a failure
    part-way still stops the ones already started)."""
    port = free_port()
    redis = Server("redis-server", [
        args.redis_server, "--bind", "127.0.0.1", "--port", str(port),
        "--save", "", "--appendonly", "no", "--daemonize", "no",
        "--protected-mode", "no", "--dir", workdir], workdir, port)
    servers.append(redis)
    if redis.wait_until_listening() is None:
        fail("redis-server exited before listening; its stderr:\n"
             + redis.stderr())
    builds = [("mini_redis", [binary])]
    if args.wine_mini_redis:
        builds.append((WINE_PREFIX, [WINE_RUN, args.wine_mini_redis]))
    for name, launcher in builds:
        started = len(servers)
        for backend in split(args.backends):
            for flavor in split(args.flavors):
                command = launcher + ["--address=127.0.0.1:0",
                                      "--backend=" + backend,
                                      "--flavor=" + flavor]
                if flavor == "multi_thread" and args.workers > 0:
                    command.append("--workers=%d" % args.workers)
                server = Server("%s/%s/%s" % (name, backend, flavor), command,
                                workdir)
                servers.append(server)
                # Wine's first start in a fresh prefix sets it up (tools/
                # wine-run): a longer wait.
                if server.wait_until_listening(timeout=120.0) is None:
                    servers.remove(server)
                    if "is not linked" in server.stderr():
                        print("left out: %s: %s" % (server.name,
                                                    server.stderr().strip()))
                        continue
                    fail("%s exited before listening; its stderr:\n%s"
                         % (server.name, server.stderr()))
        if len(servers) == started:
            fail("no mini_redis backend of --backends=%s is linked into %s"
                 % (args.backends, launcher[-1]))


# The Windows build's columns: mini_redis.exe under Wine.
WINE_PREFIX = "wine:mini_redis.exe"


def print_table(servers, medians, args):
    redis = medians["redis-server"]
    header = "%-40s" % "requests/s (median)" + "".join(
        "%12s" % test for test in TESTS)
    print()
    print("redis-benchmark -t %s -n %d -c %d -P %d, median of %d round(s)"
          % (",".join(test.lower() for test in TESTS), args.requests,
             args.clients, args.pipeline, args.rounds))
    print(header)
    print("-" * len(header))
    for server in servers:
        cells = medians[server.name]
        print("%-40s" % server.name + "".join(
            "%12s" % ("{:,.0f}".format(cells[test])) for test in TESTS))
    print()
    print("%-40s" % "ratio to redis-server (>1 faster)" + "".join(
        "%12s" % test for test in TESTS))
    for server in servers[1:]:
        cells = medians[server.name]
        print("%-40s" % server.name + "".join(
            "%12.2f" % (cells[test] / redis[test]) for test in TESTS))
    wine = [server.name for server in servers
            if server.name.startswith(WINE_PREFIX + "/")]
    if wine:
        print()
        print("%-40s" % "ratio Wine to Linux (>1 faster)" + "".join(
            "%12s" % test for test in TESTS))
        for name in wine:
            linux = "mini_redis" + name[len(WINE_PREFIX):]
            if linux not in medians:
                continue
            print("%-40s" % name + "".join(
                "%12.2f" % (medians[name][test] / medians[linux][test])
                for test in TESTS))


def main():
    args = parse_args()
    for tool in (args.redis_server, args.redis_benchmark, args.redis_cli):
        if not os.access(tool, os.X_OK):
            fail("%s not found: install redis-server and redis-tools "
                 "(tools/setup does)" % tool)
    binary = args.mini_redis or build_mini_redis(args.jobs)
    if not os.access(binary, os.X_OK):
        fail("no mini_redis binary at %s" % binary)
    if args.wine_mini_redis and not os.path.isfile(args.wine_mini_redis):
        fail("no Windows mini_redis at %s (bazel build --config=windows "
             "--config=opt %s)" % (args.wine_mini_redis, TARGET))

    workdir = tempfile.mkdtemp(prefix="mini_redis_vs_redis.")
    servers = []
    try:
        start_servers(args, binary, workdir, servers)
        runs = {server.name: [] for server in servers}
        for round_number in range(1, args.rounds + 1):
            for server in servers:
                rps = run_benchmark(args, server)
                runs[server.name].append(rps)
                print("round %d/%d  %-40s %s" % (
                    round_number, args.rounds, server.name, "  ".join(
                        "%s %s" % (test, "{:,.0f}".format(rps[test]))
                        for test in TESTS)), flush=True)
        for server in servers:
            if server.process.poll() is not None:
                fail("%s exited during the benchmark; its stderr:\n%s"
                     % (server.name, server.stderr()))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    medians = {name: {test: statistics.median(run[test] for run in rounds)
                      for test in TESTS}
               for name, rounds in runs.items()}
    print_table(servers, medians, args)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({
                "date": datetime.datetime.now().isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count(),
                            "kernel": platform.release()},
                "command": "redis-benchmark -t %s -n %d -c %d -P %d --csv"
                           % (",".join(test.lower() for test in TESTS),
                              args.requests, args.clients, args.pipeline),
                "rounds": args.rounds,
                "requests_per_second": runs,
                "median": medians,
            }, out, indent=2)
        print("\nwrote " + args.json)


if __name__ == "__main__":
    main()
