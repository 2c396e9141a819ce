// JoinSet<T>: completion order, ids, try_join_next, join_all, abort_all,
// detach_all, shutdown, destruction, size, spawn_blocking, cancel safety.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class JoinSetTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(JoinSetTest);

Task<int> Identity(int value) { co_return value; }

// Returns `value` once `*gate` >= `open_at`.
Task<int> Gated(std::atomic<int>* gate, int open_at, int value) {
  while (gate->load() < open_at) co_await yield_now();
  co_return value;
}

Task<int> SleepForeverHolding([[maybe_unused]] DropCounter guard) {
  co_await sleep(kForever);
  co_return -1;
}

Task<std::optional<JoinResult<int>>> NextOf(JoinSet<int>* set) {
  co_return co_await set->join_next();
}

// Reaps one result from `set` without blocking the (current_thread) runtime:
// polls try_join_next, sleeping 1 ms in between.
Task<std::optional<JoinResult<int>>> PollTryJoinNext(JoinSet<int>* set) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<JoinResult<int>> result = set->try_join_next();
    if (result.has_value()) co_return result;
    co_await sleep(1ms);
  }
  co_return std::nullopt;
}

int ValueOf(const std::optional<JoinResult<int>>& next) {
  if (!next.has_value()) {
    ADD_FAILURE() << "join_next returned nullopt";
    return -1000;
  }
  if (!next->has_value()) {
    ADD_FAILURE() << Describe(*next);
    return -2000;
  }
  return **next;
}

TEST_P(JoinSetTest, JoinNextOnEmptySetReturnsNullopt) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.size(), 0u);
    std::optional<JoinResult<int>> next = co_await set.join_next();
    EXPECT_FALSE(next.has_value());
    EXPECT_FALSE(set.try_join_next().has_value());
  });
}

TEST_P(JoinSetTest, JoinNextFollowsCompletionOrder) {
  std::atomic<int> gate{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<int> set;
    set.spawn(Gated(&gate, 3, 1));
    set.spawn(Gated(&gate, 1, 2));
    set.spawn(Gated(&gate, 2, 3));
    EXPECT_EQ(set.size(), 3u);
    std::vector<int> order;
    for (int step = 1; step <= 3; ++step) {
      gate.store(step);  // exactly one more task may finish now
      std::optional<JoinResult<int>> next = co_await set.join_next();
      order.push_back(ValueOf(next));
      EXPECT_EQ(set.size(), static_cast<size_t>(3 - step));
    }
    EXPECT_EQ(order, (std::vector<int>{2, 3, 1}));
    std::optional<JoinResult<int>> last = co_await set.join_next();
    EXPECT_FALSE(last.has_value());
    EXPECT_TRUE(set.empty());
  });
}

TEST_P(JoinSetTest, JoinNextWithDifferentSleeps) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    const auto start = std::chrono::steady_clock::now();
    set.spawn(Until(start + 240ms, 1));
    set.spawn(Until(start, 2));
    set.spawn(Until(start + 120ms, 3));
    std::vector<int> order;
    while (true) {
      std::optional<JoinResult<int>> next = co_await set.join_next();
      if (!next.has_value()) break;
      order.push_back(ValueOf(next));
    }
    EXPECT_EQ(order, (std::vector<int>{2, 3, 1}));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 240ms);
  });
}

TEST_P(JoinSetTest, JoinNextWithIdReportsTheIdsOfSpawn) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    std::map<TaskId, int> expected;
    for (int i = 0; i < 10; ++i) {
      AbortHandle handle = set.spawn(Identity(i));
      expected[handle.id()] = i;
    }
    AbortHandle aborted = set.spawn(SleepForeverHolding(DropCounter(nullptr)));
    AbortHandle panicked = set.spawn([]() -> Task<int> {
      throw TestError("panicked in a set");
      co_return 0;
    });
    aborted.abort();
    int values = 0;
    bool saw_aborted = false;
    bool saw_panicked = false;
    while (true) {
      std::optional<std::expected<std::pair<TaskId, int>, JoinError>> next =
          co_await set.join_next_with_id();
      if (!next.has_value()) break;
      if (next->has_value()) {
        const TaskId id = (**next).first;
        const int value = (**next).second;
        EXPECT_EQ(expected.count(id), 1u) << "unknown id " << id;
        if (expected.count(id) == 1) {
          EXPECT_EQ(expected[id], value);
        }
        ++values;
      } else {
        const JoinError& error = next->error();
        if (error.id() == aborted.id()) {
          EXPECT_TRUE(error.is_cancelled());
          saw_aborted = true;
        } else if (error.id() == panicked.id()) {
          EXPECT_TRUE(error.is_panic());
          saw_panicked = true;
        } else {
          ADD_FAILURE() << "error with an unknown id: " << error.message();
        }
      }
    }
    EXPECT_EQ(values, 10);
    EXPECT_TRUE(saw_aborted);
    EXPECT_TRUE(saw_panicked);
  });
}

TEST_P(JoinSetTest, JoinNextWithIdForVoidTasks) {
  std::atomic<int> runs{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<void> set;
    std::vector<TaskId> spawned;
    for (int i = 0; i < 3; ++i) {
      spawned.push_back(set.spawn([&runs]() -> Task<void> {
                             co_await yield_now();
                             runs.fetch_add(1);
                           })
                            .id());
    }
    std::vector<TaskId> joined;
    while (true) {
      std::optional<std::expected<TaskId, JoinError>> next =
          co_await set.join_next_with_id();
      if (!next.has_value()) break;
      if (next->has_value()) {
        joined.push_back(**next);
      } else {
        ADD_FAILURE() << next->error().message();
      }
    }
    std::sort(spawned.begin(), spawned.end());
    std::sort(joined.begin(), joined.end());
    EXPECT_EQ(joined, spawned);
  });
  EXPECT_EQ(runs.load(), 3);
}

TEST_P(JoinSetTest, TryJoinNextDoesNotWait) {
  std::atomic<int> gate{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<int> set;
    EXPECT_FALSE(set.try_join_next().has_value());
    set.spawn(Gated(&gate, 1, 11));
    for (int i = 0; i < 3; ++i) {
      co_await sleep(1ms);
      EXPECT_FALSE(set.try_join_next().has_value())
          << "try_join_next returned a result of an unfinished task";
    }
    EXPECT_EQ(set.size(), 1u);
    gate.store(1);
    std::optional<JoinResult<int>> next = co_await PollTryJoinNext(&set);
    EXPECT_EQ(ValueOf(next), 11);
    EXPECT_TRUE(set.empty());
    EXPECT_FALSE(set.try_join_next().has_value());
  });
}

TEST_P(JoinSetTest, JoinAllReturnsResultsInCompletionOrder) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    const auto start = time::now();
    set.spawn(Until(start + 240ms, 1));
    set.spawn(Until(start, 2));
    set.spawn(Until(start + 120ms, 3));
    std::vector<int> all = co_await set.join_all();
    EXPECT_EQ(all, (std::vector<int>{2, 3, 1}));
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.size(), 0u);
  });
}

TEST_P(JoinSetTest, JoinAllForVoidTasks) {
  std::atomic<int> runs{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<void> set;
    for (int i = 0; i < 20; ++i) {
      set.spawn([&runs]() -> Task<void> {
        co_await sleep(1ms);
        runs.fetch_add(1);
      });
    }
    co_await set.join_all();
    EXPECT_TRUE(set.empty());
  });
  EXPECT_EQ(runs.load(), 20);
}

TEST_P(JoinSetTest, JoinAllRethrowsAPanic) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    set.spawn(Identity(1));
    set.spawn([]() -> Task<int> {
      co_await sleep(1ms);
      throw TestError("join_all sees this", 9);
      co_return 0;
    });
    bool caught = false;
    try {
      std::vector<int> all = co_await set.join_all();
      ADD_FAILURE() << "join_all returned " << all.size() << " values";
    } catch (const TestError& e) {
      caught = true;
      EXPECT_EQ(e.code(), 9);
    }
    EXPECT_TRUE(caught) << "join_all rethrows a panicked task's exception";
  });
}

TEST_P(JoinSetTest, JoinAllThrowsUsageErrorForACancelledTask) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    set.spawn(Identity(1));
    AbortHandle sleeper = set.spawn(SleepForeverHolding(DropCounter(nullptr)));
    sleeper.abort();
    bool caught = false;
    try {
      std::vector<int> all = co_await set.join_all();
      ADD_FAILURE() << "join_all returned " << all.size() << " values";
    } catch (const UsageError& e) {
      caught = true;
      EXPECT_FALSE(std::string(e.what()).empty());
    }
    EXPECT_TRUE(caught) << "join_all throws UsageError for a cancelled task";
  });
}

TEST_P(JoinSetTest, AbortAllThenReapCancelledErrors) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<int> set;
    constexpr int kTasks = 5;
    for (int i = 0; i < kTasks; ++i) {
      set.spawn(SleepForeverHolding(DropCounter(&drops)));
    }
    co_await sleep(2ms);
    set.abort_all();
    EXPECT_EQ(set.size(), static_cast<size_t>(kTasks))
        << "aborted tasks stay in the set until joined";
    int cancelled = 0;
    while (true) {
      std::optional<JoinResult<int>> next = co_await set.join_next();
      if (!next.has_value()) break;
      if (!next->has_value() && next->error().is_cancelled()) ++cancelled;
    }
    EXPECT_EQ(cancelled, kTasks);
    EXPECT_EQ(drops.load(), kTasks);
    EXPECT_TRUE(set.empty());
  });
}

TEST_P(JoinSetTest, AbortHandleFromSpawnAbortsOneTask) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    AbortHandle sleeper = set.spawn(SleepForeverHolding(DropCounter(nullptr)));
    set.spawn(After(1ms, 4));
    sleeper.abort();
    int values = 0;
    int cancelled = 0;
    while (true) {
      std::optional<JoinResult<int>> next = co_await set.join_next();
      if (!next.has_value()) break;
      if (next->has_value()) {
        EXPECT_EQ(**next, 4);
        ++values;
      } else if (next->error().is_cancelled()) {
        EXPECT_EQ(next->error().id(), sleeper.id());
        ++cancelled;
      }
    }
    EXPECT_EQ(values, 1);
    EXPECT_EQ(cancelled, 1);
  });
}

TEST_P(JoinSetTest, DetachAllKeepsTasksRunning) {
  std::atomic<int> gate{0};
  std::atomic<int> done{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<void> set;
    for (int i = 0; i < 3; ++i) {
      set.spawn([&gate, &done]() -> Task<void> {
        while (gate.load() == 0) co_await yield_now();
        done.fetch_add(1);
      });
    }
    set.detach_all();
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.size(), 0u);
    std::optional<JoinResult<void>> next = co_await set.join_next();
    EXPECT_FALSE(next.has_value());
    gate.store(1);
    bool all_done = co_await Eventually([&] { return done.load() == 3; });
    EXPECT_TRUE(all_done) << "detached tasks keep running; done "
                          << done.load();
  });
}

TEST_P(JoinSetTest, ShutdownAbortsAndWaitsForEveryTask) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<int> set;
    for (int i = 0; i < 4; ++i) {
      set.spawn(SleepForeverHolding(DropCounter(&drops)));
    }
    set.spawn(Identity(1));
    co_await sleep(2ms);
    co_await set.shutdown();
    EXPECT_EQ(drops.load(), 4) << "shutdown() returns after every task is gone";
    EXPECT_TRUE(set.empty());
    std::optional<JoinResult<int>> next = co_await set.join_next();
    EXPECT_FALSE(next.has_value());
  });
}

TEST_P(JoinSetTest, DestroyingTheSetAbortsItsTasks) {
  std::atomic<int> drops{0};
  std::atomic<int> started{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    {
      JoinSet<int> set;
      for (int i = 0; i < 4; ++i) {
        set.spawn([&started, guard = DropCounter(&drops)]() -> Task<int> {
          started.fetch_add(1);
          co_await sleep(kForever);
          co_return 1;
        });
      }
      bool running = co_await Eventually([&] { return started.load() == 4; });
      EXPECT_TRUE(running);
    }  // ~JoinSet aborts them
    bool dropped = co_await Eventually([&] { return drops.load() == 4; });
    EXPECT_TRUE(dropped) << "tasks of a destroyed JoinSet are cancelled; "
                         << drops.load() << " of 4 destroyed";
  });
}

TEST_P(JoinSetTest, SizeAndEmptyCountUnjoinedTasks) {
  std::atomic<int> gate{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<int> set;
    EXPECT_TRUE(set.empty());
    set.spawn(Identity(1));
    set.spawn(Gated(&gate, 1, 2));
    EXPECT_EQ(set.size(), 2u);
    EXPECT_FALSE(set.empty());
    std::optional<JoinResult<int>> first = co_await set.join_next();
    EXPECT_EQ(ValueOf(first), 1);
    EXPECT_EQ(set.size(), 1u);
    co_await sleep(1ms);
    EXPECT_EQ(set.size(), 1u) << "a finished task counts until it is joined";
    gate.store(1);
    std::optional<JoinResult<int>> second = co_await set.join_next();
    EXPECT_EQ(ValueOf(second), 2);
    EXPECT_EQ(set.size(), 0u);
    EXPECT_TRUE(set.empty());
  });
}

TEST_P(JoinSetTest, SetIsReusableAfterDraining) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 5; ++i) set.spawn(Identity(round * 10 + i));
      int sum = 0;
      while (true) {
        std::optional<JoinResult<int>> next = co_await set.join_next();
        if (!next.has_value()) break;
        sum += ValueOf(next);
      }
      EXPECT_EQ(sum, round * 50 + 10);
      EXPECT_TRUE(set.empty());
    }
  });
}

TEST_P(JoinSetTest, SpawnBlockingIntoASet) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    set.spawn_blocking([] { return 5; });
    set.spawn(Identity(6));
    set.spawn_blocking([] { return 7; });
    std::vector<int> values;
    while (true) {
      std::optional<JoinResult<int>> next = co_await set.join_next();
      if (!next.has_value()) break;
      values.push_back(ValueOf(next));
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(values, (std::vector<int>{5, 6, 7}));
  });
}

TEST_P(JoinSetTest, SpawnNamedInASetNamesTheJoinError) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    set.spawn_named("member", SleepForeverHolding(DropCounter(nullptr)));
    set.abort_all();
    std::optional<JoinResult<int>> next = co_await set.join_next();
    if (!next.has_value() || next->has_value()) {
      ADD_FAILURE() << "expected a cancelled JoinError";
      co_return;
    }
    EXPECT_TRUE(Contains(next->error().message(), "member"));
    EXPECT_TRUE(Contains(next->error().message(), "was cancelled"));
  });
}

TEST_P(JoinSetTest, JoinNextReportsAPanic) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    set.spawn([]() -> Task<int> {
      throw TestError("from a member", 3);
      co_return 0;
    });
    std::optional<JoinResult<int>> next = co_await set.join_next();
    if (!next.has_value() || next->has_value()) {
      ADD_FAILURE() << "expected a panic JoinError";
      co_return;
    }
    EXPECT_TRUE(next->error().is_panic());
    bool caught = false;
    try {
      std::rethrow_exception(next->error().into_panic());
    } catch (const TestError& e) {
      caught = e.code() == 3;
    }
    EXPECT_TRUE(caught);
  });
}

TEST_P(JoinSetTest, LosingJoinNextInSelectLosesNothing) {
  std::atomic<int> gate{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinSet<int> set;
    set.spawn(Gated(&gate, 1, 21));
    std::variant<std::optional<JoinResult<int>>, std::monostate> raced =
        co_await select(NextOf(&set), sleep(5ms));
    EXPECT_EQ(raced.index(), 1u) << "the gated task cannot have finished";
    EXPECT_EQ(set.size(), 1u);
    gate.store(1);
    std::optional<JoinResult<int>> next = co_await set.join_next();
    EXPECT_EQ(ValueOf(next), 21) << "the result is still in the set";
  });
}

TEST_P(JoinSetTest, JoinNextInSelectLoopIsCancelSafe) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    constexpr int kTasks = 20;
    for (int i = 0; i < kTasks; ++i) {
      set.spawn(After(std::chrono::milliseconds(i), i));
    }
    std::vector<int> got;
    int timeouts = 0;
    for (int round = 0; round < 100'000 && got.size() < kTasks; ++round) {
      std::variant<std::optional<JoinResult<int>>, std::monostate> raced =
          co_await select(NextOf(&set), sleep(300us));
      if (raced.index() == 1) {
        ++timeouts;
        continue;
      }
      std::optional<JoinResult<int>>& next = std::get<0>(raced);
      if (!next.has_value()) break;
      got.push_back(ValueOf(next));
    }
    std::sort(got.begin(), got.end());
    std::vector<int> expected(kTasks);
    for (int i = 0; i < kTasks; ++i) expected[i] = i;
    EXPECT_EQ(got, expected) << "after " << timeouts << " lost races";
    EXPECT_TRUE(set.empty());
  });
}

// --- tokio's JoinSet surface: ids without waiting, spawning elsewhere,
// building a set from many bodies, insert.

TEST_P(JoinSetTest, TryJoinNextWithIdGivesTheIdAndTheValue) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinSet<int> set;
    EXPECT_FALSE(set.try_join_next_with_id().has_value()) << "empty set";
    AbortHandle seven = set.spawn(Identity(7));
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    std::optional<JoinSet<int>::IdResult> next;
    while (!next.has_value() && std::chrono::steady_clock::now() < deadline) {
      next = set.try_join_next_with_id();
      if (!next.has_value()) co_await sleep(1ms);
    }
    WEFT_CO_ASSERT_TRUE(next.has_value() && next->has_value());
    EXPECT_EQ((*next)->first, seven.id());
    EXPECT_EQ((*next)->second, 7);
    EXPECT_TRUE(set.empty());

    AbortHandle aborted = set.spawn(SleepForeverHolding(DropCounter(nullptr)));
    aborted.abort();
    next.reset();
    while (!next.has_value() && std::chrono::steady_clock::now() < deadline) {
      next = set.try_join_next_with_id();
      if (!next.has_value()) co_await sleep(1ms);
    }
    WEFT_CO_ASSERT_TRUE(next.has_value());
    WEFT_CO_ASSERT_TRUE(!(next->has_value()));
    EXPECT_TRUE(next->error().is_cancelled());
    EXPECT_EQ(next->error().id(), aborted.id());
  });
}

TEST_P(JoinSetTest, SpawnOnRunsOnTheGivenRuntime) {
  Runtime rt = MakeRuntime();
  Runtime other = Build(Runtime::Builder::multi_thread().worker_threads(1));
  Handle other_handle = other.handle();
  rt.block_on([&other_handle]() -> Task<void> {
    JoinSet<int> set;
    auto runtime_id = []() -> Task<int> {
      co_return static_cast<int>(Handle::current().id().value());
    };
    set.spawn_on(runtime_id, other_handle);
    set.spawn_blocking_on(
        [] { return static_cast<int>(Handle::current().id().value()); },
        other_handle, {.name = "blocking-on-other"});
    std::vector<int> ids = co_await set.join_all();
    WEFT_CO_ASSERT_TRUE(ids.size() == 2u);
    for (int id : ids) {
      EXPECT_EQ(static_cast<uint64_t>(id), other_handle.id().value())
          << "a task of spawn_on ran on another runtime";
    }
  });
}

TEST_P(JoinSetTest, SpawnLocalOnAddsToTheGivenLocalSet) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    LocalSet local;
    JoinSet<int> set;
    const std::thread::id here = std::this_thread::get_id();
    auto same_thread = [here]() -> Task<int> {
      co_return std::this_thread::get_id() == here ? 1 : 0;
    };
    set.spawn_local_on(same_thread, local);
    set.spawn_local_on(Identity(2), local);
    co_await local;  // Runs the set's tasks until none is left.
    int sum = 0;
    while (std::optional<JoinResult<int>> next = set.try_join_next()) {
      sum += ValueOf(next);
    }
    EXPECT_EQ(sum, 3) << "both ran, on the LocalSet's thread";
  });
}

TEST_P(JoinSetTest, FromRangeAndExtendSpawnEveryBody) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    std::vector<Task<int>> tasks;
    for (int i = 1; i <= 10; ++i) tasks.push_back(Identity(i));
    JoinSet<int> set = JoinSet<int>::from_range(std::move(tasks));
    EXPECT_EQ(set.size(), 10u);
    std::vector<std::function<Task<int>()>> makers;
    for (int i = 11; i <= 15; ++i) {
      makers.push_back([i]() -> Task<int> { co_return i; });
    }
    set.extend(makers, {.name = "extended"});
    EXPECT_EQ(set.size(), 15u);
    std::vector<int> values = co_await set.join_all();
    std::sort(values.begin(), values.end());
    std::vector<int> expected(15);
    for (int i = 0; i < 15; ++i) expected[i] = i + 1;
    EXPECT_EQ(values, expected);
  });
}

TEST_P(JoinSetTest, InsertReapsAHandleSpawnedElsewhere) {
  Runtime rt = MakeRuntime();
  Handle handle = rt.handle();
  std::atomic<int> drops{0};
  rt.block_on([&]() -> Task<void> {
    JoinSet<int> set;
    AbortHandle five = set.insert(handle.spawn(Identity(5)));
    AbortHandle sleeper =
        set.insert(spawn(SleepForeverHolding(DropCounter(&drops))));
    EXPECT_EQ(set.size(), 2u);
    std::optional<JoinSet<int>::IdResult> first =
        co_await set.join_next_with_id();
    WEFT_CO_ASSERT_TRUE(first.has_value() && first->has_value());
    EXPECT_EQ((*first)->first, five.id());
    EXPECT_EQ((*first)->second, 5);
    sleeper.abort();
    std::optional<JoinResult<int>> second = co_await set.join_next();
    WEFT_CO_ASSERT_TRUE(second.has_value() && !second->has_value());
    EXPECT_TRUE(second->error().is_cancelled());
    EXPECT_EQ(drops.load(), 1);
  });
}

}  // namespace
}  // namespace weft::conformance
