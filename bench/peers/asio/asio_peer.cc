// asio-peer: the workloads of weft's docs/BENCH.md on Boost.Asio (Boost
// 1.74, Asio 1.18), written with C++20 coroutines (co_spawn, awaitable,
// use_awaitable), so that tools/compare --peers can put an Asio column
// beside weft's backends and tokio.
//
// tools/compare runs one workload per process:
//
//     asio-peer WORKLOAD --workers N --in-task --reps R
//
// and reads the one JSON line it prints on stdout, in the tokio peer's format
// (bench/peers/tokio). It measures the way weft and the tokio peer do: one
// io_context run by N threads, built before any timing; one untimed warm-up
// run (not for tcp_echo or memory_per_task); then R timed runs. Each run is
// the non-worker main thread waiting on a future (block_on) for a root
// coroutine that reads the clocks, co_spawns the workload's body, awaits it
// and reads the clocks again.
//
// Asio has no JoinHandle: co_spawn reports a task's result to a completion
// handler. Where weft and tokio await n JoinHandles, the body here hands each
// task a handler that stores its result in a slot and counts completions
// (JoinAll below), and awaits the last one.
//
// The workloads Asio 1.18 cannot express faithfully (no channels, no task
// cancellation, no file I/O, no blocking pool) answer with an "na" line that
// says why, and tools/compare shows n/a in their cells.
//
// Every workload checks what it computed (sums, counts, echoed bytes); a
// mismatch throws, and the run exits non-zero without a figure.

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

// Boost 1.74's awaitable.hpp uses std::exchange without <utility>: the
// standard headers come first.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/version.hpp>
#include <boost/asio/write.hpp>
#include <boost/version.hpp>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

// Sizes: the same constants as bench/workloads.h and the tokio peer.
constexpr uint64_t kSpawnTasks = 100'000;     // spawn_many
constexpr uint64_t kYieldTasks = 200;         // yield_many
constexpr uint64_t kYieldsPerTask = 1'000;    // yield_many
constexpr uint64_t kChainDepth = 1'000;       // chained_spawn
constexpr uint64_t kChains = 100;             // chained_spawn
constexpr uint64_t kSleepTasks = 100'000;     // sleep_many
constexpr uint64_t kSleepSeed = 42;           // sleep_many's SplitMix64 seed
constexpr uint64_t kEchoConnections = 64;     // tcp_echo
constexpr uint64_t kEchoRoundTrips = 2'000;   // tcp_echo, per connection
constexpr size_t kEchoMessageBytes = 64;      // tcp_echo
constexpr uint64_t kParkedTasks = 1'000'000;  // memory_per_task

// The workloads of BENCH.md this peer does not run, and why (printed in the
// "na" line, and by `asio-peer list --all`).
const std::map<std::string, std::string, std::less<>> kNotExpressible = {
    {"joinset_many",
     "Asio has no JoinSet; reaping co_spawned tasks in completion order is "
     "co_spawn's completion handler, i.e. spawn_many's program again"},
    {"ping_pong",
     "Asio 1.18 (Boost 1.74) has no channel (experimental::channel came in "
     "Boost 1.78); a hand-written one would measure this peer, not Asio"},
    {"spawn_blocking_many",
     "Asio has no spawn_blocking: thread_pool is a fixed-size executor with "
     "no growth to 512 threads and no join handle, so its size would decide "
     "the figure"},
    {"abort_many",
     "Asio 1.18 (Boost 1.74) cannot cancel a task: per-operation "
     "cancellation came in Boost 1.77, and nothing aborts a co_spawned "
     "coroutine before its first resumption"},
    {"mpsc_unbounded",
     "Asio 1.18 (Boost 1.74) has no channel (experimental::channel came in "
     "Boost 1.78)"},
    {"broadcast_fanout",
     "Asio 1.18 (Boost 1.74) has no channel, let alone a broadcast one"},
    {"fs_read",
     "Asio 1.18 (Boost 1.74) has no file I/O (random_access_file came in "
     "Boost 1.78, on Linux only with io_uring)"},
    {"fs_write_fsync",
     "Asio 1.18 (Boost 1.74) has no file I/O (stream_file came in Boost "
     "1.78, on Linux only with io_uring)"},
};

void Check(bool ok, std::string_view what) {
  if (!ok) throw std::runtime_error(std::string(what));
}

// --- joining co_spawned tasks --------------------------------------------

// Moves a completion handler behind a virtual call, so that JoinAll can keep
// the one of whichever coroutine waits on it.
class Waiter {
 public:
  virtual ~Waiter() = default;
  // Posts the handler to its executor (the waiting coroutine resumes there).
  virtual void Post(std::exception_ptr error) = 0;
};

template <typename Handler>
class WaiterFor : public Waiter {
 public:
  explicit WaiterFor(Handler handler) : handler_(std::move(handler)) {}
  void Post(std::exception_ptr error) override {
    auto executor = asio::get_associated_executor(handler_);
    asio::post(executor, [handler = std::move(handler_), error]() mutable {
      handler(error);
    });
  }

 private:
  Handler handler_;
};

// What stands in for n JoinHandles: the completion handler of task i stores
// its result in slot i; the last completion wakes the coroutine in Wait(),
// which then reads the slots in spawn order. The first task that failed
// makes Wait() throw its exception.
template <typename T>
class JoinAll {
 public:
  explicit JoinAll(size_t n) : results_(n), remaining_(n) {}
  JoinAll(const JoinAll&) = delete;
  JoinAll& operator=(const JoinAll&) = delete;

  // co_spawn's completion handler for task i.
  auto Handler(size_t i) {
    return [this, i](std::exception_ptr error, T value) {
      Complete(i, error, std::move(value));
    };
  }

  // Resumes once every task has completed (results() then holds them).
  awaitable<void> Wait() {
    co_await asio::async_initiate<decltype(use_awaitable),
                                  void(std::exception_ptr)>(
        [this](auto handler) {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!done_) {
            waiter_ = std::make_unique<WaiterFor<decltype(handler)>>(
                std::move(handler));
            return;
          }
          lock.unlock();
          WaiterFor<decltype(handler)>(std::move(handler)).Post(error_);
        },
        use_awaitable);
  }

  // The results in spawn order, once Wait() has resumed.
  const std::vector<T>& results() const { return results_; }

 private:
  void Complete(size_t i, std::exception_ptr error, T value) {
    if (error) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = error;
    }
    results_[i] = std::move(value);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::unique_ptr<Waiter> waiter;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
      waiter = std::move(waiter_);
    }
    // Nothing of *this is touched after the post: the waiter may resume on
    // another thread and destroy it.
    if (waiter) waiter->Post(error_);
  }

  std::vector<T> results_;
  std::atomic<size_t> remaining_;
  std::mutex mutex_;
  bool done_ = false;
  std::exception_ptr error_;
  std::unique_ptr<Waiter> waiter_;
};

// --- the workloads -----------------------------------------------------------

awaitable<uint64_t> ReturnIndex(uint64_t i) { co_return i; }

// spawn_many: n tasks each returning its index, joined in spawn order.
awaitable<void> SpawnMany(uint64_t n) {
  auto executor = co_await asio::this_coro::executor;
  JoinAll<uint64_t> join(n);
  for (uint64_t i = 0; i < n; ++i) {
    asio::co_spawn(executor, ReturnIndex(i), join.Handler(i));
  }
  uint64_t sum = 0;
  co_await join.Wait();
  for (uint64_t value : join.results()) sum += value;
  Check(sum == n * (n - 1) / 2, "spawn_many: wrong sum");
}

// One task of yield_many: `yields` times back through the io_context's
// queue (post), then returns the count.
awaitable<uint64_t> Yielder(uint64_t yields) {
  auto executor = co_await asio::this_coro::executor;
  for (uint64_t i = 0; i < yields; ++i) {
    co_await asio::post(executor, use_awaitable);
  }
  co_return yields;
}

awaitable<void> YieldMany(uint64_t tasks, uint64_t yields) {
  auto executor = co_await asio::this_coro::executor;
  JoinAll<uint64_t> join(tasks);
  for (uint64_t i = 0; i < tasks; ++i) {
    asio::co_spawn(executor, Yielder(yields), join.Handler(i));
  }
  co_await join.Wait();
  for (uint64_t value : join.results()) {
    Check(value == yields, "yield_many: a task failed");
  }
}

// One hop of chained_spawn: co_spawns the link of depth - 1 (a task of its
// own) and awaits its completion.
awaitable<uint64_t> Chain(uint64_t depth) {
  if (depth <= 1) co_return 1;
  auto executor = co_await asio::this_coro::executor;
  uint64_t child =
      co_await asio::co_spawn(executor, Chain(depth - 1), use_awaitable);
  co_return child + 1;
}

awaitable<void> ChainedSpawn(uint64_t depth, uint64_t chains) {
  auto executor = co_await asio::this_coro::executor;
  for (uint64_t i = 0; i < chains; ++i) {
    uint64_t reached =
        co_await asio::co_spawn(executor, Chain(depth), use_awaitable);
    Check(reached == depth, "chained_spawn: wrong depth");
  }
}

// SplitMix64, the generator BENCH.md fixes for sleep_many's durations.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

std::shared_ptr<const std::vector<uint64_t>> SleepDurationsMs(uint64_t n) {
  auto durations = std::make_shared<std::vector<uint64_t>>();
  durations->reserve(n);
  SplitMix64 random(kSleepSeed);
  for (uint64_t i = 0; i < n; ++i) durations->push_back(random.Next() % 11);
  return durations;
}

awaitable<uint64_t> Sleeper(uint64_t ms) {
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           std::chrono::milliseconds(ms));
  co_await timer.async_wait(use_awaitable);
  co_return ms;
}

awaitable<void> SleepMany(std::shared_ptr<const std::vector<uint64_t>> ms) {
  auto executor = co_await asio::this_coro::executor;
  JoinAll<uint64_t> join(ms->size());
  for (size_t i = 0; i < ms->size(); ++i) {
    asio::co_spawn(executor, Sleeper((*ms)[i]), join.Handler(i));
  }
  uint64_t sum = 0;
  co_await join.Wait();
  for (uint64_t value : join.results()) sum += value;
  uint64_t expected = 0;
  for (uint64_t duration : *ms) expected += duration;
  Check(sum == expected, "sleep_many: wrong sum");
}

// --- tcp_echo
// ------------------------------------------------------------------

// One server connection: writes back whatever it reads (4 KiB buffer), until
// end of file or an error.
awaitable<void> EchoConnection(tcp::socket socket) {
  char buffer[4096];
  while (true) {
    boost::system::error_code error;
    size_t got = co_await socket.async_read_some(
        asio::buffer(buffer), asio::redirect_error(use_awaitable, error));
    if (error || got == 0) co_return;
    co_await asio::async_write(socket, asio::buffer(buffer, got),
                               asio::redirect_error(use_awaitable, error));
    if (error) co_return;
  }
}

awaitable<void> AcceptLoop(tcp::acceptor acceptor) {
  while (true) {
    boost::system::error_code error;
    tcp::socket socket = co_await acceptor.async_accept(
        asio::redirect_error(use_awaitable, error));
    if (error) {
      std::fprintf(stderr, "tcp_echo: accept: %s\n", error.message().c_str());
      continue;
    }
    socket.set_option(tcp::no_delay(true), error);
    asio::co_spawn(acceptor.get_executor(), EchoConnection(std::move(socket)),
                   asio::detached);
  }
}

// tcp_echo's set-up, once per process and untimed: binds 127.0.0.1 on an
// ephemeral port and co_spawns the accept loop, which runs until the process
// ends. Returns the bound address.
tcp::endpoint StartEchoServer(asio::io_context& context) {
  tcp::acceptor acceptor(context,
                         tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::endpoint address = acceptor.local_endpoint();
  asio::co_spawn(context, AcceptLoop(std::move(acceptor)), asio::detached);
  return address;
}

awaitable<uint64_t> EchoClient(tcp::endpoint server, uint64_t id,
                               uint64_t rounds) {
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(server, use_awaitable);
  socket.set_option(tcp::no_delay(true));
  // Byte i of client id's message is (id + i) mod 256, as on the other sides.
  std::array<char, kEchoMessageBytes> message;
  for (size_t i = 0; i < message.size(); ++i) {
    message[i] = static_cast<char>(id + i);
  }
  std::array<char, kEchoMessageBytes> back = {};
  for (uint64_t i = 0; i < rounds; ++i) {
    co_await asio::async_write(socket, asio::buffer(message), use_awaitable);
    co_await asio::async_read(socket, asio::buffer(back), use_awaitable);
  }
  Check(back == message, "tcp_echo: mismatch");
  co_return rounds;
}

awaitable<void> EchoClients(tcp::endpoint server, uint64_t conns,
                            uint64_t rounds) {
  auto executor = co_await asio::this_coro::executor;
  JoinAll<uint64_t> join(conns);
  for (uint64_t c = 0; c < conns; ++c) {
    asio::co_spawn(executor, EchoClient(server, c, rounds), join.Handler(c));
  }
  co_await join.Wait();
  for (uint64_t value : join.results()) {
    Check(value == rounds, "tcp_echo: a client failed");
  }
}

// --- memory_per_task
// -----------------------------------------------------------

// How many handlers KeepForever has room for (set before the tasks start).
size_t parking_capacity = 0;

// Keeps a completion handler, never to call it. On Asio a suspended
// coroutine is owned by the handler of the operation it waits for (dropping
// the handler destroys the coroutine), so "never ready" means a handler kept
// forever. They go into one array allocated at the first call, whose pages
// become resident only as slots are written: what a parked task adds is
// its handler's own size (sizeof(Handler)), with no allocator header.
template <typename Handler>
void KeepForever(Handler handler) {
  static Handler* const slots =
      static_cast<Handler*>(::operator new(parking_capacity * sizeof(Handler)));
  static std::atomic<size_t> used{0};
  const size_t slot = used.fetch_add(1, std::memory_order_relaxed);
  if (slot >= parking_capacity) std::abort();
  new (&slots[slot]) Handler(std::move(handler));
}

awaitable<void> ParkForever(std::atomic<uint64_t>& parked) {
  parked.fetch_add(1, std::memory_order_relaxed);
  co_await asio::async_initiate<decltype(use_awaitable), void()>(
      [](auto handler) { KeepForever(std::move(handler)); }, use_awaitable);
}

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

// memory_per_task: n detached tasks that count themselves and park; the
// root sleeps 1 ms at a time until all have run, then reads VmRSS and VmHWM.
awaitable<void> ParkMany(uint64_t n, std::atomic<uint64_t>& parked,
                         MemoryFigures& figures) {
  auto executor = co_await asio::this_coro::executor;
  figures.rss_before_kib = ProcStatusKib("VmRSS");
  for (uint64_t i = 0; i < n; ++i) {
    asio::co_spawn(executor, ParkForever(parked), asio::detached);
  }
  asio::steady_timer timer(executor);
  while (parked.load(std::memory_order_relaxed) < n) {
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(use_awaitable);
  }
  figures.rss_after_kib = ProcStatusKib("VmRSS");
  figures.hwm_after_kib = ProcStatusKib("VmHWM");
}

// --- timing
// ----------------------------------------------------------------------

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

// The root task: reads the clocks, co_spawns the body (not started yet: an
// awaitable runs only once awaited) and awaits it, reads the clocks again.
awaitable<Sample> TimedRoot(awaitable<void> body) {
  auto executor = co_await asio::this_coro::executor;
  const double cpu0 = ProcessCpuNs();
  const auto wall0 = std::chrono::steady_clock::now();
  co_await asio::co_spawn(executor, std::move(body), use_awaitable);
  Sample sample;
  sample.wall_ns = std::chrono::duration<double, std::nano>(
                       std::chrono::steady_clock::now() - wall0)
                       .count();
  sample.cpu_ns = ProcessCpuNs() - cpu0;
  co_return sample;
}

// block_on: the calling thread (not one of the io_context's) waits for the
// root task. A body's exception comes out of get().
Sample RunOnce(asio::io_context& context, awaitable<void> body) {
  return asio::co_spawn(context, TimedRoot(std::move(body)), asio::use_future)
      .get();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle]
                                : (values[middle - 1] + values[middle]) / 2;
}

// --- command line
// ----------------------------------------------------------------

constexpr char kUsage[] =
    "usage: asio-peer WORKLOAD [--workers N] [--reps R] [--warmup W] "
    "[--in-task]\n"
    "                          [--n COUNT] [--tasks T] [--chains C] "
    "[--conns K]\n"
    "       asio-peer list [--all]\n"
    "\n"
    "  --workers N  threads running the one io_context (default 2)\n"
    "  --reps R     timed runs; the median is reported (default 5;\n"
    "               memory_per_task always runs once)\n"
    "  --warmup W   untimed runs first (default 1; 0 for tcp_echo,\n"
    "               memory_per_task)\n"
    "  --in-task    run the workload as a co_spawned root task (the only "
    "way)\n"
    "  --n COUNT    the workload's main size (default as docs/BENCH.md)\n"
    "  --tasks T    yield_many's tasks (200)   --chains C  chained_spawn's "
    "chains (100)\n"
    "  --conns K    tcp_echo's connections (64)\n"
    "\n"
    "A workload of BENCH.md that Asio 1.18 cannot express prints one JSON "
    "line\nwith \"na\" (the reason) instead of figures, and exits 0; `list "
    "--all` shows\nthem with their reasons.\n";

const std::vector<std::string> kWorkloads = {
    "spawn_many", "yield_many", "chained_spawn",
    "sleep_many", "tcp_echo",   "memory_per_task",
};

struct Options {
  std::string workload;
  size_t workers = 2;
  size_t reps = 5;
  size_t warmup = 1;
  uint64_t n = 0;  // 0: the workload's default
  uint64_t tasks = kYieldTasks;
  uint64_t chains = kChains;
  uint64_t conns = kEchoConnections;
};

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "asio-peer: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  if (argc < 2) UsageError("no workload given");
  Options options;
  options.workload = argv[1];
  if (options.workload == "-h" || options.workload == "--help") {
    std::fputs(kUsage, stdout);
    std::exit(0);
  }
  if (options.workload == "tcp_echo" || options.workload == "memory_per_task") {
    options.warmup = 0;
  }
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    auto number = [&]() -> uint64_t {
      if (i + 1 >= argc) UsageError(flag + " needs a number");
      char* end = nullptr;
      const uint64_t value = std::strtoull(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0') UsageError(flag + " needs a number");
      return value;
    };
    if (flag == "--workers") {
      options.workers = number();
    } else if (flag == "--reps") {
      options.reps = number();
    } else if (flag == "--warmup") {
      options.warmup = number();
    } else if (flag == "--n") {
      options.n = number();
    } else if (flag == "--tasks") {
      options.tasks = number();
    } else if (flag == "--chains") {
      options.chains = number();
    } else if (flag == "--conns") {
      options.conns = number();
    } else if (flag == "--in-task") {
      // The only mode: there is no block_on-polled future to run it in.
    } else {
      UsageError("unknown argument " + flag);
    }
  }
  if (options.workers == 0 || options.reps == 0) {
    UsageError("--workers and --reps must be at least 1");
  }
  return options;
}

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The common head of the JSON line: peer, workload, workers.
std::string JsonHead(const Options& options) {
  return "{\"peer\":\"asio\",\"workload\":" + JsonString(options.workload) +
         ",\"workers\":" + std::to_string(options.workers);
}

std::string Versions() {
  char text[96];
  std::snprintf(text, sizeof(text),
                ",\"asio\":\"%d.%d.%d\",\"boost\":\"%d.%d.%d\"",
                BOOST_ASIO_VERSION / 100000, BOOST_ASIO_VERSION / 100 % 1000,
                BOOST_ASIO_VERSION % 100, BOOST_VERSION / 100000,
                BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
  return text;
}

// Prints the run's one JSON line, the tokio peer's format: the median run's
// figures per op, the spread, and `extra` members (each starting with ',').
void Report(const Options& options, uint64_t n, uint64_t ops,
            const std::vector<Sample>& samples, const std::string& extra) {
  std::vector<double> walls_ms;
  std::vector<double> cpus_ms;
  for (const Sample& sample : samples) {
    walls_ms.push_back(sample.wall_ns / 1e6);
    cpus_ms.push_back(sample.cpu_ns / 1e6);
  }
  const double min_wall_ms =
      *std::min_element(walls_ms.begin(), walls_ms.end());
  const double max_wall_ms =
      *std::max_element(walls_ms.begin(), walls_ms.end());
  const double wall_ms = Median(walls_ms);
  const double cpu_ms = Median(cpus_ms);
  const double ops_d = static_cast<double>(ops);
  std::printf(
      "%s,\"ns_per_op\":%.2f,\"ops_per_s\":%.0f,\"wall_ms\":%.3f,"
      "\"cpu_ms\":%.3f,\"n\":%llu,\"ops\":%llu,\"reps\":%zu,\"warmup\":%zu,"
      "\"min_wall_ms\":%.3f,\"max_wall_ms\":%.3f,\"root\":\"task\"%s%s}\n",
      JsonHead(options).c_str(), wall_ms * 1e6 / ops_d, ops_d / (wall_ms / 1e3),
      wall_ms, cpu_ms, static_cast<unsigned long long>(n),
      static_cast<unsigned long long>(ops), samples.size(), options.warmup,
      min_wall_ms, max_wall_ms, Versions().c_str(), extra.c_str());
  std::fflush(stdout);
}

// `warmup` untimed runs, then `reps` timed ones, each on a fresh body.
std::vector<Sample> Measure(asio::io_context& context, const Options& options,
                            const std::function<awaitable<void>()>& make_body) {
  for (size_t i = 0; i < options.warmup; ++i) RunOnce(context, make_body());
  std::vector<Sample> samples;
  for (size_t i = 0; i < options.reps; ++i) {
    samples.push_back(RunOnce(context, make_body()));
  }
  return samples;
}

// Runs one workload on `context` and prints its JSON line.
void Run(asio::io_context& context, const Options& o) {
  auto size = [&](uint64_t fallback) { return o.n != 0 ? o.n : fallback; };
  const std::string& w = o.workload;
  uint64_t n = 0;
  uint64_t ops = 0;
  std::vector<Sample> samples;
  if (w == "spawn_many") {
    n = ops = size(kSpawnTasks);
    samples = Measure(context, o, [n] { return SpawnMany(n); });
  } else if (w == "yield_many") {
    n = size(kYieldsPerTask);
    ops = n * o.tasks;
    samples = Measure(context, o, [n, &o] { return YieldMany(o.tasks, n); });
  } else if (w == "chained_spawn") {
    n = size(kChainDepth);
    ops = n * o.chains;
    samples =
        Measure(context, o, [n, &o] { return ChainedSpawn(n, o.chains); });
  } else if (w == "sleep_many") {
    n = ops = size(kSleepTasks);
    auto durations = SleepDurationsMs(n);
    samples = Measure(context, o, [&] { return SleepMany(durations); });
  } else if (w == "tcp_echo") {
    n = size(kEchoRoundTrips);
    ops = n * o.conns;
    const tcp::endpoint server = StartEchoServer(context);
    samples =
        Measure(context, o, [&] { return EchoClients(server, o.conns, n); });
  } else if (w == "memory_per_task") {
    // One run in this fresh process: a second one would find the first
    // one's memory already mapped.
    n = ops = size(kParkedTasks);
    parking_capacity = n;
    auto* parked = new std::atomic<uint64_t>(0);  // outlives the tasks
    MemoryFigures figures;
    samples.push_back(RunOnce(context, ParkMany(n, *parked, figures)));
    auto per_task = [&](uint64_t kib) {
      return static_cast<double>(kib > figures.rss_before_kib
                                     ? kib - figures.rss_before_kib
                                     : 0) *
             1024.0 / static_cast<double>(n);
    };
    char extra[96];
    std::snprintf(extra, sizeof(extra),
                  ",\"bytes_per_task\":%.1f,\"hwm_bytes_per_task\":%.1f",
                  per_task(figures.rss_after_kib),
                  per_task(figures.hwm_after_kib));
    Options once = o;
    once.reps = 1;
    once.warmup = 0;
    Report(once, n, ops, samples, extra);
    return;
  } else {
    UsageError("unknown workload \"" + w + "\" (`asio-peer list` lists them)");
  }
  Report(o, n, ops, samples, "");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "list") {
    for (const std::string& workload : kWorkloads) {
      std::printf("%s\n", workload.c_str());
    }
    if (argc > 2 && std::string_view(argv[2]) == "--all") {
      for (const auto& [workload, why] : kNotExpressible) {
        std::printf("%s: n/a: %s\n", workload.c_str(), why.c_str());
      }
    }
    return 0;
  }
  const Options options = ParseOptions(argc, argv);
  if (auto na = kNotExpressible.find(options.workload);
      na != kNotExpressible.end()) {
    std::printf("%s,\"na\":%s%s}\n", JsonHead(options).c_str(),
                JsonString(na->second).c_str(), Versions().c_str());
    return 0;
  }

  // One io_context, run by `workers` threads, built before any timing. The
  // work guard keeps them running between runs.
  asio::io_context context(static_cast<int>(options.workers));
  auto guard = asio::make_work_guard(context);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < options.workers; ++i) {
    threads.emplace_back([&context] { context.run(); });
  }
  try {
    Run(context, options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "asio-peer: %s: %s\n", options.workload.c_str(),
                 error.what());
    std::fflush(stderr);
    _exit(1);
  }
  // tcp_echo's server and memory_per_task's million parked coroutines are
  // still there: leave without tearing them down, as the tokio peer does.
  std::fflush(stdout);
  _exit(0);
}
