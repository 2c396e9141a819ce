// TaskTracker: wait completes only once closed and empty; tasks finishing
// before close; aborted tasks count as done; track() and tokens; LocalSet.

#include <atomic>
#include <functional>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class TaskTrackerTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(TaskTrackerTest);

Task<void> WaitFor(TaskTracker* tracker, std::atomic<bool>* done) {
  co_await tracker->wait();
  done->store(true);
}

TEST_P(TaskTrackerTest, WaitBeforeCloseDoesNotComplete) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    TaskTracker tracker;
    std::atomic<bool> done{false};
    JoinHandle<void> waiter = spawn(WaitFor(&tracker, &done));
    EXPECT_TRUE(co_await UntilWaiting(waiter.id()));
    EXPECT_FALSE(done.load());
    EXPECT_TRUE(tracker.is_empty());
    EXPECT_FALSE(tracker.is_closed());
    tracker.close();
    EXPECT_TRUE(tracker.is_closed());
    JoinResult<void> result = co_await waiter;
    EXPECT_TRUE(result.has_value());
    EXPECT_TRUE(done.load());
  });
}

TEST_P(TaskTrackerTest, WaitsForEveryTrackedTask) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    TaskTracker tracker;
    Notify go;
    std::atomic<int> finished{0};
    for (int i = 0; i < 3; ++i) {
      tracker.spawn([&]() -> Task<void> {
        co_await go.notified();
        finished.fetch_add(1);
      });
    }
    EXPECT_EQ(tracker.len(), 3u);
    tracker.close();
    std::atomic<bool> done{false};
    JoinHandle<void> waiter = spawn(WaitFor(&tracker, &done));
    EXPECT_TRUE(co_await UntilWaiting(waiter.id()));
    EXPECT_FALSE(done.load());
    go.notify_one();
    go.notify_one();
    // A task counts itself before it ends; the tracker lets go of it when
    // it has ended, a moment later on another worker.
    std::function<bool()> two = [&] {
      return finished.load() == 2 && tracker.len() == 1u;
    };
    EXPECT_TRUE(co_await Eventually(two)) << "tracked: " << tracker.len();
    EXPECT_FALSE(done.load());
    go.notify_one();
    (void)co_await waiter;
    EXPECT_EQ(finished.load(), 3);
    EXPECT_EQ(tracker.len(), 0u);
  });
}

TEST_P(TaskTrackerTest, TasksFinishingBeforeClose) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    TaskTracker tracker;
    std::vector<JoinHandle<int>> handles;
    for (int i = 0; i < 3; ++i) handles.push_back(tracker.spawn(Ready(i)));
    for (JoinHandle<int>& handle : handles) {
      JoinResult<int> result = co_await handle;
      EXPECT_TRUE(result.has_value());
    }
    // The token goes with the task's body, before its handle sees it done.
    EXPECT_EQ(tracker.len(), 0u);
    std::atomic<bool> done{false};
    JoinHandle<void> waiter = spawn(WaitFor(&tracker, &done));
    EXPECT_TRUE(co_await UntilWaiting(waiter.id()));
    EXPECT_FALSE(done.load());  // not closed yet
    tracker.close();
    (void)co_await waiter;
    EXPECT_TRUE(done.load());
    co_await tracker.wait();  // closed and empty: at once
  });
}

TEST_P(TaskTrackerTest, AbortedTasksCountAsDone) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    TaskTracker tracker;
    std::atomic<int> drops{0};
    std::vector<JoinHandle<void>> handles;
    for (int i = 0; i < 3; ++i) {
      handles.push_back(
          tracker.spawn([guard = DropCounter(&drops)]() -> Task<void> {
            co_await sleep(kForever);
          }));
    }
    // One aborted before it ever ran, the others while they sleep.
    handles[0].abort();
    std::vector<TaskId> ids = {handles[1].id(), handles[2].id()};
    EXPECT_TRUE(co_await UntilWaiting(ids));
    tracker.close();
    for (JoinHandle<void>& handle : handles) handle.abort();
    co_await tracker.wait();
    EXPECT_EQ(tracker.len(), 0u);
    EXPECT_EQ(drops.load(), 3);
  });
}

TEST_P(TaskTrackerTest, TrackTokensAndReopen) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    TaskTracker tracker;
    std::optional<TaskTrackerToken> token = tracker.token();
    Task<int> tracked = tracker.track(Ready(7));
    EXPECT_EQ(tracker.len(), 2u);
    int value = co_await std::move(tracked);
    EXPECT_EQ(value, 7);
    EXPECT_EQ(tracker.len(), 1u);
    tracker.close();
    tracker.reopen();
    EXPECT_FALSE(tracker.is_closed());
    tracker.close();
    std::atomic<bool> done{false};
    JoinHandle<void> waiter = spawn(WaitFor(&tracker, &done));
    EXPECT_TRUE(co_await UntilWaiting(waiter.id()));
    EXPECT_FALSE(done.load());
    token.reset();
    (void)co_await waiter;
    EXPECT_TRUE(done.load());
  });
}

TEST_P(TaskTrackerTest, SpawnLocalInALocalSet) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    LocalSet local_set;
    auto body = [&]() -> Task<void> {
      TaskTracker tracker;
      int count = 0;  // not atomic: every task runs on this thread
      for (int i = 0; i < 3; ++i) {
        tracker.spawn_local([&count]() -> Task<void> {
          co_await yield_now();
          ++count;
        });
      }
      tracker.close();
      co_await tracker.wait();
      EXPECT_EQ(count, 3);
    };
    co_await local_set.run_until(body);
  });
}

}  // namespace
}  // namespace weft::conformance
