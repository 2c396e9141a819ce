// Runtime, Builder and Handle: knobs, block_on, handles, shutdown,
// destruction, unhandled panics, metrics, dump, backends.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/errors.h"
#include "runtime/executor.h"
#include "runtime/known_executors.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class RuntimeBuilderTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(RuntimeBuilderTest);

class RuntimeLifecycleTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(RuntimeLifecycleTest);

class RuntimeIntrospectionTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(RuntimeIntrospectionTest);

static_assert(!std::is_copy_constructible_v<Runtime>, "Runtime is move-only");
static_assert(std::is_move_constructible_v<Runtime>);
static_assert(std::is_copy_constructible_v<Handle>, "Handle is copyable");

TaskLocal<int> kRuntimeLocal;

Task<int> Identity(int value) { co_return value; }

Task<void> SleepForeverHolding([[maybe_unused]] DropCounter guard) {
  co_await sleep(kForever);
}

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1));
}

// ---------------------------------------------------------------------------
// Builder knobs.

TEST_P(RuntimeBuilderTest, WorkerThreads) {
  Runtime::Builder builder = MakeBuilder();
  if (multi_thread()) builder.worker_threads(3);
  Runtime rt = Build(builder);
  EXPECT_EQ(rt.handle().metrics().workers, multi_thread() ? 3u : 1u);
  // With 3 workers, 3 tasks can spin at once.
  if (multi_thread()) {
    std::atomic<int> arrived{0};
    rt.block_on([&]() -> Task<void> {
      std::vector<JoinHandle<bool>> handles;
      for (int i = 0; i < 3; ++i) {
        handles.push_back(spawn([&arrived]() -> Task<bool> {
          arrived.fetch_add(1);
          co_return SpinUntil([&] { return arrived.load() == 3; });
        }));
      }
      for (JoinHandle<bool>& handle : handles) {
        JoinResult<bool> result = co_await handle;
        EXPECT_TRUE(result.has_value() && *result)
            << "3 workers did not run 3 tasks at once";
      }
    });
  }
}

TEST_P(RuntimeBuilderTest, ThreadNameNamesRuntimeThreads) {
  Runtime::Builder builder = MakeBuilder();
  builder.thread_name("weft-conform");
  Runtime rt = Build(builder);
  rt.block_on([&]() -> Task<void> {
    JoinResult<std::string> blocking =
        co_await spawn_blocking([] { return CurrentThreadName(); });
    EXPECT_TRUE(blocking.has_value() && *blocking == "weft-conform")
        << "blocking thread name: "
        << (blocking.has_value() ? *blocking : Describe(blocking));
    if (multi_thread()) {
      JoinResult<std::string> worker =
          co_await spawn([]() -> Task<std::string> {
            co_await yield_now();
            co_return CurrentThreadName();
          });
      EXPECT_TRUE(worker.has_value() && *worker == "weft-conform")
          << "worker thread name: "
          << (worker.has_value() ? *worker : Describe(worker));
    }
  });
}

TEST_P(RuntimeBuilderTest, OnThreadStartAndStopAreCalledForEveryThread) {
  std::atomic<int> starts{0};
  std::atomic<int> stops{0};
  {
    Runtime::Builder builder = MakeBuilder();
    builder.on_thread_start([&starts] { starts.fetch_add(1); });
    builder.on_thread_stop([&stops] { stops.fetch_add(1); });
    Runtime rt = Build(builder);
    rt.block_on([]() -> Task<void> {
      JoinResult<void> blocking = co_await spawn_blocking([] {});
      EXPECT_TRUE(blocking.has_value());
      for (int i = 0; i < 10; ++i) {
        JoinResult<int> r = co_await spawn(Identity(i));
        EXPECT_TRUE(r.has_value());
      }
    });
    // Threads may start asynchronously: wait for each worker and the
    // blocking thread to have run the hook.
    const int expected = multi_thread() ? kWorkers + 1 : 1;
    EXPECT_TRUE(SpinUntil([&] { return starts.load() >= expected; }))
        << "on_thread_start runs for each worker and blocking thread: "
        << starts.load() << " calls, expected at least " << expected;
  }
  EXPECT_EQ(stops.load(), starts.load())
      << "every thread the runtime started has stopped after ~Runtime";
}

TEST_P(RuntimeBuilderTest, BackendIsTheOneTheTestWasStartedWith) {
  const char* expected = std::getenv("WEFT_BACKEND");
  if (expected == nullptr) {
    GTEST_SKIP() << "WEFT_BACKEND is not set: run this binary through the "
                    "conformance_<backend> test target, which sets it";
  }
  Runtime rt = MakeRuntime();
  EXPECT_EQ(rt.handle().backend().running, expected);
  std::string inside = rt.block_on([]() -> Task<std::string> {
    co_return Handle::current().backend().running;
  });
  EXPECT_EQ(inside, expected);
}

TEST_P(RuntimeBuilderTest, ExplicitBackendIsHonoured) {
  const char* name = std::getenv("WEFT_BACKEND");
  if (name == nullptr) {
    GTEST_SKIP() << "WEFT_BACKEND is not set: run this binary through the "
                    "conformance_<backend> test target, which sets it";
  }
  Runtime::Builder builder = MakeBuilder();
  builder.backend(name);
  Runtime rt = Build(builder);
  BackendInfo info = rt.handle().backend();
  EXPECT_EQ(info.requested, name);
  EXPECT_EQ(info.running, name);
  EXPECT_EQ(rt.block_on(Identity(3)), 3);
}

TEST_P(RuntimeBuilderTest, UnknownBackendIsABuildError) {
  Runtime::Builder builder = MakeBuilder();
  builder.backend("no-such-backend");
  absl::StatusOr<Runtime> rt = builder.build();
  ASSERT_FALSE(rt.ok()) << "a runtime with an unknown backend was built";
  const std::string message(rt.status().message());
  EXPECT_TRUE(Contains(message, "no-such-backend")) << rt.status();
  EXPECT_EQ(rt.status().code(), absl::StatusCode::kInvalidArgument);
  // It names the backends that exist and the ones linked, and does not send
  // the user to a build flag value the build would reject.
  for (const std::string& name : KnownExecutorNames()) {
    EXPECT_TRUE(Contains(message, name));
  }
  for (const ExecutorRegistration& linked : LinkedExecutors()) {
    EXPECT_TRUE(Contains(message, linked.name));
  }
  EXPECT_EQ(message.find("--//executors:backend=no-such-backend"),
            std::string::npos)
      << message;
}

// ---------------------------------------------------------------------------
// block_on and handles.

TEST_P(RuntimeLifecycleTest, BlockOnReturnsTheValueOfATaskOrCallable) {
  Runtime rt = MakeRuntime();
  EXPECT_EQ(rt.block_on(Identity(5)), 5);
  const int offset = 10;
  EXPECT_EQ(rt.block_on([offset]() -> Task<int> {
    co_await sleep(1ms);
    co_return offset + 1;
  }),
            11);
  rt.block_on([]() -> Task<void> { co_return; });
}

TEST_P(RuntimeLifecycleTest, BlockOnPropagatesExceptionsOfACallable) {
  Runtime rt = MakeRuntime();
  bool caught = false;
  try {
    rt.block_on([]() -> Task<void> {
      co_await sleep(1ms);
      throw TestError("out of block_on", 2);
    });
  } catch (const TestError& e) {
    caught = e.code() == 2;
  }
  EXPECT_TRUE(caught);
  EXPECT_EQ(rt.block_on(Identity(1)), 1) << "the runtime is still usable";
}

TEST_P(RuntimeLifecycleTest, BlockOnBodyStaysOnTheCallingThread) {
  Runtime rt = MakeRuntime();
  const std::thread::id caller = std::this_thread::get_id();
  int moved = rt.block_on([caller]() -> Task<int> {
    int moved = 0;
    for (int i = 0; i < 20; ++i) {
      co_await sleep(std::chrono::microseconds(100 * (i % 3)));
      if (std::this_thread::get_id() != caller) ++moved;
      JoinResult<int> r = co_await spawn(Identity(i));
      if (std::this_thread::get_id() != caller) ++moved;
      EXPECT_TRUE(r.has_value());
    }
    co_return moved;
  });
  EXPECT_EQ(moved, 0) << "block_on's body never moves to another thread";
}

TEST_P(RuntimeLifecycleTest, SeveralThreadsBlockOnAtOnce) {
  Runtime rt = MakeRuntime();
  constexpr int kThreads = 4;
  std::vector<int> results(kThreads, -1);
  // Started together by spinning, not std::latch: libstdc++ 12's atomic
  // waits (behind std::latch) can miss a wake-up where there is no futex,
  // as on mingw-w64, which hung this test under Wine.
  std::atomic<int> arrived{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      arrived.fetch_add(1);
      ASSERT_TRUE(SpinUntil([&] { return arrived.load() == kThreads; }));
      results[i] = rt.block_on([i]() -> Task<int> {
        JoinHandle<int> handle = spawn(After(2ms, i));
        co_await sleep(1ms);
        JoinResult<int> r = co_await handle;
        co_return r.value_or(-100) * 2 + 1;
      });
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(results[i], 2 * i + 1);
}

TEST_P(RuntimeLifecycleTest, HandleCurrentInsideAndOutside) {
  EXPECT_FALSE(Handle::try_current().has_value());
  EXPECT_THROW(Handle::current(), UsageError);
  Runtime rt = MakeRuntime();
  EXPECT_FALSE(Handle::try_current().has_value())
      << "building a runtime does not enter it";
  rt.block_on([]() -> Task<void> {
    EXPECT_TRUE(Handle::try_current().has_value()) << "in a block_on body";
    JoinHandle<bool> task = spawn([]() -> Task<bool> {
      co_await yield_now();
      std::optional<Handle> handle = Handle::try_current();
      if (!handle.has_value()) co_return false;
      JoinResult<int> r = co_await handle->spawn(Identity(4));
      co_return r.has_value() && *r == 4;
    });
    JoinResult<bool> in_task = co_await task;
    EXPECT_TRUE(in_task.has_value() && *in_task) << "in a task";
    JoinResult<bool> in_blocking = co_await spawn_blocking(
        [] { return Handle::try_current().has_value(); });
    EXPECT_TRUE(in_blocking.has_value() && *in_blocking)
        << "in a spawn_blocking closure";
  });
  EXPECT_FALSE(Handle::try_current().has_value());
}

TEST_P(RuntimeLifecycleTest, HandleSpawnsFromOutsideTheRuntime) {
  Runtime rt = MakeRuntime();
  Handle handle = rt.handle();
  JoinHandle<int> from_test = handle.spawn(After(1ms, 1));
  std::optional<JoinHandle<int>> from_thread;
  std::thread other([&] {
    Handle copy = handle;
    from_thread.emplace(copy.spawn([]() -> Task<int> { co_return 2; }));
  });
  other.join();
  JoinHandle<int> blocking = handle.spawn_blocking([] { return 3; });
  JoinHandle<int> named = handle.spawn_named("outside", Identity(4));
  int sum = rt.block_on([&]() -> Task<int> {
    int total = 0;
    JoinResult<int> a = co_await from_test;
    JoinResult<int> b = co_await *from_thread;
    JoinResult<int> c = co_await blocking;
    JoinResult<int> d = co_await named;
    total += a.value_or(-100) + b.value_or(-100) + c.value_or(-100) +
             d.value_or(-100);
    co_return total;
  });
  EXPECT_EQ(sum, 10);
}

TEST_P(RuntimeLifecycleTest, HandleBlockOnFromAnotherThread) {
  Runtime rt = MakeRuntime();
  Handle handle = rt.handle();
  int value = -1;
  std::thread other([&] {
    Handle copy = handle;
    value = copy.block_on([]() -> Task<int> {
      JoinResult<int> r = co_await spawn(After(1ms, 20));
      co_return r.value_or(-100) + 1;
    });
  });
  other.join();
  EXPECT_EQ(value, 21);
}

TEST_P(RuntimeLifecycleTest, TwoRuntimesKeepTheirTasksApart) {
  Runtime a = MakeRuntime();
  Runtime b = MakeRuntime();
  const uint64_t a_before = a.handle().metrics().total_spawned;
  const uint64_t b_before = b.handle().metrics().total_spawned;
  int sum = a.block_on([]() -> Task<int> {
    JoinHandle<int> outer = spawn([]() -> Task<int> {
      int total = 0;
      for (int i = 0; i < 10; ++i) {
        JoinResult<int> r = co_await Handle::current().spawn(Identity(i));
        total += r.value_or(-100);
      }
      co_return total;
    });
    JoinResult<int> r = co_await outer;
    co_return r.value_or(-1);
  });
  EXPECT_EQ(sum, 45);
  EXPECT_GE(a.handle().metrics().total_spawned, a_before + 11);
  EXPECT_EQ(b.handle().metrics().total_spawned, b_before)
      << "tasks spawned inside runtime a went to runtime b";
}

TEST_P(RuntimeLifecycleTest, RuntimeIsMovable) {
  Runtime first = MakeRuntime();
  Handle handle = first.handle();
  JoinHandle<int> early = handle.spawn(Identity(1));
  Runtime second = std::move(first);
  JoinHandle<int> late = handle.spawn(Identity(2));
  int sum = second.block_on([&]() -> Task<int> {
    JoinResult<int> a = co_await early;
    JoinResult<int> b = co_await late;
    co_return a.value_or(-100) + b.value_or(-100);
  });
  EXPECT_EQ(sum, 3);
}

// ---------------------------------------------------------------------------
// Shutdown and destruction.

// State shared with a blocking closure that may outlive the runtime.
struct BlockingState {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  std::atomic<bool> done{false};
  std::atomic<int> drops{0};
};

// Spawns kSleepers sleeping tasks holding DropCounters, and one blocking
// closure that runs until `state->release` (or kPatience); waits until it
// runs.
constexpr int kSleepers = 3;
Task<void> StartSleepersAndBlocker(std::shared_ptr<BlockingState> state) {
  for (int i = 0; i < kSleepers; ++i) {
    JoinHandle<void> sleeper =
        spawn(SleepForeverHolding(DropCounter(&state->drops)));
  }
  JoinHandle<void> blocker = spawn_blocking([state] {
    state->started.store(true);
    SpinUntil([&] { return state->release.load(); });
    state->done.store(true);
  });
  bool started = co_await Eventually([&] { return state->started.load(); });
  EXPECT_TRUE(started);
  co_await sleep(1ms);
}

// shutdown_timeout and shutdown_background are tokio's consuming shutdowns:
// once they returned, destroying the Runtime object does not wait for the
// blocking closures they gave up on.

TEST_P(RuntimeLifecycleTest,
       ShutdownTimeoutWaitsForBlockingTasksAtMostTheTimeout) {
  auto state = std::make_shared<BlockingState>();
  {
    std::optional<Runtime> rt(MakeRuntime());
    rt->block_on(StartSleepersAndBlocker(state));
    const auto start = std::chrono::steady_clock::now();
    rt->shutdown_timeout(100ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_GE(elapsed, 95ms) << "shutdown_timeout waits for a running "
                                "blocking task up to the timeout";
    EXPECT_LT(elapsed, 5s) << "shutdown_timeout waited past its timeout";
    EXPECT_FALSE(state->done.load());
    EXPECT_TRUE(SpinUntil([&] { return state->drops.load() == kSleepers; }))
        << "tasks are cancelled by shutdown_timeout; " << state->drops.load()
        << " of " << kSleepers << " destroyed";
    const auto destroy_start = std::chrono::steady_clock::now();
    rt.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - destroy_start, 5s)
        << "~Runtime after shutdown_timeout waited for the blocking closure "
           "that shutdown_timeout gave up on";
    EXPECT_FALSE(state->done.load());
  }
  state->release.store(true);
  EXPECT_TRUE(SpinUntil([&] { return state->done.load(); }));
}

TEST_P(RuntimeLifecycleTest, ShutdownBackgroundDoesNotWait) {
  auto state = std::make_shared<BlockingState>();
  {
    std::optional<Runtime> rt(MakeRuntime());
    rt->block_on(StartSleepersAndBlocker(state));
    const auto start = std::chrono::steady_clock::now();
    rt->shutdown_background();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s)
        << "shutdown_background waited";
    EXPECT_FALSE(state->done.load());
    EXPECT_TRUE(SpinUntil([&] { return state->drops.load() == kSleepers; }))
        << "tasks are cancelled by shutdown_background; " << state->drops.load()
        << " of " << kSleepers << " destroyed";
    const auto destroy_start = std::chrono::steady_clock::now();
    rt.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - destroy_start, 5s)
        << "~Runtime after shutdown_background waited for a blocking closure";
    EXPECT_FALSE(state->done.load());
  }
  state->release.store(true);
  EXPECT_TRUE(SpinUntil([&] { return state->done.load(); }));
}

// As in tokio, a closure that outlives its Runtime (given up on by
// shutdown_background) still has a runtime to look up: the shut-down one,
// which cancels what is spawned onto it. Under ASan this read a freed
// runtime before pool threads held on to it.
TEST_P(RuntimeLifecycleTest, AClosureOutlivingItsRuntimeStillSeesTheRuntime) {
  struct Outcome {
    std::atomic<bool> started{false};
    std::atomic<bool> release{false};
    std::atomic<bool> done{false};
    std::atomic<bool> had_runtime{false};
    std::atomic<bool> late_spawn_ended{false};
  };
  auto outcome = std::make_shared<Outcome>();
  {
    std::optional<Runtime> rt(MakeRuntime());
    rt->block_on([outcome]() -> Task<void> {
      JoinHandle<void> blocker = spawn_blocking([outcome] {
        outcome->started.store(true);
        SpinUntil([&] { return outcome->release.load(); });
        std::optional<Handle> handle = Handle::try_current();
        outcome->had_runtime.store(handle.has_value());
        if (handle.has_value()) {
          (void)handle->metrics();
          JoinHandle<int> late =
              handle->spawn([]() -> Task<int> { co_return 1; });
          outcome->late_spawn_ended.store(
              SpinUntil([&late] { return late.is_finished(); }));
        }
        outcome->done.store(true);
      });
      co_return;
    });
    ASSERT_TRUE(SpinUntil([&] { return outcome->started.load(); }));
    rt->shutdown_background();
  }
  outcome->release.store(true);
  ASSERT_TRUE(SpinUntil([&] { return outcome->done.load(); }));
  EXPECT_TRUE(outcome->had_runtime.load());
  EXPECT_TRUE(outcome->late_spawn_ended.load())
      << "a task spawned onto a shut-down runtime ends at once (cancelled)";
}

TEST_P(RuntimeLifecycleTest, DestructionCancelsPendingTasksBeforeReturning) {
  std::atomic<int> drops{0};
  std::atomic<int> started{0};
  {
    Runtime rt = MakeRuntime();
    rt.block_on([&]() -> Task<void> {
      for (int i = 0; i < 3; ++i) {
        JoinHandle<void> handle =
            spawn([&started, guard = DropCounter(&drops)]() -> Task<void> {
              started.fetch_add(1);
              co_await sleep(kForever);
            });
      }
      bool running = co_await Eventually([&] { return started.load() == 3; });
      EXPECT_TRUE(running);
      // Spawned last: on current_thread these never get to run.
      for (int i = 0; i < 2; ++i) {
        JoinHandle<void> handle =
            spawn(SleepForeverHolding(DropCounter(&drops)));
      }
    });
    // Spawned from outside after block_on: never run on current_thread.
    JoinHandle<void> late =
        rt.handle().spawn(SleepForeverHolding(DropCounter(&drops)));
    EXPECT_EQ(drops.load(), 0);
  }
  EXPECT_EQ(drops.load(), 6)
      << "~Runtime returns only after every task frame is destroyed";
}

Task<void> SleepRecordingContext(std::atomic<uint64_t>* id_seen,
                                 std::atomic<int>* local_seen,
                                 std::atomic<bool>* suspended) {
  struct Recorder {
    std::atomic<uint64_t>* id_seen;
    std::atomic<int>* local_seen;
    ~Recorder() {
      std::optional<TaskId> id = try_current_task_id();
      id_seen->store(id.has_value() ? id->value() : 0);
      const int* local = kRuntimeLocal.try_get();
      local_seen->store(local != nullptr ? *local : -1);
    }
  } recorder{id_seen, local_seen};
  suspended->store(true);
  co_await sleep(kForever);
}

TEST_P(RuntimeLifecycleTest, DestructionDestroysFramesInTheirTaskContext) {
  std::atomic<uint64_t> id_seen{0};
  std::atomic<int> local_seen{-100};
  std::atomic<bool> suspended{false};
  uint64_t expected_id = 0;
  {
    Runtime rt = MakeRuntime();
    rt.block_on([&]() -> Task<void> {
      JoinHandle<void> handle = spawn(kRuntimeLocal.scope(
          44, SleepRecordingContext(&id_seen, &local_seen, &suspended)));
      expected_id = handle.id().value();
      bool started = co_await Eventually([&] { return suspended.load(); });
      EXPECT_TRUE(started);
    });
  }
  EXPECT_EQ(id_seen.load(), expected_id)
      << "current_task_id() in a destructor run by ~Runtime";
  EXPECT_EQ(local_seen.load(), 44)
      << "task-locals in a destructor run by ~Runtime";
}

TEST_P(RuntimeLifecycleTest, DestructionWaitsForRunningBlockingTasks) {
  std::atomic<bool> started{false};
  std::atomic<bool> done{false};
  {
    Runtime rt = MakeRuntime();
    rt.block_on([&]() -> Task<void> {
      JoinHandle<void> handle = spawn_blocking([&started, &done] {
        started.store(true);
        std::this_thread::sleep_for(50ms);
        done.store(true);
      });
      bool running = co_await Eventually([&] { return started.load(); });
      EXPECT_TRUE(running);
    });
  }
  EXPECT_TRUE(done.load()) << "~Runtime waits for running blocking tasks";
}

TEST_P(RuntimeLifecycleTest, UnhandledPanicCanShutDownTheRuntime) {
  std::atomic<int> drops{0};
  std::atomic<bool> late_ran{false};
  Runtime::Builder builder = MakeBuilder();
  builder.unhandled_panic(UnhandledPanic::kShutdownRuntime);
  Runtime rt = Build(builder);
  Handle handle = rt.handle();
  std::optional<JoinResult<void>> victim_result;
  try {
    rt.block_on([&]() -> Task<void> {
      JoinHandle<void> victim = spawn(SleepForeverHolding(DropCounter(&drops)));
      co_await sleep(1ms);
      JoinHandle<void> bad = spawn([]() -> Task<void> {
        throw TestError("takes the runtime down");
        co_return;
      });
      // Bounded, so that a runtime that ignores the setting fails the test
      // instead of hanging it.
      std::variant<JoinResult<void>, std::monostate> raced =
          co_await select(victim, sleep(kPatience));
      if (raced.index() == 0) victim_result = std::get<0>(std::move(raced));
    });
  } catch (const std::exception& e) {
    // block_on may report the shutdown by throwing (tokio panics there).
    RecordProperty("block_on_threw", e.what());
  }
  if (victim_result.has_value()) {
    EXPECT_TRUE(!victim_result->has_value() &&
                victim_result->error().is_cancelled())
        << "a task of a runtime shut down by a panic is cancelled";
  }
  EXPECT_TRUE(SpinUntil([&] { return drops.load() == 1; }))
      << "the other task was not cancelled: the panic did not shut the "
         "runtime down";
  // The runtime is shut down: a new task never runs.
  JoinHandle<int> late = handle.spawn([&late_ran]() -> Task<int> {
    late_ran.store(true);
    co_return 1;
  });
  EXPECT_TRUE(SpinUntil([&] { return late.is_finished(); }));
  EXPECT_FALSE(late_ran.load());
}

TEST_P(RuntimeLifecycleTest, PanicShutdownEndsABlockOnInProgressWithAborted) {
  Notify never;  // Outlives the body, which waits on it when it is dropped.
  Runtime::Builder builder = MakeBuilder();
  builder.unhandled_panic(UnhandledPanic::kShutdownRuntime);
  Runtime rt = Build(builder);
  try {
    rt.block_on([&never]() -> Task<void> {
      JoinHandle<void> bad = spawn([]() -> Task<void> {
        throw TestError("takes the runtime down");
        co_return;
      });
      co_await never.notified();
    });
    ADD_FAILURE() << "block_on returned although its body never finishes";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kAborted)
        << error.status();
    EXPECT_NE(std::string(error.what()).find("panicked"), std::string::npos)
        << error.what();
  }
}

// --- Runtime::spawn, Handle::enter, flavor and id (tokio's Runtime and
// Handle surface).

TEST_P(RuntimeLifecycleTest, RuntimeSpawnRunsWorkFromOutside) {
  Runtime rt = MakeRuntime();
  JoinHandle<int> task = rt.spawn(Identity(6));
  JoinHandle<int> blocking = rt.spawn_blocking([] { return 7; });
  int sum = rt.block_on([&]() -> Task<int> {
    JoinResult<int> a = co_await task;
    JoinResult<int> b = co_await blocking;
    co_return a.value_or(-100) + b.value_or(-100);
  });
  EXPECT_EQ(sum, 13);
}

TEST_P(RuntimeLifecycleTest, EnterLetsAPlainThreadSpawn) {
  Runtime rt = MakeRuntime();
  Handle handle = rt.handle();
  std::optional<JoinHandle<int>> spawned;
  bool current_matched = false;
  bool cleared_after = false;
  std::thread plain([&] {
    {
      Handle::EnterGuard guard = handle.enter();
      spawned.emplace(spawn(Identity(9)));
      current_matched = Handle::current() == handle;
    }
    cleared_after = !Handle::try_current().has_value();
  });
  plain.join();
  EXPECT_TRUE(current_matched) << "Handle::current() inside the guard";
  EXPECT_TRUE(cleared_after) << "the guard left its runtime behind";
  ASSERT_TRUE(spawned.has_value());
  JoinResult<int> result = rt.block_on(
      [&]() -> Task<JoinResult<int>> { co_return co_await *spawned; });
  EXPECT_EQ(result.value_or(-1), 9);
  EXPECT_THROW(spawn(Identity(1)), UsageError) << "outside any guard";
}

TEST_P(RuntimeLifecycleTest, EnterGuardsNest) {
  Runtime outer = MakeRuntime();
  Runtime inner = MakeRuntime();
  {
    Handle::EnterGuard a = outer.handle().enter();
    {
      Handle::EnterGuard b = inner.handle().enter();
      EXPECT_TRUE(Handle::current() == inner.handle());
    }
    EXPECT_TRUE(Handle::current() == outer.handle());
  }
  EXPECT_FALSE(Handle::try_current().has_value());
}

TEST_P(RuntimeIntrospectionTest, FlavorAndIdDescribeTheRuntime) {
  Runtime rt = MakeRuntime();
  Runtime other = MakeRuntime();
  EXPECT_EQ(rt.handle().runtime_flavor(), multi_thread()
                                              ? RuntimeFlavor::kMultiThread
                                              : RuntimeFlavor::kCurrentThread);
  EXPECT_NE(rt.handle().id(), other.handle().id());
  EXPECT_EQ(rt.handle().id(), rt.handle().id());
  RuntimeId seen_inside = rt.block_on(
      []() -> Task<RuntimeId> { co_return Handle::current().id(); });
  EXPECT_EQ(seen_inside, rt.handle().id());
}

// ---------------------------------------------------------------------------
// Metrics and dump.

TEST_P(RuntimeIntrospectionTest, MetricsCountWorkersTasksAndThreads) {
  Runtime rt = MakeRuntime();
  const RuntimeMetrics before = rt.handle().metrics();
  EXPECT_EQ(before.workers, static_cast<size_t>(task_threads()));
  std::atomic<bool> blocking_started{false};
  std::atomic<bool> release{false};
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<void>> sleepers;
    for (int i = 0; i < 5; ++i) {
      sleepers.push_back(spawn(SleepForeverHolding(DropCounter(nullptr))));
    }
    // Each sleeper is polled at least once before it sleeps (on a worker,
    // or on this thread on current_thread while the body waits).
    bool polled = co_await Eventually(
        [&] { return Handle::current().metrics().total_polls >= 5; });
    EXPECT_TRUE(polled) << "the sleepers were never polled";
    const RuntimeMetrics during = Handle::current().metrics();
    EXPECT_GE(during.alive_tasks, before.alive_tasks + 5);
    EXPECT_GE(during.total_spawned, before.total_spawned + 5);
    EXPECT_GT(during.total_polls, 0u);
    for (JoinHandle<void>& sleeper : sleepers) sleeper.abort();
    for (JoinHandle<void>& sleeper : sleepers) co_await sleeper;
    bool reaped = co_await Eventually([&] {
      return Handle::current().metrics().alive_tasks + 5 <= during.alive_tasks;
    });
    EXPECT_TRUE(reaped) << "alive_tasks did not drop after the tasks ended";

    JoinHandle<void> blocking = spawn_blocking([&] {
      blocking_started.store(true);
      SpinUntil([&] { return release.load(); });
    });
    bool started = co_await Eventually([&] { return blocking_started.load(); });
    EXPECT_TRUE(started);
    EXPECT_GE(Handle::current().metrics().blocking_threads, 1u);
    release.store(true);
    co_await blocking;
    bool idle = co_await Eventually(
        [&] { return Handle::current().metrics().idle_blocking_threads >= 1; });
    EXPECT_TRUE(idle) << "a finished blocking thread stays idle (keep-alive)";
  });
}

TEST_P(RuntimeIntrospectionTest, QueuedTasksOnCurrentThread) {
  if (multi_thread()) {
    GTEST_SKIP() << "on multi_thread idle workers take spawned tasks at once, "
                    "so the queue length is not deterministic";
  }
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    std::vector<JoinHandle<int>> handles;
    for (int i = 0; i < 3; ++i) handles.push_back(spawn(Identity(i)));
    // The block_on body has not suspended: nothing ran yet.
    EXPECT_GE(Handle::current().metrics().queued_tasks, 3u);
    for (JoinHandle<int>& handle : handles) co_await handle;
  });
}

TEST_P(RuntimeIntrospectionTest, ThreadKeepAliveLetsIdleBlockingThreadsExit) {
  Runtime::Builder builder = MakeBuilder();
  builder.thread_keep_alive(20ms);
  Runtime rt = Build(builder);
  rt.block_on([]() -> Task<void> {
    JoinResult<void> done = co_await spawn_blocking([] {});
    EXPECT_TRUE(done.has_value());
    bool exited = co_await Eventually(
        [] { return Handle::current().metrics().blocking_threads == 0; });
    EXPECT_TRUE(exited) << "an idle blocking thread did not exit after its "
                           "keep-alive";
  });
}

TEST_P(RuntimeIntrospectionTest, DumpListsASleepingNamedTask) {
  std::atomic<bool> sleeping{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    auto body = [&sleeping]() -> Task<void> {
      sleeping.store(true);
      co_await sleep(kForever);
    };
    // The spawn and __LINE__ share a line: the location is the call's.
    // clang-format off
    JoinHandle<void> handle = spawn_named("dump-me", body); const int line = __LINE__;
    // clang-format on
    std::optional<TaskDump> found;
    bool blocked = co_await Eventually([&] {
      RuntimeDump dump = Handle::current().dump();
      for (const TaskDump& task : dump.tasks) {
        if (task.id == handle.id() &&
            task.state == TaskState::kBlockedOnTimer) {
          found = task;
          return true;
        }
      }
      return false;
    });
    EXPECT_TRUE(blocked) << "the sleeping task is not listed as blocked on a "
                            "timer:\n"
                         << Handle::current().dump().ToString();
    if (found.has_value()) {
      EXPECT_EQ(found->name, "dump-me");
      EXPECT_EQ(static_cast<int>(found->location.line()), line);
      EXPECT_EQ(Basename(found->location.file_name()), Basename(__FILE__));
    }
    EXPECT_TRUE(Contains(Handle::current().dump().ToString(), "dump-me"));
    handle.abort();
    co_await handle;
    // An ended task is no longer listed (it may be for a moment after its
    // JoinHandle reported, as in tokio, where the task leaves the runtime's
    // list after waking its joiner).
    const TaskId id = handle.id();
    bool gone = co_await Eventually([&] {
      RuntimeDump after = Handle::current().dump();
      for (const TaskDump& task : after.tasks) {
        if (task.id == id) return false;
      }
      return true;
    });
    EXPECT_TRUE(gone) << "an ended task is still listed by dump()";
  });
}

}  // namespace
}  // namespace weft::conformance
