#!/usr/bin/python3
"""tools/compare: every BENCH.md workload on every weft backend, one table.

Builds the benchmark suites (//bench:bench_<backend>, --config=opt), runs
every workload of docs/BENCH.md on every backend -- and with --peers on
tokio (bench/peers/tokio) and Boost.Asio (bench/peers/asio) -- and prints
one table: rows are workloads, columns are backends (and peers), cells are
the median ns per op over the rounds, each with the spread of its rounds and
its ratio to the best column of its row (1.00 = the best). It also writes
the same figures as a chart (PNG, matplotlib) and as JSON.

Spread: the rounds of a cell do not always agree (on a shared 2-core machine
some cells are bimodal), so every cell reports min, q1, median, q3 and max
over its rounds (compare.json), and the table shows the median with
±P%, P = 100 * (max - min) / (2 * median): half the range of the rounds,
relative to the median. A cell is FLAGGED, with a `~` after it, when its
rounds disagree by more than 25%: (max - min) / median > 0.25 (so P > 12.5,
P being half the range). The range, not the interquartile range, decides:
with 5 to 7 rounds the quartiles ignore up to two rounds at each end, and a
second mode that shows up in one or two rounds is what the flag is for. A
ratio column that divides a flagged cell (or by one) is flagged the same way
(e.g. `1.02~`). A cell of one round (memory_per_task with --quick) has no
spread and shows none.

How it measures (docs/BENCH.md; bench/workloads.cc,
bench/peers/tokio/src/main.rs and bench/peers/asio/asio_peer.cc are the
sides):
  * Rounds are interleaved: round r runs the workload once on every column
    before round r+1 starts, the column order rotating from round to round,
    so that load from other processes on a shared machine hits all columns
    alike. The cell is the median over the rounds.
  * The ratio columns: best weft/tokio and best weft/asio divide the best
    weft backend's median by the peer's (below 1: weft is faster).
  * A weft run is one process: `bench_<backend> --benchmark_filter=<workload>
    --benchmark_min_time=T`; it builds a 2-worker (or 1-worker) runtime, does
    one untimed warm-up run, then times as many runs as fit in T (at least
    one) and reports their mean ns/op.
  * A tokio run is one process: `tokio-peer <workload> --in-task --reps R`;
    it builds a 2-worker (or 1-worker) runtime, does one untimed warm-up
    run, as weft does, then reports the median of R timed runs (R = 1 and
    no warm-up for tcp_echo and memory_per_task, as on weft).
  * An asio run is the same with `asio-peer` (bench/peers/asio, built with
    Bazel --config=opt like the suites): N threads running one io_context.
    The rows Asio 1.18 (Boost 1.74) cannot express -- no channels, no task
    cancellation, no file I/O, no blocking pool -- are n/a in its column; the
    peer says why, and the table's footnotes and compare.json repeat it.
  * memory_per_task's cell is bytes per parked task (RSS growth / 1,000,000),
    measured in a fresh process each time.

Output: progress lines on stdout while running (one per workload and round,
each column's figure appended as it finishes), then the table; the files
go to --out (default bench/results/<date>-<time>/, with bench/results/latest
pointing at the newest): compare.json (every sample, medians, ratios, the
machine), compare.png (the chart), table.txt (the table), runs.log (every
command and its stderr).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import textwrap
import time

import backends

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BACKENDS = backends.backend_names()  # executors/backends.bzl
DEFAULT_PEER_DIR = os.path.join(ROOT, "bench", "peers", "tokio")
# The peer columns --peers adds, in this order; every other column is weft.
PEERS = ["tokio", "asio"]
ASIO_TARGET = "//bench/peers/asio:asio-peer"

# (workload, workers): the rows, in BENCH.md's order.
ROWS = [
    ("spawn_many", 2),
    ("spawn_many", 1),
    ("joinset_many", 2),
    ("yield_many", 2),
    ("yield_many", 1),
    ("chained_spawn", 2),
    ("ping_pong", 2),
    ("spawn_blocking_many", 2),
    ("sleep_many", 2),
    ("abort_many", 2),
    ("tcp_echo", 2),
    ("mpsc_unbounded", 2),
    ("broadcast_fanout", 2),
    ("fs_read", 2),
    ("fs_write_fsync", 2),
    ("memory_per_task", 2),
]
# Workloads whose peer run is a single repetition (no warm-up on any side).
SINGLE_REP = {"tcp_echo", "memory_per_task"}
RUN_TIMEOUT_S = 600
# A cell is flagged when (max - min) / median over its rounds exceeds this.
SPREAD_FLAG = 0.25


def row_name(workload, workers):
    return workload if workers == 2 else "%s (1 worker)" % workload


def metric_of(workload):
    if workload == "memory_per_task":
        return "bytes_per_task", "B/task"
    return "ns_per_op", "ns/op"


def parse_args():
    parser = argparse.ArgumentParser(
        prog="tools/compare",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__,
        epilog="""examples:
  tools/compare --quick                 every workload x uring, epoll, uv
  tools/compare --quick --peers         ... and tokio and Boost.Asio, in the same run
  tools/compare                         full run: 7 rounds, 0.5 s per run
  tools/compare --workloads spawn_many,tcp_echo --backends epoll,uv
  tools/compare --no-build --out /tmp/cmp

--quick: 5 rounds, --min-time 0.05, and memory_per_task once (1 round; its
figure barely varies). It finishes in under 3 minutes on 2 cores once the
suites are built (a cold --config=opt build of the runtime and three backends
takes several more minutes; the first cargo build of the tokio peer adds
about 40 s, 2 minutes with Debian's rustc 1.63). The full run (7 rounds,
--min-time 0.5) takes about 5 minutes with --peers on 2 cores (298 s
measured, before the asio column); --quick about 1 minute (60 s), and
--quick --peers with both peer columns a little over 2 minutes (133 s
measured on a loaded machine).

The tokio peer (bench/peers/tokio) builds offline from Debian's packaged
crates: it needs librust-tokio-dev (tokio 1.24.2) and cargo/rustc 1.63 or
newer. With --peers, tools/compare first runs `tools/setup --peers`, which
installs librust-tokio-dev and, when no cargo is found (on PATH or in
~/.cargo/bin), Debian 12's cargo and rustc. The peer is built into
bench/peers/tokio/target (git-ignored; ~/.cache/weft/tokio-peer-target when
--peer-dir is not writable). If it cannot be built, the run says why and
continues without the column.

The Asio peer (bench/peers/asio) is C++ built by Bazel (--config=opt) from
Debian 12's libboost-dev (Boost 1.74, header-only), which `tools/setup
--peers` installs too. Rows it cannot express show n/a, with the reason
under the table.
""")
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds and shorter runs (see below)")
    parser.add_argument("--peers", action="store_true",
                        help="add the tokio and asio columns (builds "
                             "bench/peers/tokio and bench/peers/asio)")
    parser.add_argument("--backends", default=",".join(DEFAULT_BACKENDS),
                        help="comma-separated weft backends (default: %(default)s); "
                             "one that does not build is left out, with the reason")
    parser.add_argument("--workloads", default="",
                        help="comma-separated workload names (default: all)")
    parser.add_argument("--rounds", type=int,
                        help="runs per workload and column; the cell is their "
                             "median (default 7, --quick 5)")
    parser.add_argument("--min-time", type=float,
                        help="--benchmark_min_time of each weft run, seconds "
                             "(default 0.5, --quick 0.05)")
    parser.add_argument("--peer-reps", "--tokio-reps", dest="peer_reps",
                        type=int, default=3,
                        help="--reps of each peer run, tokio's and asio's "
                             "(default %(default)s)")
    parser.add_argument("--out", help="output directory (default "
                        "bench/results/<date>-<time>)")
    parser.add_argument("--peer-dir", default=DEFAULT_PEER_DIR,
                        help="the tokio peer's Cargo project (default: bench/peers/tokio)")
    parser.add_argument("--no-build", action="store_true",
                        help="use the suites already built with --config=opt")
    parser.add_argument("--jobs", type=int, default=2,
                        help="bazel --jobs (default %(default)s)")
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 5 if args.quick else 7
    if args.min_time is None:
        args.min_time = 0.05 if args.quick else 0.5
    if args.rounds < 1 or args.peer_reps < 1:
        parser.error("--rounds and --peer-reps must be at least 1")
    return args


class Log:
    """runs.log: every command run and what it printed on stderr."""

    def __init__(self, path):
        self.file = open(path, "w")

    def write(self, text):
        self.file.write(text)
        if not text.endswith("\n"):
            self.file.write("\n")
        self.file.flush()


def say(text="", end="\n"):
    sys.stdout.write(text + end)
    sys.stdout.flush()


# --- building ----------------------------------------------------------------

def bazel_build(targets, jobs, log):
    command = ["bazel", "build", "--config=opt", "--jobs=%d" % jobs,
               "--config=ci"] + targets
    log.write("$ " + " ".join(command))
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    log.write(done.stdout)
    return done.returncode == 0, done.stdout


def build_suites(backends, jobs, no_build, log):
    """Returns ({backend: binary}, {backend: why it is left out})."""
    info = subprocess.run(["bazel", "info", "--config=opt", "bazel-bin"],
                          cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if info.returncode != 0:
        say("tools/compare: `bazel info` failed:\n" + info.stderr)
        sys.exit(1)
    bin_dir = info.stdout.strip()
    binaries, missing = {}, {}
    targets = ["//bench:bench_%s" % b for b in backends]
    if not no_build:
        say("building %s (--config=opt; waits for the Bazel lock if another "
            "build holds it) ..." % " ".join(targets))
        started = time.time()
        ok, _ = bazel_build(targets, jobs, log)
        if not ok:
            # Find which backend(s) fail, and keep the others.
            for backend, target in zip(backends, targets):
                ok_one, output = bazel_build([target], jobs, log)
                if not ok_one:
                    errors = [l for l in output.splitlines()
                              if "ERROR" in l or "error:" in l]
                    missing[backend] = "does not build: " + (
                        errors[0].strip() if errors else "see runs.log")
        say("built in %.0f s" % (time.time() - started))
    for backend in backends:
        if backend in missing:
            continue
        path = os.path.join(bin_dir, "bench", "bench_" + backend)
        if os.access(path, os.X_OK):
            binaries[backend] = path
        else:
            missing[backend] = "not built (%s missing)" % path
    return binaries, missing


def find_cargo():
    cargo = shutil.which("cargo")
    if cargo is None:
        candidate = os.path.expanduser("~/.cargo/bin/cargo")
        if os.access(candidate, os.X_OK):
            cargo = candidate
    return cargo


def build_peer(peer_dir, log):
    """Returns (binary, None) or (None, why not)."""
    if not os.path.isfile(os.path.join(peer_dir, "Cargo.toml")):
        return None, "no tokio peer at %s" % peer_dir
    cargo = find_cargo()
    if cargo is None:
        return None, ("cargo not found (the peer needs cargo/rustc >= 1.63: "
                      "`tools/setup --peers` installs Debian's; see "
                      "%s/README.md)" % peer_dir)
    registry = "/usr/share/cargo/registry"
    if not any(name.startswith("tokio-1.") for name in
               (os.listdir(registry) if os.path.isdir(registry) else [])):
        return None, ("Debian's tokio crate is not installed: run "
                      "`tools/setup --peers` (apt-get install librust-tokio-dev)")
    # Build in place (target/ is git-ignored), unless the peer's directory is
    # read-only (another checkout's, say): then under ~/.cache.
    target_dir = os.path.join(peer_dir, "target")
    if not os.access(peer_dir, os.W_OK):
        target_dir = os.path.join(os.path.expanduser("~"), ".cache", "weft",
                                  "tokio-peer-target")
    os.makedirs(target_dir, exist_ok=True)
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    command = [cargo, "build", "--release", "--offline", "-j", "2"]
    say("building the tokio peer (%s, offline, Debian's crates) ..." % peer_dir)
    log.write("$ CARGO_TARGET_DIR=%s %s  (in %s)" % (target_dir,
                                                    " ".join(command), peer_dir))
    done = subprocess.run(command, cwd=peer_dir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    log.write(done.stdout)
    binary = os.path.join(target_dir, "release", "tokio-peer")
    if done.returncode != 0 or not os.access(binary, os.X_OK):
        tail = done.stdout.strip().splitlines()[-3:]
        return None, "cargo build failed: " + " | ".join(tail)
    return binary, None


def build_asio_peer(jobs, log):
    """Returns (binary, None) or (None, why not)."""
    if not os.path.isfile("/usr/include/boost/asio/co_spawn.hpp"):
        return None, ("Boost.Asio is not installed: run `tools/setup --peers` "
                      "(apt-get install libboost-dev)")
    say("building the asio peer (%s, --config=opt) ..." % ASIO_TARGET)
    ok, output = bazel_build([ASIO_TARGET], jobs, log)
    if not ok:
        errors = [l for l in output.splitlines() if "ERROR" in l or "error:" in l]
        return None, "does not build: " + (errors[0].strip() if errors
                                           else "see runs.log")
    info = subprocess.run(["bazel", "info", "--config=opt", "bazel-bin"],
                          cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    binary = os.path.join(info.stdout.strip(), "bench", "peers", "asio",
                          "asio-peer")
    if not os.access(binary, os.X_OK):
        return None, "not built (%s missing)" % binary
    return binary, None


# --- running -----------------------------------------------------------------


class NotExpressible(Exception):
    """A peer's answer that it cannot run a workload (its "na" member)."""

def run_command(command, log):
    log.write("$ " + " ".join(command))
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % RUN_TIMEOUT_S
    if done.stderr:
        log.write(done.stderr)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-2:]
        return None, "exit status %d: %s" % (done.returncode, " | ".join(tail))
    return done.stdout, None


def run_weft(binary, workload, workers, min_time, log):
    """One weft run: {'ns_per_op': ..., ...} or raises RuntimeError."""
    command = [binary,
               "--benchmark_filter=^%s/workers:%d/" % (workload, workers),
               "--benchmark_min_time=%g" % min_time,
               "--benchmark_repetitions=1", "--benchmark_format=json"]
    stdout, error = run_command(command, log)
    if error:
        raise RuntimeError(error)
    report = json.loads(stdout)
    runs = [b for b in report.get("benchmarks", [])
            if b.get("run_type", "iteration") == "iteration"]
    if not runs:
        raise RuntimeError("no benchmark matched %s/workers:%d" % (workload, workers))
    run = runs[0]
    if run.get("error_occurred"):
        raise RuntimeError(run.get("error_message", "error"))
    sample = {
        "ns_per_op": run["ns_per_op"],
        "wall_ms": run["wall_ms"],
        "cpu_ms": run["cpu_ms"],
        "iterations": run["iterations"],
        "backend": run.get("label", ""),
    }
    for key in ("bytes_per_task", "hwm_bytes_per_task"):
        if key in run:
            sample[key] = run[key]
    return sample


def run_peer(peer, binary, workload, workers, reps, log):
    """One peer run (tokio-peer or asio-peer, the same command line and
    JSON line): {'ns_per_op': ..., ...}; raises RuntimeError on a failure
    and NotExpressible when the peer answers "na"."""
    command = [binary, workload, "--workers", str(workers), "--in-task"]
    if workload != "memory_per_task":
        command += ["--reps", str(1 if workload in SINGLE_REP else reps)]
    stdout, error = run_command(command, log)
    if error:
        raise RuntimeError(error)
    lines = [l for l in stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError("no JSON line from the peer")
    line = json.loads(lines[-1])
    if "na" in line:
        raise NotExpressible(line["na"])
    sample = {
        "ns_per_op": line["ns_per_op"],
        "wall_ms": line["wall_ms"],
        "cpu_ms": line.get("cpu_ms"),
        "reps": line.get("reps"),
        "version": line.get(peer),
    }
    if "bytes_per_task" in line:
        sample["bytes_per_task"] = line["bytes_per_task"]
    return sample


def fmt(value):
    if value is None:
        return "-"
    if value >= 100:
        return "{:,.0f}".format(value)
    if value >= 10:
        return "%.1f" % value
    return "%.2f" % value


def spread_of(values):
    """The spread of one cell's rounds: min, q1, median, q3, max (q1 and q3
    by statistics.quantiles' inclusive method, so they lie between the
    rounds), spread = (max - min) / median, and whether it is flagged."""
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    median = statistics.median(ordered)
    spread = (ordered[-1] - ordered[0]) / median if median > 0 else 0.0
    return {"min": ordered[0], "q1": q1, "median": median, "q3": q3,
            "max": ordered[-1], "spread": spread,
            "flagged": spread > SPREAD_FLAG}


def fmt_cell(cell):
    """`median +-P% xR` with a trailing `~` when flagged (a space when not,
    so that right-aligned columns stay aligned)."""
    text = fmt(cell["median"])
    if cell["rounds"] > 1:
        text += " \u00b1%.0f%%" % (100 * cell["spread"] / 2)
    text += " x%.2f" % cell["ratio_to_best"]
    return text + ("~" if cell["flagged"] else " ")


def machine_info():
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    debian = ""
    try:
        with open("/etc/debian_version") as version:
            debian = "Debian " + version.read().strip()
    except OSError:
        pass
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "os": debian,
        "kernel": platform.release(),
        "git_commit": git + ("+local changes" if dirty else ""),
    }


def main():
    args = parse_args()
    backends = [b for b in args.backends.split(",") if b]
    rows = ROWS
    if args.workloads:
        wanted = set(args.workloads.split(","))
        unknown = wanted - {w for w, _ in ROWS}
        if unknown:
            sys.exit("tools/compare: unknown workload(s): %s (known: %s)" % (
                ", ".join(sorted(unknown)), ", ".join(dict.fromkeys(w for w, _ in ROWS))))
        rows = [r for r in ROWS if r[0] in wanted]

    started_at = datetime.datetime.now().astimezone()
    out = args.out or os.path.join(ROOT, "bench", "results",
                                   started_at.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    if not args.out:
        latest = os.path.join(ROOT, "bench", "results", "latest")
        if os.path.islink(latest):
            os.remove(latest)
        if not os.path.exists(latest):
            os.symlink(os.path.basename(out), latest)
    log = Log(os.path.join(out, "runs.log"))

    binaries, left_out = build_suites(backends, args.jobs, args.no_build, log)
    for backend, why in left_out.items():
        say("NOTE: backend %s left out: %s" % (backend, why))
    columns = [b for b in backends if b in binaries]
    peer_binaries = {}
    if args.peers:
        for peer in PEERS:
            if peer == "tokio":
                binary, why = build_peer(args.peer_dir, log)
            else:
                binary, why = build_asio_peer(args.jobs, log)
            if binary is None:
                say("NOTE: %s peer left out: %s" % (peer, why))
                left_out[peer] = why
            else:
                peer_binaries[peer] = binary
                columns.append(peer)
    if not columns:
        sys.exit("tools/compare: nothing to run")

    say("")
    say("%s run: %d round(s) per workload and column (memory_per_task: %d), "
        "weft --benchmark_min_time=%g s, peers --reps %d; columns: %s" % (
            "quick" if args.quick else "full", args.rounds,
            1 if args.quick else args.rounds, args.min_time, args.peer_reps,
            ", ".join(columns)))
    if args.quick:
        say("(--quick: memory_per_task runs once per column instead of %d "
            "times; its 1,000,000 tasks are not scaled down)" % args.rounds)
    say("")

    results = {}  # (workload, workers) -> column -> {"samples": [...], "error": str}
    clock0 = time.time()
    for index, (workload, workers) in enumerate(rows):
        metric, unit = metric_of(workload)
        rounds = 1 if (args.quick and workload == "memory_per_task") else args.rounds
        cells = {c: {"samples": [], "error": None, "na": None} for c in columns}
        results[(workload, workers)] = cells
        for round_index in range(rounds):
            say("[%2d/%d] %-30s round %d/%d  " % (
                index + 1, len(rows), row_name(workload, workers),
                round_index + 1, rounds), end="")
            shift = round_index % len(columns)
            for column in columns[shift:] + columns[:shift]:
                cell = cells[column]
                if cell["error"] or cell["na"]:
                    continue
                try:
                    if column in peer_binaries:
                        sample = run_peer(column, peer_binaries[column], workload,
                                          workers, args.peer_reps, log)
                    else:
                        sample = run_weft(binaries[column], workload, workers,
                                          args.min_time, log)
                    cell["samples"].append(sample)
                    say(" %s %s" % (column, fmt(sample[metric])), end="")
                except NotExpressible as why:
                    cell["na"] = str(why)
                    say(" %s n/a" % column, end="")
                except (RuntimeError, ValueError, KeyError) as error:
                    cell["error"] = str(error)
                    say(" %s ERROR" % column, end="")
            say("  %s  (%.0f s)" % (unit, time.time() - clock0))

    # --- medians, ratios, table ------------------------------------------
    table_rows = []
    for (workload, workers), cells in results.items():
        metric, unit = metric_of(workload)
        medians = {}
        for column, cell in cells.items():
            values = [s[metric] for s in cell["samples"] if s.get(metric) is not None]
            cell["rounds"] = len(values)
            if values:
                cell.update(spread_of(values))
            else:
                cell.update({k: None for k in ("min", "q1", "median", "q3",
                                                "max", "spread")})
                cell["flagged"] = False
            cell["cpu_ms_median"] = (statistics.median(
                [s["cpu_ms"] for s in cell["samples"] if s.get("cpu_ms") is not None])
                if cell["samples"] else None)
            cell["wall_ms_median"] = (statistics.median(
                [s["wall_ms"] for s in cell["samples"]]) if cell["samples"] else None)
            if cell["median"] is not None:
                medians[column] = cell["median"]
        best = min(medians.values()) if medians else None
        for column, cell in cells.items():
            cell["ratio_to_best"] = (cell["median"] / best
                                     if cell["median"] is not None and best else None)
        weft_medians = {c: v for c, v in medians.items() if c not in PEERS}
        row = {"workload": workload, "workers": workers, "metric": metric,
               "unit": unit, "best": best, "cells": cells}
        for peer in PEERS:
            # best weft backend / peer, flagged when either cell is.
            ratio, flagged = None, False
            if peer in medians and weft_medians and medians[peer] > 0:
                best_weft = min(weft_medians, key=weft_medians.get)
                ratio = weft_medians[best_weft] / medians[peer]
                flagged = cells[best_weft]["flagged"] or cells[peer]["flagged"]
            row["best_weft_over_" + peer] = ratio
            row["best_weft_over_%s_flagged" % peer] = flagged
        table_rows.append(row)

    header = ["workload", "unit"] + columns
    peer_columns = [p for p in PEERS if p in columns]
    header += ["best weft/%s" % p for p in peer_columns]
    lines = []
    for row in table_rows:
        line = [row_name(row["workload"], row["workers"]), row["unit"]]
        for column in columns:
            cell = row["cells"][column]
            if cell["median"] is None:
                line.append("n/a " if cell["na"] else
                            "error " if cell["error"] else "- ")
            else:
                line.append(fmt_cell(cell))
        for peer in peer_columns:
            ratio = row["best_weft_over_" + peer]
            line.append("- " if ratio is None else "%.2f%s" % (
                ratio, "~" if row["best_weft_over_%s_flagged" % peer] else " "))
        lines.append(line)
    widths = [max(len(str(r[i])) for r in [header] + lines) for i in range(len(header))]

    def render(cells):
        return "  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    info = machine_info()
    table = [
        "weft tools/compare%s, %s; %d CPUs (%s), %s, kernel %s; weft %s" % (
            " --quick" if args.quick else "", started_at.strftime("%Y-%m-%d %H:%M %Z"),
            info["cpus"], info["cpu_model"], info["os"], info["kernel"],
            info["git_commit"]),
        "cells: median over %d round(s) (memory_per_task: %d); \u00b1P%% = half the "
        "range of the rounds, (max - min) / (2 * median); xR = ratio to the "
        "best column of the row (lower is better)" % (
            args.rounds, 1 if args.quick else args.rounds),
        "~ = the rounds disagree by more than %.0f%%: (max - min) / median > %.2f "
        "(a ratio with ~ divides a flagged cell); min, q1, q3, max of every "
        "cell are in compare.json" % (100 * SPREAD_FLAG, SPREAD_FLAG),
        "",
        render(header),
        render(["-" * w for w in widths]),
    ] + [render(l) for l in lines]
    sleep_row = next((r for r in table_rows if r["workload"] == "sleep_many"), None)
    if sleep_row:
        table.append("")
        table.append("sleep_many process CPU time (median ms; wall ms in brackets): " +
                     ", ".join("%s %s [%s]" % (c, fmt(sleep_row["cells"][c]["cpu_ms_median"]),
                                               fmt(sleep_row["cells"][c]["wall_ms_median"]))
                               for c in columns if sleep_row["cells"][c]["samples"]))
    errors = [(row_name(r["workload"], r["workers"]), c, r["cells"][c]["error"])
              for r in table_rows for c in columns if r["cells"][c]["error"]]
    # One n/a line per peer and workload (a workload's two rows share it).
    not_expressible = {}
    for r in table_rows:
        for c in columns:
            if r["cells"][c]["na"]:
                not_expressible.setdefault((c, r["workload"]), r["cells"][c]["na"])
    if not_expressible:
        table.append("")
    for (column, workload), why in not_expressible.items():
        table.append("n/a: %s on %s: %s" % (workload, column, why))
    if errors or left_out:
        table.append("")
    for name, column, error in errors:
        table.append("error: %s on %s: %s" % (name, column, error))
    for column, why in left_out.items():
        table.append("left out: %s: %s" % (column, why))
    text = "\n".join(table)
    say("")
    say(text)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(text + "\n")

    # --- JSON ------------------------------------------------------------------
    peer_versions = {p: None for p in PEERS}
    for row in table_rows:
        for peer in PEERS:
            for sample in row["cells"].get(peer, {}).get("samples", []):
                peer_versions[peer] = sample.get("version") or peer_versions[peer]
    document = {
        "date": started_at.isoformat(timespec="seconds"),
        "machine": info,
        "mode": "quick" if args.quick else "full",
        "rounds": args.rounds,
        "weft_min_time_s": args.min_time,
        "peer_reps": args.peer_reps,
        "tokio_reps": args.peer_reps,  # the name before the asio column
        "tokio_version": peer_versions["tokio"],
        "asio_version": peer_versions["asio"],
        "columns": columns,
        "spread_flag": "(max - min) / median > %g" % SPREAD_FLAG,
        "left_out": left_out,
        "rows": [{
            "workload": r["workload"], "workers": r["workers"],
            "metric": r["metric"], "unit": r["unit"],
            "best_weft_over_tokio": r["best_weft_over_tokio"],
            "best_weft_over_tokio_flagged": r["best_weft_over_tokio_flagged"],
            "best_weft_over_asio": r["best_weft_over_asio"],
            "best_weft_over_asio_flagged": r["best_weft_over_asio_flagged"],
            "cells": {c: {k: v for k, v in cell.items()}
                      for c, cell in r["cells"].items()},
        } for r in table_rows],
    }
    with open(os.path.join(out, "compare.json"), "w") as f:
        json.dump(document, f, indent=1)

    chart = os.path.join(out, "compare.png")
    try:
        write_chart(chart, table_rows, columns, table[0])
    except ImportError:
        chart = None
        say("NOTE: no chart: python3-matplotlib is missing (tools/setup installs it)")
    say("")
    shown = os.path.relpath(out) if os.path.abspath(out).startswith(
        os.getcwd() + os.sep) else os.path.abspath(out)
    say("wrote %s/{table.txt,compare.json%s,runs.log}" % (
        shown, ",compare.png" if chart else ""))
    say("total %.0f s" % (time.time() - clock0))


def write_chart(path, table_rows, columns, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = len(table_rows)
    ncols = 4 if count > 6 else max(1, count)
    nrows = (count + ncols - 1) // ncols
    figure, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows),
                                squeeze=False)
    palette = plt.get_cmap("tab10")
    colors = {c: palette(i) for i, c in enumerate(columns)}
    for index, row in enumerate(table_rows):
        axis = axes[index // ncols][index % ncols]
        names, values, below, above = [], [], [], []
        for column in columns:
            cell = row["cells"][column]
            names.append(column)
            values.append(cell["median"] if cell["median"] is not None else 0)
            # The whisker spans the rounds, min to max.
            below.append(cell["median"] - cell["min"] if cell["median"] is not None else 0)
            above.append(cell["max"] - cell["median"] if cell["median"] is not None else 0)
        bars = axis.bar(names, values, color=[colors[c] for c in names],
                        yerr=[below, above], error_kw={"elinewidth": 0.8,
                                                       "capsize": 2})
        for bar, column, high in zip(bars, names, above):
            cell = row["cells"][column]
            label = ("n/a" if cell["na"] else "error") if cell["median"] is None else (
                "%s%s\nx%.2f" % (fmt(cell["median"]), "~" if cell["flagged"] else "",
                                  cell["ratio_to_best"]))
            axis.annotate(label, (bar.get_x() + bar.get_width() / 2,
                                  bar.get_height() + high),
                          ha="center", va="bottom", fontsize=7)
        axis.set_title(row_name(row["workload"], row["workers"]), fontsize=10)
        axis.set_ylabel(row["unit"], fontsize=8)
        axis.tick_params(labelsize=8)
        tops = [v + a for v, a in zip(values, above)]
        top = max(tops) if tops and max(tops) > 0 else 1
        axis.set_ylim(0, top * 1.3)
    for index in range(count, nrows * ncols):
        axes[index // ncols][index % ncols].axis("off")
    # Wrapped to the figure's width: a chart of one or two rows is narrow.
    text = "\n".join(textwrap.wrap(
        title + ". Median per op, lower is better; whiskers: min to max of the "
        "rounds; xR = ratio to the best column; ~ = the rounds disagree by more "
        "than %.0f%%" % (100 * SPREAD_FLAG), width=int(4.2 * ncols * 13)))
    figure.suptitle(text, fontsize=9)
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.045 * (text.count("\n") + 1) / nrows))
    figure.savefig(path, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    main()
