// Runtimes of both flavors built and destroyed, over and over, while threads
// outside them keep waking, aborting and spawning their tasks. A wake may
// reach a task at any moment of its runtime's teardown, so nothing a task can
// reach may be freed while a wake can still reach it; and every JoinHandle
// still resolves exactly once, with its value or as cancelled.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/stress/stress.h"

namespace weft::stress {
namespace {

using conformance::RuntimeTest;
using conformance::SpinUntil;

class ShutdownRaceTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(ShutdownRaceTest);

// Waits on `notify` until it has been woken `wakes` times, then returns 1.
Task<int> WakeCounter(std::shared_ptr<Notify> notify, int wakes) {
  for (int i = 0; i < wakes; ++i) co_await notify->notified();
  co_return 1;
}

// Waits for its oneshot; returns what it got (0 if the sender was dropped)
// and counts a value in `received`.
Task<int> Receive(oneshot::Receiver<int> receiver, std::atomic<int>* received) {
  auto value = co_await receiver;
  if (value.has_value()) received->fetch_add(1);
  co_return value.has_value() ? *value : 0;
}

// What the threads outside the runtime work on: JoinHandles of the tasks
// they spawned, AbortHandles to abort and oneshot senders to complete.
struct Outside {
  std::mutex mu;
  std::vector<JoinHandle<int>> joins;
  std::vector<AbortHandle> aborts;
  std::vector<oneshot::Sender<int>> senders;
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};
  std::atomic<int> received{0};
  std::atomic<bool> runtime_gone{false};
};

// Pairs of tasks the spawner thread starts per cycle (it keeps memory and
// wake storms bounded).
constexpr int kSpawnsPerCycle = 64;

TEST_P(ShutdownRaceTest, OutsideWakesAbortsAndSpawnsWhileRuntimesAreDestroyed) {
  const int cycles = Scaled(1000);
  Runtime checker = Runtime::Builder::current_thread().build().value();
  long completed = 0;
  long cancelled = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    Outside outside;
    auto notify = std::make_shared<Notify>();
    std::optional<Runtime> rt;
    rt.emplace(MakeRuntime());
    for (int i = 0; i < 4; ++i) {
      JoinHandle<int> join = rt->handle().spawn(WakeCounter(notify, 1 << 20));
      outside.aborts.push_back(join.abort_handle());
      outside.joins.push_back(std::move(join));
    }

    std::thread waker([&] {
      outside.running.fetch_add(1);
      while (!outside.stop.load(std::memory_order_relaxed)) {
        notify->notify_waiters();
        std::optional<oneshot::Sender<int>> sender;
        {
          std::lock_guard lock(outside.mu);
          if (!outside.senders.empty()) {
            sender.emplace(std::move(outside.senders.back()));
            outside.senders.pop_back();
          }
        }
        if (sender.has_value()) (void)sender->send(1);
      }
    });
    std::thread aborter([&] {
      outside.running.fetch_add(1);
      size_t next = 0;
      while (!outside.stop.load(std::memory_order_relaxed)) {
        std::optional<AbortHandle> victim;
        {
          std::lock_guard lock(outside.mu);
          if (next < outside.aborts.size()) victim = outside.aborts[next++];
        }
        if (victim.has_value()) victim->abort();
        std::this_thread::yield();
      }
    });
    // The spawner holds a Handle until the Runtime is gone (spawning onto a
    // runtime that shuts down meanwhile), then lets go of the last
    // reference while the waker and the aborter are still at work.
    std::thread spawner(
        [&, handle = std::optional<Handle>(rt->handle())]() mutable {
          outside.running.fetch_add(1);
          int spawned = 0;
          while (!outside.runtime_gone.load()) {
            if (spawned++ >= kSpawnsPerCycle) {
              std::this_thread::yield();
              continue;
            }
            auto [sender, receiver] = oneshot::channel<int>();
            JoinHandle<int> join =
                handle->spawn(Receive(std::move(receiver), &outside.received));
            JoinHandle<int> counter = handle->spawn(WakeCounter(notify, 3));
            std::lock_guard lock(outside.mu);
            outside.senders.push_back(std::move(sender));
            outside.aborts.push_back(counter.abort_handle());
            outside.joins.push_back(std::move(join));
            outside.joins.push_back(std::move(counter));
          }
          handle.reset();
        });
    ASSERT_TRUE(SpinUntil([&] { return outside.running.load() == 3; }));
    // Drive the runtime (a current_thread one runs tasks only in block_on)
    // until tasks woken from outside have completed on some cycles, and
    // hardly at all on the others, so that teardown meets the three at
    // every stage.
    rt->block_on([&]() -> Task<void> {
      if (cycle % 2 == 0) {
        co_await yield_now();
        co_return;
      }
      EXPECT_TRUE(co_await conformance::Eventually(
          [&] { return outside.received.load() > 0; }));
    });
    rt.reset();
    outside.runtime_gone.store(true);
    spawner.join();
    outside.stop.store(true);
    waker.join();
    aborter.join();

    // Every task ended with its runtime; each handle resolves once.
    checker.block_on([&]() -> Task<void> {
      for (JoinHandle<int>& join : outside.joins) {
        EXPECT_TRUE(join.is_finished());
        JoinResult<int> result = co_await join;
        if (result.has_value()) {
          EXPECT_EQ(*result, 1);
          ++completed;
        } else {
          EXPECT_TRUE(result.error().is_cancelled())
              << result.error().message();
          ++cancelled;
        }
      }
    });
    if (HasFailure()) break;
  }
  RecordProperty("cycles", cycles);
  RecordProperty("completed", static_cast<int>(completed));
  RecordProperty("cancelled", static_cast<int>(cancelled));
  std::printf("%d cycles: %ld tasks completed, %ld cancelled\n", cycles,
              completed, cancelled);
}

}  // namespace
}  // namespace weft::stress
