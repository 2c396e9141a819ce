// A snapshot of WorkerCounters counts parks and unparks the way tokio's
// metrics do: park_unpark_count is odd while the worker is parked, and
// park_count never disagrees with it.

#include "runtime/internal/scheduler/worker_counters.h"

#include <atomic>
#include <cstdint>
#include <thread>

#include "gtest/gtest.h"

namespace weft::internal {
namespace {

TEST(WorkerCountersTest, ParkAndUnparkCountTogether) {
  WorkerCounters counters;
  counters.StartBusy();
  WorkerMetrics metrics = counters.Snapshot(0);
  EXPECT_EQ(metrics.park_count, 0u);
  EXPECT_EQ(metrics.park_unpark_count, 0u);

  counters.AboutToPark();
  metrics = counters.Snapshot(0);
  EXPECT_EQ(metrics.park_count, 1u);
  EXPECT_EQ(metrics.park_unpark_count, 1u);  // odd: parked now

  counters.Unparked();
  counters.AboutToPark();
  counters.Unparked();
  metrics = counters.Snapshot(0);
  EXPECT_EQ(metrics.park_count, 2u);
  EXPECT_EQ(metrics.park_unpark_count, 4u);
}

TEST(WorkerCountersTest, AnotherThreadsSnapshotIsConsistentWhileItParks) {
  WorkerCounters counters;
  counters.StartBusy();
  std::atomic<bool> stop{false};
  std::atomic<bool> started{false};
  uint64_t parks = 0;
  std::thread worker([&] {
    started.store(true);
    while (!stop.load(std::memory_order_relaxed)) {
      counters.AboutToPark();
      counters.Unparked();
      ++parks;
    }
  });
  while (!started.load()) std::this_thread::yield();
  uint64_t last_parks = 0;
  for (int i = 0; i < 1000000 && !HasFailure(); ++i) {
    const WorkerMetrics metrics = counters.Snapshot(0);
    EXPECT_GE(metrics.park_unpark_count + 1, 2 * metrics.park_count);
    EXPECT_LE(metrics.park_unpark_count, 2 * metrics.park_count);
    EXPECT_GE(metrics.park_count, last_parks);
    last_parks = metrics.park_count;
  }
  stop.store(true);
  worker.join();
  EXPECT_EQ(counters.Snapshot(0).park_count, parks);
}

}  // namespace
}  // namespace weft::internal
