// select: the first branch to finish wins; the others are cancelled before
// select returns; JoinHandle& branches are cancel safe; branches run inside
// the awaiting task.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class SelectTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(SelectTest);

using std::chrono::steady_clock;

Task<int> Identity(int value) { co_return value; }

Task<int> SleepForeverHolding([[maybe_unused]] DropCounter guard) {
  co_await sleep(kForever);
  co_return -1;
}

Task<int> Gated(std::atomic<bool>* gate, int value) {
  while (!gate->load()) co_await yield_now();
  co_return value;
}

TEST_P(SelectTest, FirstToFinishWinsWithItsIndex) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    auto raced = co_await select(SleepForeverHolding(DropCounter(nullptr)),
                                 After(1ms, std::string("second")));
    static_assert(
        std::is_same_v<decltype(raced), std::variant<int, std::string>>);
    EXPECT_EQ(raced.index(), 1u);
    if (raced.index() == 1) {
      EXPECT_EQ(std::get<1>(raced), "second");
    }
  });
}

TEST_P(SelectTest, BiasedSelectPollsInArgumentOrder) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    for (int round = 0; round < 50; ++round) {
      std::variant<int, int, int> all_ready =
          co_await select_biased(Identity(1), Identity(2), Identity(3));
      EXPECT_EQ(all_ready.index(), 0u)
          << "when several branches are ready, the first one wins";
    }
  });
}

TEST_P(SelectTest, SelectPicksAmongReadyBranchesAtRandom) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    int wins[3] = {0, 0, 0};
    for (int round = 0; round < 300; ++round) {
      std::variant<int, int, int> all_ready =
          co_await select(Identity(1), Identity(2), Identity(3));
      ++wins[all_ready.index()];
    }
    // Each branch wins a third of the time; missing one in 300 rounds has
    // a probability of about 1e-53.
    for (int branch = 0; branch < 3; ++branch) {
      EXPECT_GT(wins[branch], 0) << "branch " << branch << " never won";
    }
  });
}

TEST_P(SelectTest, MiddleOfThreeBranchesWins) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    std::variant<int, int, int> raced = co_await select(
        SleepForeverHolding(DropCounter(&drops)), After(5ms, 22),
        SleepForeverHolding(DropCounter(&drops)));
    EXPECT_EQ(raced.index(), 1u);
    if (raced.index() == 1) {
      EXPECT_EQ(std::get<1>(raced), 22);
    }
    EXPECT_EQ(drops.load(), 2);
  });
}

TEST_P(SelectTest, LosersAreDestroyedBeforeSelectReturns) {
  std::atomic<int> drops{0};
  std::atomic<int> winner_drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    auto winner = []([[maybe_unused]] DropCounter guard) -> Task<int> {
      co_await sleep(2ms);
      co_return 7;
    };
    auto raced = co_await select(SleepForeverHolding(DropCounter(&drops)),
                                 winner(DropCounter(&winner_drops)),
                                 SleepForeverHolding(DropCounter(&drops)));
    EXPECT_EQ(raced.index(), 1u);
    EXPECT_EQ(drops.load(), 2) << "both losers are destroyed by the time "
                                  "select returns";
    EXPECT_EQ(winner_drops.load(), 1);
  });
}

TEST_P(SelectTest, SleepBranchWins) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    const auto start = steady_clock::now();
    std::variant<int, std::monostate> raced =
        co_await select(SleepForeverHolding(DropCounter(&drops)), sleep(20ms));
    const auto elapsed = steady_clock::now() - start;
    EXPECT_EQ(raced.index(), 1u);
    EXPECT_GE(elapsed, 20ms);
    EXPECT_LT(elapsed, 5s);
    EXPECT_EQ(drops.load(), 1);
  });
}

TEST_P(SelectTest, SleepBranchLoses) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    std::variant<std::monostate, int> raced =
        co_await select(sleep(kForever), After(1ms, 3));
    EXPECT_EQ(raced.index(), 1u);
    if (raced.index() == 1) {
      EXPECT_EQ(std::get<1>(raced), 3);
    }
  });
}

TEST_P(SelectTest, VoidTaskBranchYieldsMonostate) {
  std::atomic<bool> ran{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    auto raced = co_await select(
        [](std::atomic<bool>* flag) -> Task<void> {
          co_await sleep(1ms);
          flag->store(true);
        }(&ran),
        sleep(kForever));
    static_assert(std::is_same_v<decltype(raced),
                                 std::variant<std::monostate, std::monostate>>);
    EXPECT_EQ(raced.index(), 0u);
  });
  EXPECT_TRUE(ran.load());
}

TEST_P(SelectTest, LosingJoinHandleBranchLosesNothing) {
  std::atomic<bool> gate{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn(Gated(&gate, 42));
    std::variant<JoinResult<int>, std::monostate> raced =
        co_await select(handle, sleep(2ms));
    EXPECT_EQ(raced.index(), 1u) << "the gated task cannot have finished";
    EXPECT_FALSE(handle.is_finished())
        << "losing a select must not cancel the task behind a JoinHandle&";
    gate.store(true);
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result == 42)
        << "the output is still there after a lost race: " << Describe(result);
  });
}

TEST_P(SelectTest, WinningJoinHandleBranchTakesTheOutput) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn(After(1ms, 43));
    std::variant<JoinResult<int>, std::monostate> raced =
        co_await select(handle, sleep(kForever));
    EXPECT_EQ(raced.index(), 0u);
    if (raced.index() == 0) {
      const JoinResult<int>& result = std::get<0>(raced);
      EXPECT_TRUE(result.has_value() && *result == 43) << Describe(result);
    }
    bool threw = false;
    try {
      JoinResult<int> again = co_await handle;
      ADD_FAILURE() << "awaiting a handle whose output select took returned "
                    << Describe(again);
    } catch (const UsageError&) {
      threw = true;
    }
    EXPECT_TRUE(threw);
  });
}

TEST_P(SelectTest, JoinHandleBranchInALoop) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn(After(20ms, 44));
    int lost = 0;
    std::optional<JoinResult<int>> result;
    for (int round = 0; round < 100'000 && !result.has_value(); ++round) {
      std::variant<JoinResult<int>, std::monostate> raced =
          co_await select(handle, sleep(200us));
      if (raced.index() == 0) {
        result = std::get<0>(std::move(raced));
      } else {
        ++lost;
      }
    }
    EXPECT_TRUE(result.has_value() && result->has_value() && **result == 44);
    EXPECT_GT(lost, 0) << "a 20 ms task lost no race against 200 us sleeps";
  });
}

TEST_P(SelectTest, TwoJoinHandles) {
  std::atomic<bool> gate{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> slow = spawn(Gated(&gate, 1));
    JoinHandle<int> fast = spawn(After(1ms, 2));
    std::variant<JoinResult<int>, JoinResult<int>> raced =
        co_await select(slow, fast);
    EXPECT_EQ(raced.index(), 1u);
    gate.store(true);
    JoinResult<int> result = co_await slow;
    EXPECT_TRUE(result.has_value() && *result == 1) << Describe(result);
  });
}

TEST_P(SelectTest, ABranchExceptionPropagatesAndCancelsTheOthers) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    bool caught = false;
    try {
      auto raced = co_await select(SleepForeverHolding(DropCounter(&drops)),
                                   []() -> Task<int> {
                                     co_await sleep(1ms);
                                     throw TestError("from a branch", 6);
                                     co_return 0;
                                   }());
      ADD_FAILURE() << "select returned branch " << raced.index();
    } catch (const TestError& e) {
      caught = e.code() == 6;
    }
    EXPECT_TRUE(caught);
    EXPECT_EQ(drops.load(), 1) << "the other branch is destroyed";
  });
}

TEST_P(SelectTest, BranchesRunInsideTheAwaitingTask) {
  std::atomic<uint64_t> loser_saw{0};
  Runtime rt = MakeRuntime();
  struct IdProbe {
    std::atomic<uint64_t>* seen;
    ~IdProbe() {
      std::optional<TaskId> id = try_current_task_id();
      seen->store(id.has_value() ? id->value() : 0);
    }
  };
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> handle = spawn([&loser_saw]() -> Task<bool> {
      const TaskId self = current_task_id();
      auto raced = co_await select(
          []() -> Task<TaskId> {
            co_await yield_now();
            co_await sleep(1ms);
            co_return current_task_id();
          }(),
          [](std::atomic<uint64_t>* seen) -> Task<int> {
            IdProbe probe{seen};
            co_await sleep(kForever);
            co_return 0;
          }(&loser_saw));
      EXPECT_EQ(raced.index(), 0u);
      EXPECT_EQ(loser_saw.load(), self.value())
          << "the losing branch is destroyed in the awaiting task's context";
      co_return raced.index() == 0 && std::get<0>(raced) == self;
    });
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result)
        << "a select branch runs as part of the awaiting task (nothing is "
           "spawned): "
        << Describe(result);
  });
}

TEST_P(SelectTest, ABranchCanDriveALocalSet) {
  Runtime rt = MakeRuntime();
  const std::thread::id caller = std::this_thread::get_id();
  rt.block_on([caller]() -> Task<void> {
    LocalSet local;
    std::atomic<int> done{0};
    for (int i = 0; i < 3; ++i) {
      local.spawn_local([&done, caller, i]() -> Task<void> {
        co_await sleep(std::chrono::milliseconds(i));
        if (std::this_thread::get_id() == caller) done.fetch_add(1);
      });
    }
    auto wait_all = [&done]() -> Task<int> {
      bool all = co_await Eventually([&done] { return done.load() == 3; });
      co_return all ? 3 : -1;
    };
    std::variant<int, std::monostate> raced =
        co_await select(local.run_until(wait_all()), sleep(kPatience));
    EXPECT_EQ(raced.index(), 0u)
        << "the LocalSet's tasks did not run inside the select branch";
    if (raced.index() == 0) {
      EXPECT_EQ(std::get<0>(raced), 3);
    }
    co_await local;
  });
}

}  // namespace
}  // namespace weft::conformance
