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
  std::atomic<bool> done{false};
  std::thread worker([&] {
    for (int i = 0; i < 100000; ++i) {
      counters.AboutToPark();
      counters.Unparked();
    }
    done.store(true);
  });
  uint64_t last_parks = 0;
  while (!done.load()) {
    const WorkerMetrics metrics = counters.Snapshot(0);
    EXPECT_GE(metrics.park_unpark_count + 1, 2 * metrics.park_count);
    EXPECT_LE(metrics.park_unpark_count, 2 * metrics.park_count);
    EXPECT_GE(metrics.park_count, last_parks);
    last_parks = metrics.park_count;
    if (HasFailure()) break;
  }
  worker.join();
  EXPECT_EQ(counters.Snapshot(0).park_count, 100000u);
}

}  // namespace
}  // namespace weft::internal
