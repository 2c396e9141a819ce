// Barrier: n waiters released together, exactly one leader per round,
// reusable across rounds.

#include <atomic>
#include <utility>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class BarrierTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(BarrierTest);

TEST_P(BarrierTest, ReleasesAllWithOneLeaderPerRound) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    constexpr int kTasks = 5;
    constexpr int kRounds = 20;
    Barrier barrier(kTasks);
    std::atomic<int> leaders{0};
    std::atomic<int> passed{0};
    std::atomic<bool> early{false};
    JoinSet<void> set;
    for (int t = 0; t < kTasks; ++t) {
      set.spawn([&]() -> Task<void> {
        for (int round = 0; round < kRounds; ++round) {
          BarrierWaitResult result = co_await barrier.wait();
          if (result.is_leader()) leaders.fetch_add(1);
          // Nobody passes round r before all have reached round r.
          if (passed.fetch_add(1) >= (round + 1) * kTasks) early.store(true);
          co_await yield_now();
        }
      });
    }
    co_await set.join_all();
    EXPECT_EQ(leaders.load(), kRounds);
    EXPECT_EQ(passed.load(), kTasks * kRounds);
    EXPECT_FALSE(early.load());
  });
}

TEST_P(BarrierTest, WaitsUntilTheLastArrives) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Barrier barrier(2);
    auto first = spawn([&barrier]() -> Task<bool> {
      co_return (co_await barrier.wait()).is_leader();
    });
    EXPECT_TRUE(co_await UntilWaiting(first.id()));
    EXPECT_FALSE(first.is_finished());
    bool leader = (co_await barrier.wait()).is_leader();
    EXPECT_TRUE(leader) << "the last to arrive leads";
    EXPECT_FALSE((co_await first).value_or(true));
  });
}

TEST_P(BarrierTest, ABarrierOfOneNeverWaits) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Barrier zero(0);
    Barrier one(1);
    EXPECT_TRUE((co_await zero.wait()).is_leader());
    EXPECT_TRUE((co_await one.wait()).is_leader());
  });
}

TEST_P(BarrierTest, AnAbortedWaiterStillCountsAsArrived) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Barrier barrier(2);
    auto aborted =
        spawn([&barrier]() -> Task<void> { (void)co_await barrier.wait(); });
    EXPECT_TRUE(co_await UntilWaiting(aborted.id()));
    aborted.abort();
    (void)co_await aborted;
    EXPECT_TRUE((co_await barrier.wait()).is_leader());
  });
}

}  // namespace
}  // namespace weft::conformance
