// join and try_join: every branch runs to its end inside the awaiting task;
// an exception or (try_join) an error ends the others at once.

#include <atomic>
#include <chrono>
#include <expected>
#include <string>
#include <thread>
#include <tuple>
#include <variant>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class JoinTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(JoinTest);

Task<int> After(std::chrono::milliseconds delay, int value) {
  co_await sleep(delay);
  co_return value;
}

Task<void> Nothing() { co_return; }

Task<int> SleepForeverHolding([[maybe_unused]] DropCounter guard) {
  co_await sleep(kForever);
  co_return -1;
}

using Result = std::expected<int, std::string>;

Task<Result> Ok(std::chrono::milliseconds delay, int value) {
  co_await sleep(delay);
  co_return value;
}
Task<Result> Err(std::chrono::milliseconds delay, std::string error) {
  co_await sleep(delay);
  co_return std::unexpected(std::move(error));
}
Task<Result> ForeverHolding([[maybe_unused]] DropCounter guard) {
  co_await sleep(kForever);
  co_return -1;
}

TEST_P(JoinTest, JoinWaitsForEveryBranchAndKeepsArgumentOrder) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = Clock::now();
    auto [slow, fast, none] =
        co_await join(After(20ms, 1), After(1ms, 2), Nothing());
    static_assert(std::is_same_v<decltype(none), std::monostate>);
    EXPECT_EQ(slow, 1);
    EXPECT_EQ(fast, 2);
    EXPECT_GE(Clock::now() - start, 20ms) << "join returned before its "
                                             "slowest branch finished";
  });
}

TEST_P(JoinTest, JoinRunsItsBranchesConcurrentlyOnTheAwaitingTask) {
  Runtime rt = MakeRuntime();
  // The block_on body never changes thread, so neither may its branches.
  rt.block_on([]() -> Task<void> {
    std::atomic<bool> gate{false};
    const std::thread::id here = std::this_thread::get_id();
    auto waits_for_gate = [&]() -> Task<bool> {
      while (!gate.load()) co_await yield_now();
      co_return std::this_thread::get_id() == here;
    };
    auto opens_gate = [&]() -> Task<bool> {
      gate.store(true);
      co_return std::this_thread::get_id() == here;
    };
    // The first branch can only finish if the second runs meanwhile.
    auto [first, second] = co_await join(waits_for_gate(), opens_gate());
    EXPECT_TRUE(first && second) << "a branch left the awaiting task's "
                                    "thread";
  });
}

TEST_P(JoinTest, AnExceptionEndsTheOtherBranchesAndPropagates) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    auto throws = []() -> Task<int> {
      co_await sleep(1ms);
      throw TestError("branch failed");
    };
    try {
      co_await join(SleepForeverHolding(DropCounter(&drops)), throws());
      ADD_FAILURE() << "join returned although a branch threw";
    } catch (const TestError& error) {
      EXPECT_STREQ(error.what(), "branch failed");
    }
    EXPECT_EQ(drops.load(), 1) << "the other branch was not destroyed";
  });
}

TEST_P(JoinTest, TryJoinYieldsEveryValueWhenAllSucceed) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    std::expected<std::tuple<int, int>, std::string> both =
        co_await try_join(Ok(5ms, 1), Ok(1ms, 2));
    WEFT_CO_ASSERT_TRUE(both.has_value());
    EXPECT_EQ(std::get<0>(*both), 1);
    EXPECT_EQ(std::get<1>(*both), 2);
  });
}

TEST_P(JoinTest, TryJoinEndsAtTheFirstErrorAndDestroysTheRest) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    const auto start = Clock::now();
    std::expected<std::tuple<int, int, int>, std::string> outcome =
        co_await try_join(ForeverHolding(DropCounter(&drops)),
                          Err(1ms, "first"), Err(kPatience, "later"));
    WEFT_CO_ASSERT_TRUE(!outcome.has_value());
    EXPECT_EQ(outcome.error(), "first");
    EXPECT_EQ(drops.load(), 1) << "a branch outlived try_join";
    EXPECT_LT(Clock::now() - start, kPatience)
        << "try_join waited for the other branches";
  });
}

TEST_P(JoinTest, JoinTakesWhatSelectTakes) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> spawned = spawn(After(1ms, 7));
    Notify notify;
    notify.notify_one();  // Stored: the first notified() completes at once.
    auto [joined, slept, notified] =
        co_await join(spawned, sleep(1ms), notify.notified());
    EXPECT_EQ(joined.value_or(-1), 7);
    (void)slept;
    (void)notified;
  });
}

}  // namespace
}  // namespace weft::conformance
