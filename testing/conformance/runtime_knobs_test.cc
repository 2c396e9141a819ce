// Runtime::Builder's scheduler and thread knobs (event_interval,
// global_queue_interval, thread_name_fn, thread_stack_size, on_thread_park /
// on_thread_unpark), per-worker metrics, and slow-poll detection.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <source_location>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "executors/platform/threads.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class RuntimeKnobsTest : public RuntimeTest {
 protected:
  // This test's flavor with a single worker, so that every task runs on
  // one thread in an order the test can reason about.
  Runtime::Builder MakeSingleWorkerBuilder() const {
    Runtime::Builder builder = MakeBuilder();
    if (multi_thread()) builder.worker_threads(1);
    return builder;
  }
};
WEFT_CONFORMANCE_INSTANTIATE(RuntimeKnobsTest);

class WorkerMetricsTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(WorkerMetricsTest);

class SlowPollTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(SlowPollTest);

Task<int> Identity(int value) { co_return value; }

// Keeps the calling thread busy (without suspending) for at least
// `duration`. Not a timing assertion: it only makes a poll long enough.
void BusyFor(std::chrono::nanoseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
  }
}

// ---------------------------------------------------------------------------
// Validation.

TEST_P(RuntimeKnobsTest, ZeroEventIntervalIsABuildError) {
  Runtime::Builder builder = MakeBuilder();
  builder.event_interval(0);
  absl::StatusOr<Runtime> rt = builder.build();
  ASSERT_FALSE(rt.ok());
  EXPECT_EQ(rt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      Contains(std::string(rt.status().message()), "event_interval(0)"));
}

TEST_P(RuntimeKnobsTest, ZeroGlobalQueueIntervalIsABuildError) {
  Runtime::Builder builder = MakeBuilder();
  builder.global_queue_interval(0);
  absl::StatusOr<Runtime> rt = builder.build();
  ASSERT_FALSE(rt.ok());
  EXPECT_EQ(rt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      Contains(std::string(rt.status().message()), "global_queue_interval(0)"));
}

TEST_P(RuntimeKnobsTest, TooSmallStackIsABuildErrorNamingTheMinimum) {
  Runtime::Builder builder = MakeBuilder();
  builder.thread_stack_size(1024);
  absl::StatusOr<Runtime> rt = builder.build();
  ASSERT_FALSE(rt.ok());
  EXPECT_EQ(rt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      Contains(std::string(rt.status().message()), "thread_stack_size(1024)"));
  EXPECT_TRUE(Contains(std::string(rt.status().message()),
                       std::to_string(platform::MinThreadStackSize())))
      << "the message names the minimum";
}

TEST_P(RuntimeKnobsTest, NonPositiveSlowPollThresholdIsABuildError) {
  Runtime::Builder builder = MakeBuilder();
  builder.slow_poll_threshold(std::chrono::nanoseconds(0));
  absl::StatusOr<Runtime> rt = builder.build();
  ASSERT_FALSE(rt.ok());
  EXPECT_EQ(rt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      Contains(std::string(rt.status().message()), "slow_poll_threshold"));
}

// ---------------------------------------------------------------------------
// Threads.

TEST_P(RuntimeKnobsTest, ThreadNameFnNamesEachNewThread) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  Runtime::Builder builder = MakeBuilder();
  builder.thread_name("not-this-one");
  builder.thread_name_fn(
      [calls] { return "knob-" + std::to_string(calls->fetch_add(1)); });
  Runtime rt = Build(builder);
  std::set<std::string> worker_names;
  rt.block_on([&]() -> Task<void> {
    JoinResult<std::string> blocking =
        co_await spawn_blocking([] { return CurrentThreadName(); });
    WEFT_CO_ASSERT_TRUE(blocking.has_value());
    EXPECT_TRUE(Contains(*blocking, "knob-")) << "blocking thread";
    if (multi_thread()) {
      // Hold both workers at once so that each reports its own name.
      std::atomic<int> arrived{0};
      std::vector<JoinHandle<std::string>> handles;
      for (int i = 0; i < kWorkers; ++i) {
        handles.push_back(spawn([&arrived]() -> Task<std::string> {
          arrived.fetch_add(1);
          SpinUntil([&] { return arrived.load() == kWorkers; });
          co_return CurrentThreadName();
        }));
      }
      for (JoinHandle<std::string>& handle : handles) {
        JoinResult<std::string> name = co_await handle;
        WEFT_CO_ASSERT_TRUE(name.has_value());
        EXPECT_TRUE(Contains(*name, "knob-")) << "worker thread";
        worker_names.insert(*name);
      }
    }
  });
  if (multi_thread()) {
    EXPECT_EQ(worker_names.size(), static_cast<size_t>(kWorkers))
        << "the function is called once per thread";
  }
  EXPECT_GE(calls->load(), task_threads() == 1 ? 1 : kWorkers + 1);
}

TEST_P(RuntimeKnobsTest, ThreadStackSizeIsTheStackOfRuntimeThreads) {
  // Larger than the usual default (8 MiB): glibc reuses a cached stack that
  // is larger than asked for (up to 4 times), so a smaller size could come
  // back as the default one. pthread may round up (to pages, plus a guard):
  // a window, not an exact value. A default in the window proves nothing.
  constexpr size_t kStack = 12 * 1024 * 1024 + 64 * 1024;
  auto in_window = [](size_t size) {
    return size >= kStack && size < kStack + 512 * 1024;
  };
  size_t default_size = 0;
  std::thread([&default_size] {
    default_size = platform::StackSizeOfThisThread();
  }).join();
  if (in_window(default_size)) {
    GTEST_SKIP() << "the default stack size " << default_size
                 << " is too close to the size under test";
  }
  Runtime::Builder builder = MakeBuilder();
  builder.thread_stack_size(kStack);
  Runtime rt = Build(builder);
  rt.block_on([&]() -> Task<void> {
    JoinResult<size_t> blocking = co_await spawn_blocking(
        [] { return platform::StackSizeOfThisThread(); });
    WEFT_CO_ASSERT_TRUE(blocking.has_value());
    EXPECT_TRUE(in_window(*blocking))
        << "blocking thread stack: " << *blocking << ", asked for " << kStack;
    if (multi_thread()) {
      JoinResult<size_t> worker = co_await spawn([]() -> Task<size_t> {
        co_return platform::StackSizeOfThisThread();
      });
      WEFT_CO_ASSERT_TRUE(worker.has_value());
      EXPECT_TRUE(in_window(*worker))
          << "worker stack: " << *worker << ", asked for " << kStack;
    }
  });
}

TEST_P(RuntimeKnobsTest, ParkAndUnparkHooksComeInPairs) {
  auto parks = std::make_shared<std::atomic<int>>(0);
  auto unparks = std::make_shared<std::atomic<int>>(0);
  auto unbalanced = std::make_shared<std::atomic<bool>>(false);
  // Per thread: each park is followed by its unpark before the next park.
  auto pending = std::make_shared<std::mutex>();
  auto parked_threads = std::make_shared<std::set<std::thread::id>>();
  {
    Runtime::Builder builder = MakeBuilder();
    builder.on_thread_park([=] {
      parks->fetch_add(1);
      std::lock_guard lock(*pending);
      if (!parked_threads->insert(std::this_thread::get_id()).second) {
        unbalanced->store(true);
      }
    });
    builder.on_thread_unpark([=] {
      unparks->fetch_add(1);
      std::lock_guard lock(*pending);
      if (parked_threads->erase(std::this_thread::get_id()) != 1) {
        unbalanced->store(true);
      }
    });
    Runtime rt = Build(builder);
    rt.block_on([]() -> Task<void> {
      JoinResult<void> slept =
          co_await spawn([]() -> Task<void> { co_await sleep(5ms); });
      EXPECT_TRUE(slept.has_value());
    });
    EXPECT_GE(parks->load(), 1)
        << "a runtime whose only task sleeps parks its worker";
  }
  EXPECT_EQ(parks->load(), unparks->load());
  EXPECT_FALSE(unbalanced->load())
      << "every park is followed by an unpark on the same thread";
}

// ---------------------------------------------------------------------------
// Scheduler intervals.
//
// Both tests keep one worker busy with two tasks that wake each other (so
// that its local queue is never empty), and count the wake-ups of one of
// them: a scheduler tick is a fixed small number of them. Then something
// becomes ready that the worker notices only when the interval under test
// comes round, and the test counts how many wake-ups pass until the worker
// runs it. The event is made ready right after the previous one ran, so
// that, after the first round, it always waits a whole interval: 61 ticks
// by default, 1 tick with the interval set to 1. No clock is involved.

struct PingPong {
  Notify ping;
  Notify pong;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> pings{0};
};

Task<void> Ponger(PingPong* pp) {
  while (true) {
    co_await pp->pong.notified();
    pp->ping.notify_one();
    if (pp->stop.load()) co_return;
  }
}

// One ping (counted) and its answer.
Task<void> PingOnce(PingPong* pp) {
  pp->pings.fetch_add(1);
  pp->pong.notify_one();
  co_await pp->ping.notified();
}

Task<void> RecordPings(PingPong* pp, std::atomic<int64_t>* seen) {
  seen->store(pp->pings.load());
  co_return;
}

// How many pings pass between a task being spawned from a thread outside
// the runtime and its running, for each of `rounds` rounds.
Task<std::vector<int64_t>> InjectedLags(Handle handle, int rounds) {
  PingPong pp;
  JoinHandle<void> ponger = spawn(Ponger(&pp));
  std::vector<int64_t> lags;
  for (int round = 0; round < rounds; ++round) {
    std::atomic<int64_t> seen{-1};
    const int64_t pushed_at = pp.pings.load();
    // Spawned from outside the workers, so it goes to the global queue, and
    // it is there when this poll goes on.
    std::thread([&] { (void)handle.spawn(RecordPings(&pp, &seen)); }).join();
    while (seen.load() < 0) co_await PingOnce(&pp);
    lags.push_back(seen.load() - pushed_at);
  }
  pp.stop.store(true);
  pp.pong.notify_one();
  JoinResult<void> ponged = co_await ponger;
  EXPECT_TRUE(ponged.has_value());
  co_return lags;
}

TEST_P(RuntimeKnobsTest, GlobalQueueIntervalOfOneLooksAtOutsideWorkEveryTick) {
  Runtime::Builder builder = MakeSingleWorkerBuilder();
  builder.global_queue_interval(1);
  Runtime rt = Build(builder);
  std::vector<int64_t> lags = rt.block_on([&]() -> Task<std::vector<int64_t>> {
    JoinResult<std::vector<int64_t>> lags =
        co_await spawn(InjectedLags(rt.handle(), 5));
    co_return lags.has_value() ? *lags : std::vector<int64_t>{};
  });
  ASSERT_EQ(lags.size(), 5u);
  for (int64_t lag : lags) {
    EXPECT_LE(lag, 4) << "with global_queue_interval(1) a task spawned from "
                         "outside waits at most a tick or so";
  }
}

TEST_P(RuntimeKnobsTest, LongGlobalQueueIntervalLetsOutsideWorkWait) {
  constexpr uint32_t kInterval = 1000;
  Runtime::Builder builder = MakeSingleWorkerBuilder();
  builder.global_queue_interval(kInterval);
  Runtime rt = Build(builder);
  std::vector<int64_t> lags = rt.block_on([&]() -> Task<std::vector<int64_t>> {
    JoinResult<std::vector<int64_t>> lags =
        co_await spawn(InjectedLags(rt.handle(), 3));
    co_return lags.has_value() ? *lags : std::vector<int64_t>{};
  });
  ASSERT_EQ(lags.size(), 3u);
  // A ping is two polls; a tick is one poll on current_thread and four (three
  // from the LIFO slot) on multi_thread. A whole interval is therefore at
  // least kInterval / 2 pings; the default (61 ticks) would be at most 122.
  for (size_t round = 1; round < lags.size(); ++round) {
    EXPECT_GE(lags[round], kInterval / 4)
        << "round " << round << ": the global queue was looked at early";
  }
}

// A task sleeping until a deadline that a busy worker lets pass: how many
// pings pass between the deadline and the task running.
Task<std::vector<int64_t>> TimerLags(int rounds) {
  PingPong pp;
  JoinHandle<void> ponger = spawn(Ponger(&pp));
  std::atomic<int64_t> seen{-1};
  std::atomic<int> fired{0};
  std::atomic<int64_t> deadline_ns{0};
  // The sleeper starts a round only once this task has taken the last
  // round's deadline: when the machine is slow the last timer can fire
  // before this task looks, and a sleeper that went on would overwrite the
  // deadline and finish a round ahead, leaving this task waiting for a
  // deadline that never comes (seen under Wine on a loaded machine).
  Notify deadline_taken;
  auto sleeper = [](PingPong* pp, std::atomic<int64_t>* seen,
                    std::atomic<int>* fired, std::atomic<int64_t>* deadline_ns,
                    Notify* deadline_taken, int rounds) -> Task<void> {
    for (int round = 0; round < rounds; ++round) {
      if (round > 0) co_await deadline_taken->notified();
      const auto deadline = std::chrono::steady_clock::now() + 1ms;
      deadline_ns->store(deadline.time_since_epoch().count());
      co_await sleep_until(deadline);
      seen->store(pp->pings.load());
      fired->fetch_add(1);
    }
  };
  JoinHandle<void> sleeping =
      spawn(sleeper(&pp, &seen, &fired, &deadline_ns, &deadline_taken, rounds));
  std::vector<int64_t> lags;
  for (int round = 0; round < rounds; ++round) {
    // The sleeper registered this round's timer (it ran since the last
    // round ended, or first, before this task's next poll).
    while (deadline_ns.load() == 0) co_await PingOnce(&pp);
    const std::chrono::steady_clock::time_point deadline{
        std::chrono::steady_clock::duration(deadline_ns.exchange(0))};
    deadline_taken.notify_one();
    // Let the deadline pass inside this poll: the timer is due from now on,
    // and only a poll of the driver can notice.
    while (std::chrono::steady_clock::now() <= deadline) {
    }
    const int64_t due_at = pp.pings.load();
    while (fired.load() <= round) co_await PingOnce(&pp);
    lags.push_back(seen.load() - due_at);
  }
  pp.stop.store(true);
  pp.pong.notify_one();
  JoinResult<void> ponged = co_await ponger;
  EXPECT_TRUE(ponged.has_value());
  JoinResult<void> slept = co_await sleeping;
  EXPECT_TRUE(slept.has_value());
  co_return lags;
}

TEST_P(RuntimeKnobsTest, EventIntervalOfOnePollsTheDriverEveryTick) {
  Runtime::Builder builder = MakeSingleWorkerBuilder();
  builder.event_interval(1);
  Runtime rt = Build(builder);
  std::vector<int64_t> lags = rt.block_on([]() -> Task<std::vector<int64_t>> {
    JoinResult<std::vector<int64_t>> lags = co_await spawn(TimerLags(5));
    co_return lags.has_value() ? *lags : std::vector<int64_t>{};
  });
  ASSERT_EQ(lags.size(), 5u);
  for (int64_t lag : lags) {
    EXPECT_LE(lag, 4) << "with event_interval(1) a due timer waits at most a "
                         "tick or so";
  }
}

TEST_P(RuntimeKnobsTest, LongEventIntervalLetsDueTimersWait) {
  constexpr uint32_t kInterval = 1000;
  Runtime::Builder builder = MakeSingleWorkerBuilder();
  builder.event_interval(kInterval);
  Runtime rt = Build(builder);
  std::vector<int64_t> lags = rt.block_on([]() -> Task<std::vector<int64_t>> {
    JoinResult<std::vector<int64_t>> lags = co_await spawn(TimerLags(3));
    co_return lags.has_value() ? *lags : std::vector<int64_t>{};
  });
  ASSERT_EQ(lags.size(), 3u);
  // As in LongGlobalQueueIntervalLetsOutsideWorkWait.
  for (size_t round = 1; round < lags.size(); ++round) {
    EXPECT_GE(lags[round], kInterval / 4)
        << "round " << round << ": the driver was polled early";
  }
}

// ---------------------------------------------------------------------------
// Per-worker metrics.

uint64_t Sum(const RuntimeMetrics& metrics, uint64_t WorkerMetrics::*field) {
  uint64_t sum = 0;
  for (const WorkerMetrics& worker : metrics.worker_metrics) {
    sum += worker.*field;
  }
  return sum;
}

std::chrono::nanoseconds TotalBusy(const RuntimeMetrics& metrics) {
  std::chrono::nanoseconds sum{0};
  for (const WorkerMetrics& worker : metrics.worker_metrics) {
    sum += worker.busy_duration;
  }
  return sum;
}

TEST_P(WorkerMetricsTest, OneEntryPerWorker) {
  Runtime rt = MakeRuntime();
  RuntimeMetrics metrics = rt.handle().metrics();
  EXPECT_EQ(metrics.worker_metrics.size(), metrics.workers);
  EXPECT_EQ(metrics.worker_metrics.size(), static_cast<size_t>(task_threads()));
}

TEST_P(WorkerMetricsTest, PollsAndBusyTimeAreCounted) {
  constexpr int kTasks = 200;
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    std::vector<JoinHandle<int>> handles;
    for (int i = 0; i < kTasks; ++i) handles.push_back(spawn(Identity(i)));
    for (JoinHandle<int>& handle : handles) {
      JoinResult<int> result = co_await handle;
      EXPECT_TRUE(result.has_value());
    }
  });
  RuntimeMetrics metrics = rt.handle().metrics();
  EXPECT_GE(Sum(metrics, &WorkerMetrics::poll_count),
            static_cast<uint64_t>(kTasks));
  EXPECT_EQ(Sum(metrics, &WorkerMetrics::poll_count), metrics.total_polls);
  // Busy time is added up when a worker parks; with nothing left to do,
  // every worker parks.
  EXPECT_TRUE(SpinUntil([&] {
    return TotalBusy(rt.handle().metrics()) > std::chrono::nanoseconds(0);
  })) << "busy_duration grows";
}

TEST_P(WorkerMetricsTest, ParkCountGrowsWhileIdle) {
  Runtime rt = MakeRuntime();
  const uint64_t before =
      Sum(rt.handle().metrics(), &WorkerMetrics::park_count);
  // A task that sleeps makes its worker park (current_thread parks only
  // inside block_on).
  rt.block_on([]() -> Task<void> {
    JoinResult<int> slept = co_await spawn(After(2ms, 0));
    EXPECT_TRUE(slept.has_value());
  });
  EXPECT_TRUE(SpinUntil([&] {
    return Sum(rt.handle().metrics(), &WorkerMetrics::park_count) > before;
  })) << "park_count grows when workers idle";
  // (That park_unpark_count agrees with it: worker_counters_test.)
}

TEST_P(WorkerMetricsTest, LocalQueueDepthCountsQueuedTasks) {
  Runtime::Builder builder = MakeBuilder();
  if (multi_thread()) builder.worker_threads(1);
  Runtime rt = Build(builder);
  size_t depth = rt.block_on([]() -> Task<size_t> {
    JoinResult<size_t> queued = co_await spawn([]() -> Task<size_t> {
      for (int i = 0; i < 5; ++i) (void)spawn(Identity(i));
      co_return Handle::current()
          .metrics()
          .worker_metrics.at(0)
          .local_queue_depth;
    });
    co_return queued.has_value() ? *queued : 0;
  });
  // On multi_thread the last task spawned waits in the worker's LIFO slot,
  // which is not part of its queue (as in tokio).
  EXPECT_EQ(depth, multi_thread() ? 4u : 5u);
}

TEST_P(WorkerMetricsTest, IdleWorkerStealsFromABusyOne) {
  if (!multi_thread()) GTEST_SKIP() << "current_thread has nobody to steal";
  constexpr int kTasks = 50;
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinResult<bool> done = co_await spawn([]() -> Task<bool> {
      auto ran = std::make_shared<std::atomic<int>>(0);
      for (int i = 0; i < kTasks; ++i) {
        (void)spawn([ran]() -> Task<void> {
          ran->fetch_add(1);
          co_return;
        });
      }
      // This worker stays in this poll: the tasks in its queue run only if
      // the other worker steals them (the last one waits in the LIFO slot,
      // which cannot be stolen).
      co_return SpinUntil([&] { return ran->load() >= kTasks - 1; });
    });
    EXPECT_TRUE(done.has_value() && *done) << "the other worker stole";
  });
  RuntimeMetrics metrics = rt.handle().metrics();
  EXPECT_GE(Sum(metrics, &WorkerMetrics::steal_count),
            static_cast<uint64_t>(kTasks - 1));
  EXPECT_GE(Sum(metrics, &WorkerMetrics::steal_operations), 1u);
  EXPECT_LE(Sum(metrics, &WorkerMetrics::steal_operations),
            Sum(metrics, &WorkerMetrics::steal_count));
}

// ---------------------------------------------------------------------------
// Slow-poll detection.

struct Reports {
  std::mutex mu;
  std::vector<SlowPollReport> reports;

  std::function<void(const SlowPollReport&)> Callback() {
    return [this](const SlowPollReport& report) {
      std::lock_guard lock(mu);
      reports.push_back(report);
    };
  }
  std::vector<SlowPollReport> Take() {
    std::lock_guard lock(mu);
    return std::exchange(reports, {});
  }
};

Task<void> BusyTask() {
  BusyFor(5ms);
  co_return;
}

TEST_P(SlowPollTest, OffByDefault) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinResult<void> result = co_await spawn(BusyTask());
    EXPECT_TRUE(result.has_value());
  });
  EXPECT_EQ(rt.handle().metrics().slow_polls, 0u);
}

TEST_P(SlowPollTest, ASlowPollIsReportedWithTheTasksIdentity) {
  Reports reports;
  Runtime::Builder builder = MakeBuilder();
  builder.slow_poll_threshold(1ms, reports.Callback());
  Runtime rt = Build(builder);
  int line = 0;
  TaskId id;
  rt.block_on([&]() -> Task<void> {
    // clang-format off
    line = std::source_location::current().line(); JoinHandle<void> handle = spawn_named("slowpoke", BusyTask());  // NOLINT
    // clang-format on
    id = handle.id();
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(result.has_value());
  });
  std::vector<SlowPollReport> seen = reports.Take();
  ASSERT_EQ(seen.size(), 1u) << "one slow poll, reported once";
  EXPECT_EQ(seen[0].task_id, id);
  EXPECT_EQ(seen[0].task_name, "slowpoke");
  EXPECT_EQ(static_cast<int>(seen[0].location.line()), line);
  EXPECT_TRUE(Contains(seen[0].location.file_name(), "runtime_knobs_test.cc"));
  EXPECT_GE(seen[0].duration, 1ms);
  EXPECT_EQ(rt.handle().metrics().slow_polls, 1u);
}

TEST_P(SlowPollTest, CountedWithoutACallback) {
  Runtime::Builder builder = MakeBuilder();
  builder.slow_poll_threshold(1ms);
  Runtime rt = Build(builder);
  rt.block_on([]() -> Task<void> {
    JoinResult<void> result = co_await spawn(BusyTask());
    EXPECT_TRUE(result.has_value());
  });
  EXPECT_EQ(rt.handle().metrics().slow_polls, 1u);
}

TEST_P(SlowPollTest, FastPollsUnderTheThresholdAreNotReported) {
  Reports reports;
  Runtime::Builder builder = MakeBuilder();
  builder.slow_poll_threshold(std::chrono::seconds(30), reports.Callback());
  Runtime rt = Build(builder);
  rt.block_on([]() -> Task<void> {
    for (int i = 0; i < 20; ++i) {
      JoinResult<int> result = co_await spawn(After(100us, i));
      EXPECT_TRUE(result.has_value());
    }
  });
  EXPECT_TRUE(reports.Take().empty());
  EXPECT_EQ(rt.handle().metrics().slow_polls, 0u);
}

TEST_P(SlowPollTest, BlockingClosuresAreNotPolls) {
  Reports reports;
  Runtime::Builder builder = MakeBuilder();
  builder.slow_poll_threshold(1ms, reports.Callback());
  Runtime rt = Build(builder);
  rt.block_on([]() -> Task<void> {
    JoinResult<void> result = co_await spawn_blocking([] { BusyFor(5ms); });
    EXPECT_TRUE(result.has_value());
  });
  EXPECT_TRUE(reports.Take().empty());
  EXPECT_EQ(rt.handle().metrics().slow_polls, 0u);
}

TEST_P(SlowPollTest, APollThatBlocksInPlaceIsNotReported) {
  if (!multi_thread()) {
    GTEST_SKIP() << "block_in_place needs a multi_thread runtime";
  }
  Reports reports;
  Runtime::Builder builder = MakeBuilder();
  builder.slow_poll_threshold(1ms, reports.Callback());
  Runtime rt = Build(builder);
  rt.block_on([]() -> Task<void> {
    JoinResult<void> result = co_await spawn([]() -> Task<void> {
      block_in_place([] { BusyFor(5ms); });
      co_return;
    });
    EXPECT_TRUE(result.has_value());
  });
  EXPECT_TRUE(reports.Take().empty());
  EXPECT_EQ(rt.handle().metrics().slow_polls, 0u);
}

TEST_P(SlowPollTest, LocalSetTasksAreTimedToo) {
  Reports reports;
  Runtime::Builder builder = MakeBuilder();
  builder.slow_poll_threshold(1ms, reports.Callback());
  Runtime rt = Build(builder);
  LocalSet local;
  TaskId id;
  auto body = [&]() -> Task<void> {
    JoinHandle<void> handle = spawn_local(BusyTask());
    id = handle.id();
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(result.has_value());
  };
  rt.block_on(local.run_until(body()));
  std::vector<SlowPollReport> seen = reports.Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].task_id, id);
}

}  // namespace
}  // namespace weft::conformance
