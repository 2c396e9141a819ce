// Google Benchmark registrations of every workload in docs/BENCH.md.
//
// Names: <workload>/workers:<N>/[iterations:1/]manual_time. N is 2 for every
// workload; spawn_many and yield_many also run with 1 worker.
// spawn_blocking_burst (weft's own, not in BENCH.md) adds /warm:<0|1>.
//
// Measurement, the same as the tokio peer's (bench/peers/tokio):
//   * One multi_thread runtime per benchmark call, built before any timing
//     (and dropped after it).
//   * One untimed warm-up run of the workload on that runtime, so that every
//     timed run finds warm caches, a warm allocator and a started blocking
//     pool; the peer does one too, then its timed repetitions on the same
//     runtime (none for tcp_echo, whose run is long, nor memory_per_task).
//   * Each iteration is one block_on whose body reads the clocks, spawns the
//     root task running the workload body, awaits it, and reads the clocks
//     again: only that is timed (manual time), runtime construction and
//     set-up (sleep durations, the echo server's bind) are not.
//   * items_processed is the op count of the table in BENCH.md, so the
//     report's items_per_second is ops/s; the counters add ns_per_op,
//     wall_ms and cpu_ms (process CPU time, all threads,
//     CLOCK_PROCESS_CPUTIME_ID) per run.
//
// memory_per_task measures in a fresh process per iteration: the benchmark
// re-executes this binary (/proc/self/exe) with WEFT_BENCH_MEMORY_FD set; the
// child builds a 2-worker runtime, reads VmRSS, spawns 1,000,000 tasks that
// each count themselves and then wait on a Notify that is never notified
// (tokio's `pending()`: a never-ready await that allocates nothing per task
// beyond the task), drops their JoinHandles, sleeps 1 ms at a time until all
// have been polled, reads VmRSS and VmHWM again, and writes the figures to the
// pipe. bytes_per_task = (VmRSS after - VmRSS before) / n, as the peer
// computes it; hwm_bytes_per_task uses the peak (VmHWM) instead.

#include "bench/workloads.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/weft.h"

extern char** environ;

namespace weft_bench {
namespace {

using Clock = std::chrono::steady_clock;

void Check(bool ok, std::string_view what) {
  if (!ok) throw std::runtime_error(std::string(what));
}

weft::Task<uint64_t> ReturnIndex(uint64_t i) { co_return i; }

weft::Task<uint64_t> Yielder(uint64_t yields) {
  for (uint64_t i = 0; i < yields; ++i) co_await weft::yield_now();
  co_return yields;
}

// One hop: spawns the child of depth - 1 and awaits its JoinHandle.
weft::Task<uint64_t> Chain(uint64_t depth) {
  if (depth <= 1) co_return 1;
  weft::JoinHandle<uint64_t> child = weft::spawn(Chain(depth - 1));
  weft::JoinResult<uint64_t> result = co_await child;
  Check(result.has_value(), "chained_spawn: a child failed");
  co_return *result + 1;
}

// ping_pong's responder: receive, increment, send back, until the initiator
// hangs up.
weft::Task<uint64_t> Responder(weft::mpsc::Receiver<uint64_t> from_initiator,
                               weft::mpsc::Sender<uint64_t> to_initiator) {
  uint64_t last = 0;
  while (true) {
    std::optional<uint64_t> value = co_await from_initiator.recv();
    if (!value.has_value()) break;
    last = *value + 1;
    auto sent = co_await to_initiator.send(last);
    if (!sent.has_value()) break;
  }
  co_return last;
}

weft::Task<uint64_t> Initiator(weft::mpsc::Sender<uint64_t> to_responder,
                               weft::mpsc::Receiver<uint64_t> from_responder,
                               uint64_t rounds) {
  uint64_t value = 0;
  for (uint64_t i = 0; i < rounds; ++i) {
    auto sent = co_await to_responder.send(value + 1);
    Check(sent.has_value(), "ping_pong: responder gone");
    std::optional<uint64_t> back = co_await from_responder.recv();
    Check(back.has_value(), "ping_pong: responder gone");
    value = *back;
  }
  { weft::mpsc::Sender<uint64_t> hang_up = std::move(to_responder); }
  co_return value;
}

// mpsc_unbounded's producer: sends first .. first + count - 1, never waits.
weft::Task<uint64_t> UnboundedProducer(weft::mpsc::UnboundedSender<uint64_t> tx,
                                       uint64_t first, uint64_t count) {
  for (uint64_t value = first; value < first + count; ++value) {
    Check(tx.send(value).has_value(), "mpsc_unbounded: receiver gone");
  }
  co_return count;
}

// broadcast_fanout's receiver: sums what it receives until the sender is
// gone; yields the sum.
weft::Task<uint64_t> FanoutReceiver(weft::broadcast::Receiver<uint64_t> rx,
                                    uint64_t n) {
  uint64_t sum = 0;
  uint64_t count = 0;
  while (true) {
    auto value = co_await rx.recv();
    if (!value.has_value()) {
      Check(value.error() == weft::broadcast::RecvError::Closed(),
            "broadcast_fanout: a receiver lagged");
      break;
    }
    sum += *value;
    ++count;
  }
  Check(count == n, "broadcast_fanout: wrong count");
  co_return sum;
}

weft::Task<uint64_t> Sleeper(uint64_t ms) {
  co_await weft::sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

weft::Task<void> SleepAnHour() { co_await weft::sleep(std::chrono::hours(1)); }

weft::Task<void> EchoConnection(weft::net::TcpStream stream) {
  char buffer[4096];
  while (true) {
    absl::StatusOr<size_t> got = co_await stream.read(buffer, sizeof(buffer));
    if (!got.ok() || *got == 0) co_return;
    absl::Status sent =
        co_await stream.write_all(std::string_view(buffer, *got));
    if (!sent.ok()) co_return;
  }
}

weft::Task<void> AcceptLoop(weft::net::TcpListener listener) {
  while (true) {
    auto accepted = co_await listener.accept();
    if (!accepted.ok()) {
      std::fprintf(stderr, "tcp_echo: accept: %s\n",
                   accepted.status().ToString().c_str());
      continue;
    }
    (void)accepted->first.set_nodelay(true);
    weft::spawn(EchoConnection(std::move(accepted->first)));
  }
}

weft::Task<uint64_t> EchoClient(weft::net::SocketAddress server, uint64_t id,
                                uint64_t rounds) {
  absl::StatusOr<weft::net::TcpStream> stream =
      co_await weft::net::TcpStream::connect(server);
  Check(stream.ok(), "tcp_echo: connect failed");
  Check(stream->set_nodelay(true).ok(), "tcp_echo: TCP_NODELAY failed");
  char message[kEchoMessageBytes];
  for (uint64_t i = 0; i < kEchoMessageBytes; ++i) {
    message[i] = static_cast<char>(id + i);
  }
  char back[kEchoMessageBytes] = {};
  const std::string_view out(message, sizeof(message));
  for (uint64_t i = 0; i < rounds; ++i) {
    absl::Status sent = co_await stream->write_all(out);
    Check(sent.ok(), "tcp_echo: write failed");
    absl::Status got = co_await stream->read_exact(back, sizeof(back));
    Check(got.ok(), "tcp_echo: read failed");
  }
  Check(std::memcmp(back, message, sizeof(back)) == 0, "tcp_echo: mismatch");
  co_return rounds;
}

// --- measurement -----------------------------------------------------------

double ProcessCpuNs() {
  timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 +
         static_cast<double>(now.tv_nsec);
}

struct Sample {
  double wall_ns = 0;
  double cpu_ns = 0;
};

// The block_on body: spawns `body` as the root task and awaits it, timing
// exactly that. A failed body's exception (or cancellation) propagates.
weft::Task<Sample> TimedRoot(weft::Task<void> body) {
  const double cpu0 = ProcessCpuNs();
  const Clock::time_point wall0 = Clock::now();
  weft::JoinHandle<void> root = weft::spawn(std::move(body));
  weft::JoinResult<void> result = co_await root;
  Sample sample;
  sample.wall_ns =
      std::chrono::duration<double, std::nano>(Clock::now() - wall0).count();
  sample.cpu_ns = ProcessCpuNs() - cpu0;
  if (!result.has_value()) {
    if (result.error().is_panic()) {
      std::rethrow_exception(result.error().into_panic());
    }
    throw std::runtime_error(result.error().message());
  }
  co_return sample;
}

std::optional<weft::Runtime> BuildRuntime(benchmark::State& state,
                                          size_t workers) {
  absl::StatusOr<weft::Runtime> runtime =
      weft::Runtime::Builder::multi_thread().worker_threads(workers).build();
  if (!runtime.ok()) {
    const std::string why = "runtime: " + runtime.status().ToString();
    state.SkipWithError(why.c_str());
    return std::nullopt;
  }
  state.SetLabel(runtime->handle().backend().running);
  return std::move(*runtime);
}

void Report(benchmark::State& state, uint64_t ops, double wall_ns,
            double cpu_ns) {
  const double iterations = static_cast<double>(state.iterations());
  if (iterations == 0) return;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ops));
  state.counters["ns_per_op"] =
      wall_ns / (iterations * static_cast<double>(ops));
  state.counters["wall_ms"] = wall_ns / iterations / 1e6;
  state.counters["cpu_ms"] = cpu_ns / iterations / 1e6;
}

// Times one `make_body()` per iteration, each on the runtime `runtime_for`
// returns for it (null: stop, the benchmark was already skipped), and
// reports. `before` runs first, untimed, on the first iteration's runtime.
void MeasureIterations(
    benchmark::State& state, uint64_t ops,
    const std::function<weft::Task<void>()>& make_body,
    const std::function<weft::Runtime*()>& runtime_for,
    const std::function<void(weft::Runtime&)>& before = nullptr) {
  double wall_ns = 0;
  double cpu_ns = 0;
  try {
    bool first = true;
    for (auto _ : state) {
      weft::Runtime* runtime = runtime_for();
      if (runtime == nullptr) return;
      if (first && before) before(*runtime);
      first = false;
      Sample sample = runtime->block_on(TimedRoot(make_body()));
      state.SetIterationTime(sample.wall_ns / 1e9);
      wall_ns += sample.wall_ns;
      cpu_ns += sample.cpu_ns;
    }
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return;
  }
  Report(state, ops, wall_ns, cpu_ns);
}

// The common driver: `make_body` makes one fresh (not yet started) body of
// `ops` ops, run on one runtime for all iterations. `set_up` runs once on
// the runtime, untimed, before the warm-up (tcp_echo's server).
void RunWorkload(benchmark::State& state, uint64_t ops,
                 const std::function<weft::Task<void>()>& make_body,
                 bool warm_up = true,
                 const std::function<void(weft::Runtime&)>& set_up = nullptr) {
  const size_t workers = static_cast<size_t>(state.range(0));
  std::optional<weft::Runtime> runtime = BuildRuntime(state, workers);
  if (!runtime.has_value()) return;
  MeasureIterations(
      state, ops, make_body, [&] { return &*runtime; },
      [&](weft::Runtime& first) {
        if (set_up) set_up(first);
        if (warm_up) first.block_on(TimedRoot(make_body()));
      });
}

// --- memory_per_task -------------------------------------------------------

constexpr char kMemoryFdVariable[] = "WEFT_BENCH_MEMORY_FD";

// A field of /proc/self/status ("VmRSS", "VmHWM") in KiB.
uint64_t ProcStatusKib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > field.size() &&
        line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':') {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  throw std::runtime_error("no " + std::string(field) +
                           " in /proc/self/status");
}

struct MemoryFigures {
  uint64_t rss_before_kib = 0;
  uint64_t rss_after_kib = 0;
  uint64_t hwm_after_kib = 0;
};

weft::Task<void> ParkForever(weft::Notify& never,
                             std::atomic<uint64_t>& parked) {
  parked.fetch_add(1, std::memory_order_relaxed);
  co_await never.notified();
}

weft::Task<void> ParkMany(uint64_t n, weft::Notify& never,
                          std::atomic<uint64_t>& parked,
                          MemoryFigures& figures) {
  figures.rss_before_kib = ProcStatusKib("VmRSS");
  for (uint64_t i = 0; i < n; ++i) {
    weft::JoinHandle<void> detached = weft::spawn(ParkForever(never, parked));
  }
  while (parked.load(std::memory_order_relaxed) < n) {
    co_await weft::sleep(std::chrono::milliseconds(1));
  }
  figures.rss_after_kib = ProcStatusKib("VmRSS");
  figures.hwm_after_kib = ProcStatusKib("VmHWM");
}

// The child's side (in a process of its own): measure once, write "rss_before
// rss_after hwm wall cpu" to `fd`, and leave without tearing the million tasks
// down.
[[noreturn]] void MemoryChild(int fd, uint64_t n) {
  std::string line;
  try {
    absl::StatusOr<weft::Runtime> runtime =
        weft::Runtime::Builder::multi_thread().worker_threads(2).build();
    if (!runtime.ok()) throw std::runtime_error(runtime.status().ToString());
    // Both outlive the tasks: the process exits with them parked.
    auto* never = new weft::Notify;
    auto* parked = new std::atomic<uint64_t>(0);
    MemoryFigures figures;
    Sample sample =
        runtime->block_on(TimedRoot(ParkMany(n, *never, *parked, figures)));
    std::ostringstream out;
    out << "ok " << figures.rss_before_kib << " " << figures.rss_after_kib
        << " " << figures.hwm_after_kib << " " << sample.wall_ns << " "
        << sample.cpu_ns << " " << runtime->handle().backend().running << "\n";
    line = out.str();
  } catch (const std::exception& error) {
    line = std::string("error ") + error.what() + "\n";
  }
  (void)!write(fd, line.data(), line.size());
  _exit(0);
}

struct ChildResult {
  MemoryFigures figures;
  Sample sample;
  std::string backend;
};

ChildResult RunMemoryChild() {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, kMemoryFdVariable,
                     sizeof(kMemoryFdVariable) - 1) != 0) {
      env_strings.emplace_back(*entry);
    }
  }
  env_strings.push_back(std::string(kMemoryFdVariable) + "=" +
                        std::to_string(fds[1]));
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  std::string filter = "--benchmark_filter=^memory_per_task/";
  std::string repetitions = "--benchmark_repetitions=1";
  std::vector<char*> argv = {exe.data(), filter.data(), repetitions.data(),
                             nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The child's own benchmark report would land in ours: discard it (its
  // result or error comes through the pipe).
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, exe.c_str(), &actions, nullptr,
                                  argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    throw std::runtime_error(std::string("posix_spawn: ") +
                             std::strerror(spawned));
  }
  std::string text;
  char chunk[256];
  ssize_t got;
  while ((got = read(fds[0], chunk, sizeof(chunk))) > 0)
    text.append(chunk, got);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::istringstream in(text);
  std::string word;
  in >> word;
  if (word != "ok") {
    std::string why = text;
    if (why.empty()) {
      why =
          WIFSIGNALED(status)
              ? "killed by signal " + std::to_string(WTERMSIG(status))
              : "no result, exit status " + std::to_string(WEXITSTATUS(status));
    }
    throw std::runtime_error("memory_per_task child: " + why);
  }
  ChildResult result;
  in >> result.figures.rss_before_kib >> result.figures.rss_after_kib >>
      result.figures.hwm_after_kib >> result.sample.wall_ns >>
      result.sample.cpu_ns >> result.backend;
  return result;
}

// --- the registered benchmarks ----------------------------------------------

void BM_SpawnMany(benchmark::State& state) {
  RunWorkload(state, kSpawnTasks, [] { return SpawnMany(kSpawnTasks); });
}

void BM_JoinSetMany(benchmark::State& state) {
  RunWorkload(state, kSpawnTasks, [] { return JoinSetMany(kSpawnTasks); });
}

void BM_YieldMany(benchmark::State& state) {
  RunWorkload(state, kYieldTasks * kYieldsPerTask,
              [] { return YieldMany(kYieldTasks, kYieldsPerTask); });
}

void BM_ChainedSpawn(benchmark::State& state) {
  RunWorkload(state, kChainDepth * kChains,
              [] { return ChainedSpawn(kChainDepth, kChains); });
}

void BM_PingPong(benchmark::State& state) {
  RunWorkload(state, kPingPongPairs * kPingPongHops,
              [] { return PingPong(kPingPongPairs, kPingPongHops); });
}

void BM_SpawnBlockingMany(benchmark::State& state) {
  RunWorkload(state, kBlockingClosures,
              [] { return SpawnBlockingMany(kBlockingClosures); });
}

// spawn_blocking_many's body at the size of a burst that saturates the pool
// (512 threads by default). warm:1 is measured like every other workload (one
// untimed warm-up, so the pool's threads exist and idle); warm:0 builds a
// fresh runtime for each iteration, so that the timed burst also starts every
// pool thread, as a burst on a quiet runtime does.
void BM_SpawnBlockingBurst(benchmark::State& state) {
  const uint64_t n = kBlockingBurstClosures;
  if (state.range(1) != 0) {
    RunWorkload(state, n, [n] { return SpawnBlockingMany(n); });
    return;
  }
  const size_t workers = static_cast<size_t>(state.range(0));
  std::optional<weft::Runtime> runtime;
  MeasureIterations(
      state, n, [n] { return SpawnBlockingMany(n); },
      [&]() -> weft::Runtime* {
        runtime.reset();
        runtime = BuildRuntime(state, workers);
        return runtime.has_value() ? &*runtime : nullptr;
      });
}

void BM_SleepMany(benchmark::State& state) {
  std::shared_ptr<const std::vector<uint64_t>> durations =
      SleepDurationsMs(kSleepTasks);
  RunWorkload(state, kSleepTasks, [&] { return SleepMany(durations); });
}

void BM_AbortMany(benchmark::State& state) {
  RunWorkload(state, kAbortTasks, [] { return AbortMany(kAbortTasks); });
}

void BM_MpscUnbounded(benchmark::State& state) {
  RunWorkload(state, kMpscMessages,
              [] { return MpscUnbounded(kMpscProducers, kMpscMessages); });
}

void BM_BroadcastFanout(benchmark::State& state) {
  RunWorkload(state, kFanoutReceivers * kFanoutMessages, [] {
    return BroadcastFanout(kFanoutReceivers, kFanoutMessages);
  });
}

void BM_FsRead(benchmark::State& state) {
  std::shared_ptr<const std::vector<uint64_t>> offsets;
  RunWorkload(
      state, kFsReads, [&] { return FsRead(offsets, kFsReadsInFlight); },
      /*warm_up=*/true,
      [&](weft::Runtime&) {
        FsReadFile();
        offsets = FsReadOffsets(kFsReads);
      });
}

void BM_FsWriteFsync(benchmark::State& state) {
  RunWorkload(state, kFsWrites, [] {
    return FsWriteFsync(FsScratchDir() + "/fs_write_fsync.dat", kFsWrites);
  });
}

void BM_TcpEcho(benchmark::State& state) {
  weft::net::SocketAddress server;
  RunWorkload(
      state, kEchoConnections * kEchoRoundTrips,
      [&] { return EchoClients(server, kEchoConnections, kEchoRoundTrips); },
      /*warm_up=*/false,
      [&](weft::Runtime& runtime) {
        server = runtime.block_on(StartEchoServer());
      });
}

void BM_MemoryPerTask(benchmark::State& state) {
  if (const char* fd = std::getenv(kMemoryFdVariable)) {
    MemoryChild(std::atoi(fd), kParkedTasks);
  }
  double wall_ns = 0;
  double cpu_ns = 0;
  double bytes = 0;
  double hwm_bytes = 0;
  try {
    for (auto _ : state) {
      ChildResult child = RunMemoryChild();
      state.SetIterationTime(child.sample.wall_ns / 1e9);
      state.SetLabel(child.backend);
      wall_ns += child.sample.wall_ns;
      cpu_ns += child.sample.cpu_ns;
      const MemoryFigures& f = child.figures;
      bytes += (static_cast<double>(f.rss_after_kib) -
                static_cast<double>(f.rss_before_kib)) *
               1024.0 / kParkedTasks;
      hwm_bytes += (static_cast<double>(f.hwm_after_kib) -
                    static_cast<double>(f.rss_before_kib)) *
                   1024.0 / kParkedTasks;
    }
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return;
  }
  Report(state, kParkedTasks, wall_ns, cpu_ns);
  const double iterations = static_cast<double>(state.iterations());
  state.counters["bytes_per_task"] = bytes / iterations;
  state.counters["hwm_bytes_per_task"] = hwm_bytes / iterations;
}

// Every workload with 2 workers; spawn_many and yield_many with 1 too.
void TwoWorkers(benchmark::internal::Benchmark* b) {
  b->ArgName("workers")->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);
}
void TwoAndOneWorkers(benchmark::internal::Benchmark* b) {
  TwoWorkers(b);
  b->Arg(1);
}

BENCHMARK(BM_SpawnMany)->Name("spawn_many")->Apply(TwoAndOneWorkers);
BENCHMARK(BM_JoinSetMany)->Name("joinset_many")->Apply(TwoWorkers);
BENCHMARK(BM_YieldMany)->Name("yield_many")->Apply(TwoAndOneWorkers);
BENCHMARK(BM_ChainedSpawn)->Name("chained_spawn")->Apply(TwoWorkers);
BENCHMARK(BM_PingPong)->Name("ping_pong")->Apply(TwoWorkers);
BENCHMARK(BM_SpawnBlockingMany)->Name("spawn_blocking_many")->Apply(TwoWorkers);
BENCHMARK(BM_SpawnBlockingBurst)
    ->Name("spawn_blocking_burst")
    ->ArgNames({"workers", "warm"})
    ->Args({2, 1})
    ->Args({2, 0})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SleepMany)->Name("sleep_many")->Apply(TwoWorkers);
BENCHMARK(BM_AbortMany)->Name("abort_many")->Apply(TwoWorkers);
BENCHMARK(BM_TcpEcho)->Name("tcp_echo")->Apply(TwoWorkers);
BENCHMARK(BM_MpscUnbounded)->Name("mpsc_unbounded")->Apply(TwoWorkers);
BENCHMARK(BM_BroadcastFanout)->Name("broadcast_fanout")->Apply(TwoWorkers);
BENCHMARK(BM_FsRead)->Name("fs_read")->Apply(TwoWorkers);
BENCHMARK(BM_FsWriteFsync)->Name("fs_write_fsync")->Apply(TwoWorkers);
// One fresh child process per iteration, so one iteration per repetition.
BENCHMARK(BM_MemoryPerTask)
    ->Name("memory_per_task")
    ->Apply(TwoWorkers)
    ->Iterations(1);

}  // namespace

// --- the bodies (workloads.h) ----------------------------------------------

std::shared_ptr<const std::vector<uint64_t>> SleepDurationsMs(uint64_t n) {
  auto durations = std::make_shared<std::vector<uint64_t>>();
  durations->reserve(n);
  SplitMix64 random(kSleepSeed);
  for (uint64_t i = 0; i < n; ++i) durations->push_back(random.Next() % 11);
  return durations;
}

weft::Task<void> SpawnMany(uint64_t n) {
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(n);
  for (uint64_t i = 0; i < n; ++i)
    handles.push_back(weft::spawn(ReturnIndex(i)));
  uint64_t sum = 0;
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value(), "spawn_many: a task failed");
    sum += *result;
  }
  Check(sum == n * (n - 1) / 2, "spawn_many: wrong sum");
}

weft::Task<void> JoinSetMany(uint64_t n) {
  weft::JoinSet<uint64_t> set;
  for (uint64_t i = 0; i < n; ++i) set.spawn(ReturnIndex(i));
  uint64_t sum = 0;
  uint64_t count = 0;
  while (auto next = co_await set.join_next()) {
    Check(next->has_value(), "joinset_many: a task failed");
    sum += **next;
    ++count;
  }
  Check(count == n && sum == n * (n - 1) / 2, "joinset_many: wrong sum");
}

weft::Task<void> YieldMany(uint64_t tasks, uint64_t yields) {
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(tasks);
  for (uint64_t i = 0; i < tasks; ++i)
    handles.push_back(weft::spawn(Yielder(yields)));
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value() && *result == yields, "yield_many: a task failed");
  }
}

weft::Task<void> ChainedSpawn(uint64_t depth, uint64_t chains) {
  for (uint64_t i = 0; i < chains; ++i) {
    weft::JoinHandle<uint64_t> chain = weft::spawn(Chain(depth));
    weft::JoinResult<uint64_t> result = co_await chain;
    Check(result.has_value() && *result == depth, "chained_spawn: wrong depth");
  }
}

weft::Task<void> PingPong(uint64_t pairs, uint64_t hops) {
  Check(hops % 2 == 0, "ping_pong: hops per pair must be even");
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(pairs * 2);
  for (uint64_t i = 0; i < pairs; ++i) {
    auto [to_responder, from_initiator] = weft::mpsc::channel<uint64_t>(1);
    auto [to_initiator, from_responder] = weft::mpsc::channel<uint64_t>(1);
    handles.push_back(weft::spawn(
        Responder(std::move(from_initiator), std::move(to_initiator))));
    handles.push_back(weft::spawn(Initiator(
        std::move(to_responder), std::move(from_responder), hops / 2)));
  }
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value() && *result == hops, "ping_pong: wrong count");
  }
}

weft::Task<void> SpawnBlockingMany(uint64_t n) {
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    handles.push_back(weft::spawn_blocking([i] { return i * 3; }));
  }
  uint64_t sum = 0;
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value(), "spawn_blocking_many: a closure failed");
    sum += *result;
  }
  Check(sum == 3 * (n * (n - 1) / 2), "spawn_blocking_many: wrong sum");
}

weft::Task<void> SleepMany(std::shared_ptr<const std::vector<uint64_t>> ms) {
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(ms->size());
  for (uint64_t duration : *ms)
    handles.push_back(weft::spawn(Sleeper(duration)));
  uint64_t sum = 0;
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value(), "sleep_many: a task failed");
    sum += *result;
  }
  uint64_t expected = 0;
  for (uint64_t duration : *ms) expected += duration;
  Check(sum == expected, "sleep_many: wrong sum");
}

weft::Task<void> AbortMany(uint64_t n) {
  weft::JoinSet<void> set;
  for (uint64_t i = 0; i < n; ++i) set.spawn(SleepAnHour());
  set.abort_all();
  uint64_t cancelled = 0;
  while (auto next = co_await set.join_next()) {
    Check(!next->has_value(), "abort_many: a one-hour sleeper completed");
    Check(next->error().is_cancelled(), "abort_many: a task failed");
    ++cancelled;
  }
  Check(cancelled == n, "abort_many: wrong count");
}

weft::Task<void> MpscUnbounded(uint64_t producers, uint64_t n) {
  Check(n % producers == 0, "mpsc_unbounded: n must divide among producers");
  auto [tx, rx] = weft::mpsc::unbounded_channel<uint64_t>();
  const uint64_t each = n / producers;
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(producers);
  for (uint64_t p = 0; p < producers; ++p) {
    handles.push_back(weft::spawn(UnboundedProducer(tx, p * each, each)));
  }
  { weft::mpsc::UnboundedSender<uint64_t> last = std::move(tx); }
  uint64_t sum = 0;
  uint64_t count = 0;
  while (std::optional<uint64_t> value = co_await rx.recv()) {
    sum += *value;
    ++count;
  }
  Check(count == n && sum == n * (n - 1) / 2, "mpsc_unbounded: wrong sum");
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value() && *result == each, "mpsc_unbounded: a producer");
  }
}

weft::Task<void> BroadcastFanout(uint64_t receivers, uint64_t n) {
  auto [tx, rx] = weft::broadcast::channel<uint64_t>(kFanoutCapacity);
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(receivers);
  handles.push_back(weft::spawn(FanoutReceiver(std::move(rx), n)));
  for (uint64_t r = 1; r < receivers; ++r) {
    handles.push_back(weft::spawn(FanoutReceiver(tx.subscribe(), n)));
  }
  for (uint64_t value = 0; value < n; ++value) {
    auto sent = tx.send(value);
    Check(sent.has_value() && *sent == receivers,
          "broadcast_fanout: a receiver is gone");
  }
  { weft::broadcast::Sender<uint64_t> last = std::move(tx); }
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value() && *result == n * (n - 1) / 2,
          "broadcast_fanout: wrong sum");
  }
}

weft::Task<weft::net::SocketAddress> StartEchoServer() {
  absl::StatusOr<weft::net::TcpListener> listener =
      weft::net::TcpListener::bind("127.0.0.1:0");
  Check(listener.ok(), "tcp_echo: bind failed");
  weft::net::SocketAddress address = listener->local_addr();
  weft::JoinHandle<void> detached =
      weft::spawn(AcceptLoop(std::move(*listener)));
  co_return address;
}

weft::Task<void> EchoClients(weft::net::SocketAddress server, uint64_t conns,
                             uint64_t rounds) {
  std::vector<weft::JoinHandle<uint64_t>> handles;
  handles.reserve(conns);
  for (uint64_t c = 0; c < conns; ++c) {
    handles.push_back(weft::spawn(EchoClient(server, c, rounds)));
  }
  for (weft::JoinHandle<uint64_t>& handle : handles) {
    weft::JoinResult<uint64_t> result = co_await handle;
    Check(result.has_value() && *result == rounds, "tcp_echo: a client failed");
  }
}

}  // namespace weft_bench
