// Back-pressure on the blocking pool: Builder::blocking_queue_limit and
// spawn_blocking_when_ready (waiting for room, FIFO, cancellation, shutdown).

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class BlockingQueueTest : public RuntimeTest {
 protected:
  // One blocking thread and a queue of `limit`.
  Runtime MakeSmallPool(size_t limit) const {
    Runtime::Builder builder = MakeBuilder();
    builder.max_blocking_threads(1).blocking_queue_limit(limit);
    return Build(builder);
  }
};
WEFT_CONFORMANCE_INSTANTIATE(BlockingQueueTest);

// Blocks a pool thread until `release` (bounded, so that a broken test
// fails instead of hanging); says whether it was released.
bool HoldUntil(absl::Notification& started, absl::Notification& release) {
  started.Notify();
  return release.WaitForNotificationWithTimeout(
      absl::FromChrono(std::chrono::milliseconds(kPatience)));
}

bool WaitedFor(absl::Notification& event) {
  return event.WaitForNotificationWithTimeout(
      absl::FromChrono(std::chrono::milliseconds(kPatience)));
}

// Whether the runtime's dump shows `id` woken (queued to run).
bool IsScheduled(const Handle& handle, TaskId id) {
  for (const TaskDump& task : handle.dump().tasks) {
    if (task.id == id) return task.state == TaskState::kScheduled;
  }
  return false;
}

TEST_P(BlockingQueueTest, WhenReadyWithoutALimitSpawnsAtOnce) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    auto work = [] { return 42; };
    JoinHandle<int> handle = co_await spawn_blocking_when_ready(work);
    co_return co_await handle;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 42);
}

TEST_P(BlockingQueueTest, WhenReadyWaitsWhileTheQueueIsFull) {
  absl::Notification started;
  absl::Notification release;
  std::atomic<bool> got_handle{false};
  Runtime rt = MakeSmallPool(1);
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> holder =
        spawn_blocking([&] { return HoldUntil(started, release); });
    EXPECT_TRUE(WaitedFor(started));
    JoinHandle<int> queued = spawn_blocking([] { return 1; });  // fills it
    JoinHandle<int> waiter = spawn([&got_handle]() -> Task<int> {
      auto work = [] { return 2; };
      JoinHandle<int> handle = co_await spawn_blocking_when_ready(work);
      got_handle.store(true);
      JoinResult<int> result = co_await handle;
      co_return result.value_or(-1);
    });
    const bool waiting = co_await UntilWaiting(waiter.id());
    EXPECT_TRUE(waiting);
    EXPECT_FALSE(got_handle.load())
        << "spawn_blocking_when_ready returned while the queue was full";
    release.Notify();
    JoinResult<bool> held = co_await holder;
    JoinResult<int> first = co_await queued;
    auto second = co_await timeout(kPatience, waiter);
    EXPECT_TRUE(held.has_value() && *held) << Describe(held);
    EXPECT_TRUE(first.has_value() && *first == 1) << Describe(first);
    EXPECT_TRUE(second.has_value() && second->has_value() && **second == 2)
        << "the waiter never got room";
  });
  EXPECT_TRUE(got_handle.load());
}

TEST_P(BlockingQueueTest, WaitersGetRoomInFifoOrder) {
  constexpr int kWaiters = 3;
  absl::Notification started;
  absl::Notification release;
  std::mutex order_mu;
  std::vector<int> order;
  Runtime rt = MakeSmallPool(0);
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> holder =
        spawn_blocking([&] { return HoldUntil(started, release); });
    EXPECT_TRUE(WaitedFor(started));
    std::vector<JoinHandle<bool>> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.push_back(spawn([i, &order_mu, &order]() -> Task<bool> {
        auto record = [i, &order_mu, &order] {
          std::lock_guard lock(order_mu);
          order.push_back(i);
        };
        JoinHandle<void> handle = co_await spawn_blocking_when_ready(record);
        JoinResult<void> result = co_await handle;
        co_return result.has_value();
      }));
      // Each joins the line before the next one arrives.
      const bool waiting = co_await UntilWaiting(waiters.back().id());
      EXPECT_TRUE(waiting);
    }
    release.Notify();
    co_await holder;
    for (JoinHandle<bool>& waiter : waiters) {
      auto result = co_await timeout(kPatience, waiter);
      EXPECT_TRUE(result.has_value() && result->has_value() && **result)
          << "a waiter never got room";
    }
  });
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

// The first waiter is aborted after room was granted to it but before it
// could use it: the room goes to the next waiter.
TEST_P(BlockingQueueTest, AbortedWaiterLosesNoRoom) {
  absl::Notification started;
  absl::Notification release;
  std::atomic<bool> first_ran{false};
  Runtime rt = MakeSmallPool(0);
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> holder =
        spawn_blocking([&] { return HoldUntil(started, release); });
    EXPECT_TRUE(WaitedFor(started));
    JoinHandle<int> first = spawn([&first_ran]() -> Task<int> {
      auto work = [&first_ran] {
        first_ran.store(true);
        return 1;
      };
      JoinHandle<int> handle = co_await spawn_blocking_when_ready(work);
      JoinResult<int> result = co_await handle;
      co_return result.value_or(-1);
    });
    bool waiting = co_await UntilWaiting(first.id());
    EXPECT_TRUE(waiting);
    JoinHandle<int> second = spawn([]() -> Task<int> {
      auto work = [] { return 2; };
      JoinHandle<int> handle = co_await spawn_blocking_when_ready(work);
      JoinResult<int> result = co_await handle;
      co_return result.value_or(-1);
    });
    waiting = co_await UntilWaiting(second.id());
    EXPECT_TRUE(waiting);
    // No worker may resume `first` once it is granted: on current_thread
    // this body holds the only one until it suspends.
    WorkerHold hold;
    EXPECT_TRUE(hold.Hold(multi_thread()));
    release.Notify();
    const Handle handle = Handle::current();
    EXPECT_TRUE(SpinUntil([&] { return IsScheduled(handle, first.id()); }))
        << "the first waiter was never granted room";
    first.abort();
    co_await hold.Release();
    JoinResult<int> first_result = co_await first;
    EXPECT_TRUE(!first_result.has_value() &&
                first_result.error().is_cancelled())
        << Describe(first_result);
    auto second_result = co_await timeout(kPatience, second);
    EXPECT_TRUE(second_result.has_value() && second_result->has_value() &&
                **second_result == 2)
        << "the room granted to the aborted waiter was lost";
    co_await holder;
  });
  EXPECT_FALSE(first_ran.load());
}

TEST_P(BlockingQueueTest, PlainSpawnBlockingQueuesPastTheLimit) {
  absl::Notification started;
  absl::Notification release;
  Runtime rt = MakeSmallPool(1);
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> holder =
        spawn_blocking([&] { return HoldUntil(started, release); });
    EXPECT_TRUE(WaitedFor(started));
    std::vector<JoinHandle<int>> queued;
    for (int i = 0; i < 3; ++i) {
      queued.push_back(spawn_blocking([i] { return i; }));
    }
    release.Notify();
    co_await holder;
    for (int i = 0; i < 3; ++i) {
      JoinResult<int> result = co_await queued[i];
      EXPECT_TRUE(result.has_value() && *result == i)
          << "spawn_blocking beyond the queue limit still runs the closure: "
          << Describe(result);
    }
  });
}

// A waiter on another runtime's full pool is let through when that runtime
// shuts down; the closure is then cancelled, as any spawn after shutdown.
TEST_P(BlockingQueueTest, ShutdownReleasesWaitersWithCancelledHandles) {
  absl::Notification started;
  std::atomic<bool> ran{false};
  Runtime full = MakeSmallPool(0);
  const Handle full_handle = full.handle();
  JoinHandle<bool> holder = full.spawn_blocking([&](std::stop_token stop) {
    started.Notify();
    return SpinUntil([&] { return stop.stop_requested(); });
  });
  ASSERT_TRUE(WaitedFor(started));
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> waiter = spawn([&full_handle, &ran]() -> Task<bool> {
      auto work = [&ran] { ran.store(true); };
      JoinHandle<void> handle =
          co_await full_handle.spawn_blocking_when_ready(work);
      JoinResult<void> result = co_await handle;
      co_return !result.has_value() && result.error().is_cancelled();
    });
    const bool waiting = co_await UntilWaiting(waiter.id());
    EXPECT_TRUE(waiting);
    std::thread shutdown([&full] { full.shutdown_timeout(kPatience); });
    shutdown.join();
    auto result = co_await timeout(kPatience, waiter);
    EXPECT_TRUE(result.has_value() && result->has_value() && **result)
        << "the shutdown lets the waiter through and cancels its closure";
  });
  EXPECT_FALSE(ran.load());
  EXPECT_TRUE(holder.is_finished());
}

TEST_P(BlockingQueueTest, WhenReadyOutsideARuntimeThrowsUsageError) {
  auto work = [] { return 1; };
  EXPECT_THROW((void)spawn_blocking_when_ready(work), UsageError);
}

}  // namespace
}  // namespace weft::conformance
