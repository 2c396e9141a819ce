// JoinSet::try_join_all (all results, or the first JoinError with the rest
// aborted and awaited) and join_next_ignoring_cancelled.

#include <algorithm>
#include <atomic>
#include <expected>
#include <memory>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class JoinSetTryJoinTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(JoinSetTryJoinTest);

Task<int> SleepForeverHolding([[maybe_unused]] DropCounter guard) {
  co_await sleep(kForever);
  co_return -1;
}

Task<int> ThrowAfterYield() {
  co_await yield_now();
  throw TestError("try_join_all boom", 7);
}

TEST_P(JoinSetTryJoinTest, AllSucceedInCompletionOrder) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([current_thread = current_thread()]() -> Task<void> {
    JoinSet<int> set;
    // Each task finishes after the one spawned after it: completion order
    // is the reverse of spawn order.
    std::vector<std::shared_ptr<Notify>> gates;
    for (int i = 0; i < 4; ++i) gates.push_back(std::make_shared<Notify>());
    for (int i = 0; i < 4; ++i) {
      set.spawn([i, &gates]() -> Task<int> {
        co_await gates[i]->notified();
        if (i > 0) gates[i - 1]->notify_one();
        co_return i;
      });
    }
    gates[3]->notify_one();
    JoinResult<std::vector<int>> all = co_await set.try_join_all();
    WEFT_CO_ASSERT_TRUE(all.has_value());
    if (current_thread) {
      EXPECT_EQ(*all, (std::vector<int>{3, 2, 1, 0}));
    } else {
      // Task i-1 may finish before task i's completion is recorded.
      std::sort(all->begin(), all->end());
      EXPECT_EQ(*all, (std::vector<int>{0, 1, 2, 3}));
    }
    EXPECT_TRUE(set.empty());
  });
}

TEST_P(JoinSetTryJoinTest, FirstPanicWinsAndTheRestAreAbortedAndAwaited) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    std::atomic<int> drops{0};
    JoinSet<int> set;
    for (int i = 0; i < 3; ++i)
      set.spawn(SleepForeverHolding(DropCounter(&drops)));
    TaskId failing = set.spawn(ThrowAfterYield()).id();
    JoinResult<std::vector<int>> all = co_await set.try_join_all();
    WEFT_CO_ASSERT_TRUE(!all.has_value());
    EXPECT_TRUE(all.error().is_panic());
    EXPECT_EQ(all.error().id(), failing);
    EXPECT_TRUE(Contains(all.error().message(), "try_join_all boom"));
    // Awaited, not just aborted: every frame is gone already.
    EXPECT_EQ(drops.load(), 3);
    EXPECT_TRUE(set.empty());
  });
}

TEST_P(JoinSetTryJoinTest, CancellationIsAnErrorToo) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    std::atomic<int> drops{0};
    JoinSet<void> set;
    AbortHandle aborted =
        set.spawn([]() -> Task<void> { co_await sleep(kForever); });
    for (int i = 0; i < 2; ++i) {
      set.spawn([guard = DropCounter(&drops)]() -> Task<void> {
        co_await sleep(kForever);
      });
    }
    aborted.abort();
    JoinResult<void> all = co_await set.try_join_all();
    WEFT_CO_ASSERT_TRUE(!all.has_value());
    EXPECT_TRUE(all.error().is_cancelled());
    EXPECT_EQ(all.error().id(), aborted.id());
    EXPECT_EQ(drops.load(), 2);
    EXPECT_TRUE(set.empty());
  });
}

TEST_P(JoinSetTryJoinTest, VoidAndEmptySets) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    JoinSet<void> set;
    std::atomic<int> ran{0};
    for (int i = 0; i < 3; ++i) {
      set.spawn([&ran]() -> Task<void> {
        ran.fetch_add(1);
        co_return;
      });
    }
    JoinResult<void> all = co_await set.try_join_all();
    EXPECT_TRUE(all.has_value());
    EXPECT_EQ(ran.load(), 3);
    JoinSet<int> empty;
    JoinResult<std::vector<int>> none = co_await empty.try_join_all();
    EXPECT_TRUE(none.has_value() && none->empty());
  });
}

TEST_P(JoinSetTryJoinTest, ExpectedValuesAreValuesNotFailures) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    JoinSet<std::expected<int, int>> set;
    set.spawn([]() -> Task<std::expected<int, int>> { co_return 1; });
    set.spawn([]() -> Task<std::expected<int, int>> {
      co_return std::unexpected(2);
    });
    auto all = co_await set.try_join_all();
    WEFT_CO_ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->size(), 2u);
  });
}

TEST_P(JoinSetTryJoinTest, JoinNextIgnoringCancelledSkipsAborted) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    JoinSet<int> set;
    std::atomic<int> drops{0};
    std::vector<AbortHandle> doomed;
    for (int i = 0; i < 3; ++i) {
      doomed.push_back(set.spawn(SleepForeverHolding(DropCounter(&drops))));
    }
    set.spawn(Ready(5));
    set.spawn(ThrowAfterYield());
    for (const AbortHandle& handle : doomed) handle.abort();
    int values = 0;
    int panics = 0;
    while (true) {
      std::optional<JoinResult<int>> next =
          co_await set.join_next_ignoring_cancelled();
      if (!next.has_value()) break;
      if (next->has_value()) {
        EXPECT_EQ(**next, 5);
        ++values;
      } else {
        EXPECT_TRUE(next->error().is_panic()) << next->error().message();
        ++panics;
      }
    }
    EXPECT_EQ(values, 1);
    EXPECT_EQ(panics, 1);
    EXPECT_EQ(drops.load(), 3);
    EXPECT_TRUE(set.empty());
  });
}

}  // namespace
}  // namespace weft::conformance
