// The life of a running blocking closure: stop tokens (abort and shutdown
// ask it to stop), unhandled_panic(kShutdownRuntime) and task dumps.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class BlockingStopTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(BlockingStopTest);

bool WaitedFor(absl::Notification& event) {
  return event.WaitForNotificationWithTimeout(
      absl::FromChrono(std::chrono::milliseconds(kPatience)));
}

// A closure that runs until asked to stop (at most kPatience, so that a
// broken test fails instead of hanging); returns whether it was asked.
auto LoopUntilStopped(absl::Notification& started,
                      std::atomic<bool>& saw_stop) {
  return [&started, &saw_stop](std::stop_token stop) {
    started.Notify();
    const bool stopped = SpinUntil([&] { return stop.stop_requested(); });
    saw_stop.store(stopped);
    return stopped;
  };
}

std::optional<TaskDump> FindInDump(const Handle& handle, TaskId id) {
  for (const TaskDump& task : handle.dump().tasks) {
    if (task.id == id) return task;
  }
  return std::nullopt;
}

// --- Stop tokens.

TEST_P(BlockingStopTest, AbortRequestsStopAndTheClosuresValueIsKept) {
  absl::Notification started;
  std::atomic<bool> saw_stop{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> handle =
        spawn_blocking(LoopUntilStopped(started, saw_stop));
    EXPECT_TRUE(WaitedFor(started));
    handle.abort();
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result)
        << "a closure that returns after stop keeps its value (as tokio, "
           "where abort has no effect on a running blocking task): "
        << Describe(result);
  });
  EXPECT_TRUE(saw_stop.load()) << "abort did not request stop";
}

TEST_P(BlockingStopTest, AbortHandleRequestsStop) {
  absl::Notification started;
  std::atomic<bool> saw_stop{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> handle =
        spawn_blocking(LoopUntilStopped(started, saw_stop));
    const AbortHandle abort = handle.abort_handle();
    EXPECT_TRUE(WaitedFor(started));
    abort.abort();
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result) << Describe(result);
  });
  EXPECT_TRUE(saw_stop.load());
}

TEST_P(BlockingStopTest, AbortBeforeStartStillCancelsATokenClosure) {
  absl::Notification started;
  absl::Notification release;
  std::atomic<bool> second_ran{false};
  Runtime::Builder builder = MakeBuilder();
  builder.max_blocking_threads(1);
  Runtime rt = Build(builder);
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> first = spawn_blocking([&] {
      started.Notify();
      return WaitedFor(release);
    });
    EXPECT_TRUE(WaitedFor(started));
    JoinHandle<void> second = spawn_blocking(
        [&second_ran](std::stop_token) { second_ran.store(true); });
    second.abort();
    release.Notify();
    JoinResult<void> result = co_await second;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    co_await first;
  });
  EXPECT_FALSE(second_ran.load());
}

TEST_P(BlockingStopTest, RuntimeDestructionRequestsStop) {
  absl::Notification started;
  std::atomic<bool> saw_stop{false};
  {
    Runtime rt = MakeRuntime();
    JoinHandle<bool> handle =
        rt.spawn_blocking(LoopUntilStopped(started, saw_stop));
    ASSERT_TRUE(WaitedFor(started));
    // ~Runtime waits for running closures; this one ends when asked.
  }
  EXPECT_TRUE(saw_stop.load()) << "~Runtime did not request stop";
}

TEST_P(BlockingStopTest, ShutdownTimeoutRequestsStop) {
  absl::Notification started;
  std::atomic<bool> saw_stop{false};
  Runtime rt = MakeRuntime();
  JoinHandle<bool> handle =
      rt.spawn_blocking(LoopUntilStopped(started, saw_stop));
  ASSERT_TRUE(WaitedFor(started));
  rt.shutdown_timeout(kPatience);
  EXPECT_TRUE(saw_stop.load()) << "shutdown_timeout did not request stop";
  EXPECT_TRUE(handle.is_finished());
}

TEST_P(BlockingStopTest, ShutdownBackgroundRequestsStop) {
  absl::Notification started;
  std::atomic<bool> saw_stop{false};
  Runtime rt = MakeRuntime();
  JoinHandle<bool> handle =
      rt.spawn_blocking(LoopUntilStopped(started, saw_stop));
  ASSERT_TRUE(WaitedFor(started));
  rt.shutdown_background();
  EXPECT_TRUE(SpinUntil([&] { return handle.is_finished(); }));
  EXPECT_TRUE(saw_stop.load()) << "shutdown_background did not request stop";
}

TEST_P(BlockingStopTest, ClosuresWithoutATokenWorkAsBefore) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinResult<int> plain = co_await spawn_blocking([] { return 3; });
    EXPECT_TRUE(plain.has_value() && *plain == 3) << Describe(plain);
    // Callable both ways: like std::jthread, the token is passed.
    JoinResult<size_t> either = co_await spawn_blocking(
        [](auto... token) -> size_t { return sizeof...(token); });
    EXPECT_TRUE(either.has_value() && *either == 1) << Describe(either);
  });
}

TEST_P(BlockingStopTest, JoinSetSpawnBlockingPassesAToken) {
  absl::Notification started;
  std::atomic<bool> saw_stop{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<bool> set;
    set.spawn_blocking(LoopUntilStopped(started, saw_stop));
    EXPECT_TRUE(WaitedFor(started));
    set.abort_all();
    std::optional<JoinResult<bool>> result = co_await set.join_next();
    EXPECT_TRUE(result.has_value() && result->has_value() && **result);
  });
  EXPECT_TRUE(saw_stop.load());
}

// --- unhandled_panic.

TEST_P(BlockingStopTest, BlockingPanicShutsTheRuntimeDown) {
  absl::Notification started;
  std::atomic<bool> saw_stop{false};
  Runtime::Builder builder = MakeBuilder();
  builder.unhandled_panic(UnhandledPanic::kShutdownRuntime);
  Runtime rt = Build(builder);
  try {
    rt.block_on([&]() -> Task<void> {
      JoinHandle<bool> other =
          spawn_blocking(LoopUntilStopped(started, saw_stop));
      EXPECT_TRUE(WaitedFor(started));
      JoinHandle<void> bad =
          spawn_blocking([] { throw TestError("takes the runtime down"); });
      co_await sleep(kPatience);
    });
    ADD_FAILURE() << "block_on returned although its body never finishes";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kAborted)
        << error.status();
    EXPECT_TRUE(Contains(error.what(), "panicked"));
  }
  // The shutdown asks the other running closure to stop.
  EXPECT_TRUE(SpinUntil([&] { return saw_stop.load(); }));
}

TEST_P(BlockingStopTest, BlockingPanicWithIgnoreIsAJoinError) {
  Runtime::Builder builder = MakeBuilder();
  builder.unhandled_panic(UnhandledPanic::kIgnore);
  Runtime rt = Build(builder);
  rt.block_on([]() -> Task<void> {
    JoinResult<int> result = co_await spawn_blocking(
        []() -> int { throw TestError("only this closure fails"); });
    EXPECT_TRUE(!result.has_value() && result.error().is_panic())
        << Describe(result);
    JoinResult<int> after = co_await spawn_blocking([] { return 5; });
    EXPECT_TRUE(after.has_value() && *after == 5)
        << "the runtime keeps running: " << Describe(after);
  });
}

// --- Task dumps.

TEST_P(BlockingStopTest, DumpShowsARunningBlockingClosureUntilItEnds) {
  absl::Notification started;
  absl::Notification release;
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> handle = spawn_blocking(
        [&] {
          started.Notify();
          return WaitedFor(release);
        },
        {.name = "disk-scan"});
    EXPECT_TRUE(WaitedFor(started));
    const Handle runtime = Handle::current();
    std::optional<TaskDump> entry = FindInDump(runtime, handle.id());
    EXPECT_TRUE(entry.has_value()) << runtime.dump().ToString();
    if (entry.has_value()) {
      EXPECT_EQ(entry->name, "disk-scan");
      EXPECT_EQ(entry->state, TaskState::kBlockingRunning);
      EXPECT_TRUE(Contains(entry->location.file_name(), "blocking_stop_test"));
      EXPECT_TRUE(Contains(runtime.dump().ToString(), "blocking, running"));
    }
    release.Notify();
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result) << Describe(result);
    std::function<bool()> gone = [&runtime, id = handle.id()] {
      return !FindInDump(runtime, id).has_value();
    };
    const bool left = co_await Eventually(std::move(gone));
    EXPECT_TRUE(left) << runtime.dump().ToString();
  });
}

TEST_P(BlockingStopTest, DumpShowsAQueuedBlockingClosure) {
  absl::Notification started;
  absl::Notification release;
  Runtime::Builder builder = MakeBuilder();
  builder.max_blocking_threads(1);
  Runtime rt = Build(builder);
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> holder = spawn_blocking([&] {
      started.Notify();
      return WaitedFor(release);
    });
    EXPECT_TRUE(WaitedFor(started));
    JoinHandle<int> queued =
        spawn_blocking([] { return 1; }, {.name = "waits-for-a-thread"});
    const Handle runtime = Handle::current();
    std::optional<TaskDump> entry = FindInDump(runtime, queued.id());
    EXPECT_TRUE(entry.has_value() &&
                entry->state == TaskState::kBlockingQueued &&
                entry->name == "waits-for-a-thread")
        << runtime.dump().ToString();
    EXPECT_TRUE(Contains(runtime.dump().ToString(), "blocking, queued"));
    release.Notify();
    co_await holder;
    co_await queued;
  });
}

}  // namespace
}  // namespace weft::conformance
