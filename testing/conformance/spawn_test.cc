// spawn and its forms, spawn outside a runtime, many tasks, yield_now, task
// ids, spawn_named, and the cooperative budget.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class SpawnTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(SpawnTest);

Task<int> Identity(int value) { co_return value; }

Task<TaskId> OwnId() {
  co_await yield_now();
  co_return current_task_id();
}

Task<void> SetFlag(std::atomic<bool>* flag) {
  flag->store(true);
  co_return;
}

Task<void> Increment(std::atomic<int>* counter) {
  counter->fetch_add(1);
  co_return;
}

Task<int> RecordRun(std::atomic<bool>* ran,
                    [[maybe_unused]] DropCounter guard) {
  ran->store(true);
  co_return 1;
}

TEST_P(SpawnTest, SpawnTaskReturnsValue) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    JoinHandle<int> handle = spawn(Identity(41));
    co_return co_await handle;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 41);
}

TEST_P(SpawnTest, SpawnVoidTask) {
  std::atomic<bool> flag{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<void> handle = spawn(SetFlag(&flag));
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
  });
  EXPECT_TRUE(flag.load());
}

TEST_P(SpawnTest, SpawnCallableKeepsCapturesAlive) {
  Runtime rt = MakeRuntime();
  JoinResult<size_t> result = rt.block_on([]() -> Task<JoinResult<size_t>> {
    // The lambda object is a temporary, destroyed as soon as spawn returns;
    // its captures are used after several suspensions. Under ASan a dangling
    // capture is a heap-use-after-free.
    JoinHandle<size_t> handle = spawn(
        [text = std::string(200, 'x'), numbers = std::vector<int>(1000, 7),
         boxed = std::make_unique<int>(5)]() -> Task<size_t> {
          co_await yield_now();
          co_await sleep(1ms);
          co_await yield_now();
          size_t sum = 0;
          for (int n : numbers) sum += n;
          co_return text.size() + sum + *boxed;
        });
    co_return co_await handle;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 200u + 7000u + 5u);
}

TEST_P(SpawnTest, SpawnCallableCapturesDestroyedWhenTaskEnds) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    std::atomic<bool> release{false};
    JoinHandle<int> handle =
        spawn([guard = DropCounter(&drops), &release]() -> Task<int> {
          while (!release.load()) co_await yield_now();
          co_return 3;
        });
    co_await sleep(1ms);
    EXPECT_EQ(drops.load(), 0) << "the callable must live as long as the task";
    release.store(true);
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
    // Like a tokio future, the task (callable included) is gone once its
    // JoinHandle reports the result: holding a JoinHandle must not keep the
    // captured state of a finished task alive.
    EXPECT_EQ(drops.load(), 1);
  });
}

TEST_P(SpawnTest, SpawnOutsideRuntimeThrowsUsageError) {
  std::atomic<bool> ran{false};
  std::atomic<int> drops{0};
  try {
    JoinHandle<int> handle = spawn(RecordRun(&ran, DropCounter(&drops)));
    ADD_FAILURE() << "spawn outside a runtime returned a handle";
  } catch (const UsageError& e) {
    EXPECT_TRUE(Contains(e.what(), "spawn"));
  }
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(drops.load(), 1) << "the rejected task is destroyed";

  // Also when a runtime exists but this thread is not inside it.
  Runtime rt = MakeRuntime();
  try {
    JoinHandle<int> handle = spawn([]() -> Task<int> { co_return 1; });
    ADD_FAILURE() << "spawn outside the runtime's context returned a handle";
  } catch (const UsageError& e) {
    EXPECT_TRUE(Contains(e.what(), "spawn"));
  }
}

TEST_P(SpawnTest, SpawnBlockingOutsideRuntimeThrowsUsageError) {
  std::atomic<bool> ran{false};
  try {
    JoinHandle<int> handle = spawn_blocking([&ran] {
      ran.store(true);
      return 1;
    });
    ADD_FAILURE() << "spawn_blocking outside a runtime returned a handle";
  } catch (const UsageError& e) {
    EXPECT_TRUE(Contains(e.what(), "spawn_blocking"));
  }
  EXPECT_FALSE(ran.load());
}

TEST_P(SpawnTest, SpawnFromBlockOnBody) {
  Runtime rt = MakeRuntime();
  int sum = rt.block_on([]() -> Task<int> {
    JoinHandle<int> a = spawn(Identity(1));
    JoinHandle<int> b = spawn([]() -> Task<int> { co_return 2; });
    JoinResult<int> ra = co_await a;
    JoinResult<int> rb = co_await b;
    co_return ra.value_or(-100) + rb.value_or(-100);
  });
  EXPECT_EQ(sum, 3);
}

TEST_P(SpawnTest, SpawnFromSpawnBlockingClosure) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    // A blocking-pool thread is inside the runtime: spawn works there.
    JoinHandle<JoinHandle<int>> outer =
        spawn_blocking([] { return spawn(Identity(77)); });
    JoinResult<JoinHandle<int>> inner = co_await outer;
    if (!inner.has_value()) {
      ADD_FAILURE() << Describe(inner);
      co_return std::unexpected(inner.error());
    }
    co_return co_await *inner;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 77);
}

TEST_P(SpawnTest, HundredThousandTasksJoined) {
  std::atomic<int> ran{0};
  Runtime rt = MakeRuntime();
  constexpr int kTasks = 100'000;
  long long sum = rt.block_on([&]() -> Task<long long> {
    std::vector<JoinHandle<int>> handles;
    handles.reserve(kTasks);
    for (int i = 0; i < kTasks; ++i) {
      handles.push_back(spawn([i, &ran]() -> Task<int> {
        ran.fetch_add(1, std::memory_order_relaxed);
        co_return i;
      }));
    }
    long long total = 0;
    int failures = 0;
    for (JoinHandle<int>& handle : handles) {
      JoinResult<int> result = co_await handle;
      if (result.has_value()) {
        total += *result;
      } else {
        ++failures;
      }
    }
    EXPECT_EQ(failures, 0);
    co_return total;
  });
  EXPECT_EQ(ran.load(), kTasks);
  EXPECT_EQ(sum, static_cast<long long>(kTasks) * (kTasks - 1) / 2);
}

TEST_P(SpawnTest, YieldNowLetsOtherTasksRun) {
  std::atomic<int> counter{0};
  Runtime rt = MakeRuntime();
  constexpr int kOthers = 10;
  int yields = rt.block_on([&]() -> Task<int> {
    JoinHandle<int> main = spawn([&]() -> Task<int> {
      std::vector<JoinHandle<void>> others;
      for (int i = 0; i < kOthers; ++i) {
        others.push_back(spawn(Increment(&counter)));
      }
      int n = 0;
      while (counter.load() < kOthers && n < 100'000) {
        co_await yield_now();
        ++n;
      }
      co_return n;
    });
    JoinResult<int> result = co_await main;
    co_return result.value_or(-1);
  });
  EXPECT_EQ(counter.load(), kOthers);
  if (current_thread()) {
    // The yielding task goes to the back of the queue: every task that was
    // ready before it runs before it resumes.
    EXPECT_EQ(yields, 1);
  } else {
    EXPECT_GE(yields, 0);
    EXPECT_LT(yields, 100'000);
  }
}

TEST_P(SpawnTest, YieldNowInterleavesTasksOnOneThread) {
  if (multi_thread()) {
    GTEST_SKIP() << "strict interleaving is only defined when one thread runs "
                    "all tasks (current_thread); YieldNowLetsOtherTasksRun "
                    "covers multi_thread";
  }
  Runtime rt = MakeRuntime();
  std::vector<int> trace;
  rt.block_on([&]() -> Task<void> {
    auto body = [&trace](int who) -> Task<void> {
      for (int i = 0; i < 3; ++i) {
        trace.push_back(who);
        co_await yield_now();
      }
    };
    JoinHandle<void> a = spawn(body(1));
    JoinHandle<void> b = spawn(body(2));
    co_await a;
    co_await b;
  });
  EXPECT_EQ(trace, (std::vector<int>{1, 2, 1, 2, 1, 2}));
}

TEST_P(SpawnTest, TaskIdsAreUniqueAndMatchHandles) {
  Runtime rt = MakeRuntime();
  constexpr int kTasks = 1000;
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<TaskId>> handles;
    for (int i = 0; i < kTasks; ++i) handles.push_back(spawn(OwnId()));
    std::unordered_set<TaskId> std_ids;
    absl::flat_hash_set<TaskId> absl_ids;
    std::set<TaskId> ordered_ids;
    for (JoinHandle<TaskId>& handle : handles) {
      TaskId expected = handle.id();
      JoinResult<TaskId> result = co_await handle;
      if (!result.has_value()) {
        ADD_FAILURE() << Describe(result);
        continue;
      }
      EXPECT_EQ(*result, expected)
          << "current_task_id() inside a task equals its JoinHandle's id()";
      std_ids.insert(*result);
      absl_ids.insert(*result);
      ordered_ids.insert(*result);
    }
    EXPECT_EQ(std_ids.size(), static_cast<size_t>(kTasks));
    EXPECT_EQ(absl_ids.size(), static_cast<size_t>(kTasks));
    EXPECT_EQ(ordered_ids.size(), static_cast<size_t>(kTasks));
  });
}

TEST_P(SpawnTest, TaskIdIsPrintable) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<TaskId> handle = spawn(OwnId());
    TaskId id = handle.id();
    std::ostringstream out;
    out << id;
    EXPECT_FALSE(out.str().empty());
    EXPECT_EQ(out.str(), id.ToString());
    JoinResult<TaskId> result = co_await handle;
    EXPECT_TRUE(result.has_value());
  });
}

TEST_P(SpawnTest, TaskIdStaysUniqueWhileAHandleExists) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> first = spawn(Identity(1));
    TaskId first_id = first.id();
    JoinResult<int> done = co_await first;  // finished, handle still held
    EXPECT_TRUE(done.has_value());
    for (int i = 0; i < 2000; ++i) {
      JoinHandle<TaskId> other = spawn(OwnId());
      EXPECT_NE(other.id(), first_id);
      JoinResult<TaskId> id = co_await other;
      if (id.has_value()) {
        EXPECT_NE(*id, first_id);
      }
    }
    EXPECT_EQ(first.id(), first_id);
  });
}

TEST_P(SpawnTest, NoTaskIdInBlockOnBodyOrOutside) {
  EXPECT_FALSE(try_current_task_id().has_value());
  try {
    TaskId id = current_task_id();
    ADD_FAILURE() << "current_task_id() outside a task returned " << id;
  } catch (const UsageError& e) {
    EXPECT_TRUE(Contains(e.what(), "current_task_id"));
  }
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    EXPECT_FALSE(try_current_task_id().has_value())
        << "block_on's own body is not a task";
    co_await sleep(1ms);
    EXPECT_FALSE(try_current_task_id().has_value());
    // A nested (awaited) Task is part of the body, not a task either.
    std::optional<TaskId> nested =
        co_await []() -> Task<std::optional<TaskId>> {
      co_return try_current_task_id();
    }();
    EXPECT_FALSE(nested.has_value());
  });
  EXPECT_FALSE(try_current_task_id().has_value());
}

TEST_P(SpawnTest, TryCurrentTaskIdInsideTask) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<bool> handle = spawn([]() -> Task<bool> {
      std::optional<TaskId> before = try_current_task_id();
      co_await sleep(1ms);
      std::optional<TaskId> after = try_current_task_id();
      co_return before.has_value() && after.has_value() &&
          *before == *after&&* before == current_task_id();
    });
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result);
  });
}

TEST_P(SpawnTest, SpawnNamedRunsBothForms) {
  Runtime rt = MakeRuntime();
  int sum = rt.block_on([]() -> Task<int> {
    JoinHandle<int> a = spawn_named("named-task", Identity(10));
    JoinHandle<int> b =
        spawn_named("named-callable", []() -> Task<int> { co_return 20; });
    JoinResult<int> ra = co_await a;
    JoinResult<int> rb = co_await b;
    co_return ra.value_or(-1000) + rb.value_or(-1000);
  });
  EXPECT_EQ(sum, 30);
}

// SpawnOptions: every spawn form takes the name and, by default, the spawn
// call's own location; both show in the handle and in the JoinError.
Task<int> Panics() {
  throw TestError("boom");
  co_return 0;
}
int PanicsBlocking() { throw TestError("boom"); }

// `result` is the JoinError of a task spawned as `name` on line `line`.
void ExpectPanicOf(const JoinResult<int>& result, const std::string& name,
                   int line) {
  ASSERT_FALSE(result.has_value()) << name;
  std::string file(__FILE__);
  file = file.substr(file.rfind('/') + 1);
  EXPECT_NE(result.error().message().find("(" + name + ", " + file + ":" +
                                          std::to_string(line) + ")"),
            std::string::npos)
      << result.error().message();
}

TEST_P(SpawnTest, SpawnOptionsReachEveryForm) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    Handle handle = Handle::current();
    // clang-format off
    JoinHandle<int> free = spawn(Panics(), {.name = "free"}); const int free_line = __LINE__;
    JoinHandle<int> on_handle = handle.spawn(Panics, {.name = "on-handle"}); const int handle_line = __LINE__;
    JoinHandle<int> blocking = spawn_blocking(PanicsBlocking, {.name = "blocking"}); const int blocking_line = __LINE__;
    JoinHandle<int> blocking_on_handle = handle.spawn_blocking(PanicsBlocking, {.name = "blocking-on-handle"}); const int blocking_handle_line = __LINE__;
    // clang-format on
    EXPECT_EQ(free.name(), "free");
    EXPECT_EQ(free.abort_handle().name(), "free");
    EXPECT_EQ(blocking.name(), "blocking");
    EXPECT_EQ(spawn(Identity(1)).name(), "") << "an unnamed task";
    ExpectPanicOf(co_await free, "free", free_line);
    ExpectPanicOf(co_await on_handle, "on-handle", handle_line);
    ExpectPanicOf(co_await blocking, "blocking", blocking_line);
    ExpectPanicOf(co_await blocking_on_handle, "blocking-on-handle",
                  blocking_handle_line);

    JoinSet<int> set;
    // clang-format off
    AbortHandle in_set = set.spawn(Panics(), {.name = "in-set"}); const int set_line = __LINE__;
    // clang-format on
    EXPECT_EQ(in_set.name(), "in-set");
    std::optional<JoinResult<int>> from_set = co_await set.join_next();
    ExpectPanicOf(*from_set, "in-set", set_line);
    // clang-format off
    set.spawn_blocking(PanicsBlocking, {.name = "blocking-in-set"}); const int blocking_set_line = __LINE__;
    // clang-format on
    from_set = co_await set.join_next();
    ExpectPanicOf(*from_set, "blocking-in-set", blocking_set_line);

    LocalSet local;
    // clang-format off
    JoinHandle<int> on_local = local.spawn_local(Panics(), {.name = "on-local"}); const int local_line = __LINE__;
    // clang-format on
    // A named callable: g++ 12 mishandles lambda temporaries in co_await.
    auto inside_local = [&]() -> Task<void> {
      // clang-format off
      JoinHandle<int> local_free = spawn_local(Panics(), {.name = "local-free"}); const int local_free_line = __LINE__;
      set.spawn_local(Panics(), {.name = "local-in-set"}); const int local_set_line = __LINE__;
      // clang-format on
      ExpectPanicOf(co_await local_free, "local-free", local_free_line);
      std::optional<JoinResult<int>> local_from_set = co_await set.join_next();
      ExpectPanicOf(*local_from_set, "local-in-set", local_set_line);
    };
    co_await local.run_until(inside_local);
    ExpectPanicOf(co_await on_local, "on-local", local_line);
  });
}

TEST_P(SpawnTest, SpawnViaHandleCurrent) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    Handle handle = Handle::current();
    co_return co_await handle.spawn(Identity(8));
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 8);
}

// The cooperative budget. One task, the looper, spawns a victim onto its own
// worker and then loops on awaits that are always ready. On multi_thread
// every other worker is held by a task that spins (without awaiting) until
// the loop is done, and all of them are known to run at once, so the only
// thread that can run the victim is the looper's, and it can do so before
// the loop ends only if the looper yields. Nothing but the budget makes it
// yield.
struct BudgetRace {
  std::atomic<int> started{0};
  std::atomic<bool> all_started{true};
  std::atomic<bool> victim_ran{false};
  std::atomic<bool> loop_done{false};
  // Whether the loop was done when the victim ran: 0 or 1 (-1: never ran).
  std::atomic<int> victim_saw_loop_done{-1};
};

// Every runtime thread runs one of the race's tasks: returns once all do.
bool StartTogether(BudgetRace* race, int threads) {
  race->started.fetch_add(1);
  bool together =
      SpinUntil([race, threads] { return race->started.load() == threads; });
  if (!together) race->all_started.store(false);
  return together;
}

// Holds a worker (without ever suspending) until the looper's loop is done.
Task<void> HoldWorkerUntilLoopDone(BudgetRace* race, int threads) {
  if (!StartTogether(race, threads)) co_return;
  SpinUntil([race] { return race->loop_done.load(); });
}

// Spawns the victim (detached) from the looper, onto the looper's worker.
void SpawnVictim(BudgetRace* race) {
  JoinHandle<void> victim = spawn([race]() -> Task<void> {
    race->victim_saw_loop_done.store(race->loop_done.load() ? 1 : 0);
    race->victim_ran.store(true);
    co_return;
  });
}

// Runs `looper` (which must call StartTogether, SpawnVictim, loop, then set
// loop_done) and one holder per other runtime thread; waits for the victim.
void RunBudgetRace(Runtime& rt, int threads, BudgetRace& race,
                   std::function<Task<void>()> looper) {
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<void>> handles;
    for (int i = 1; i < threads; ++i) {
      handles.push_back(spawn(HoldWorkerUntilLoopDone(&race, threads)));
    }
    handles.push_back(spawn(looper));
    for (JoinHandle<void>& handle : handles) {
      JoinResult<void> result = co_await handle;
      EXPECT_TRUE(result.has_value()) << Describe(result);
    }
    bool victim_ran =
        co_await Eventually([&] { return race.victim_ran.load(); });
    EXPECT_TRUE(victim_ran) << "the victim never ran";
  });
}

TEST_P(SpawnTest, BudgetMakesConsumeBudgetLoopYield) {
  BudgetRace race;
  Runtime rt = MakeRuntime();
  const int threads = task_threads();
  RunBudgetRace(rt, threads, race, [&race, threads]() -> Task<void> {
    if (!StartTogether(&race, threads)) co_return;
    SpawnVictim(&race);
    for (int n = 0; n < 100'000 && !race.victim_ran.load(); ++n) {
      co_await consume_budget();
    }
    race.loop_done.store(true);
  });
  ASSERT_TRUE(race.all_started.load())
      << "the race's tasks never ran at the same time (one per worker)";
  EXPECT_EQ(race.victim_saw_loop_done.load(), 0)
      << "a task looping on consume_budget() must yield after its budget so "
         "that another task runs";
}

TEST_P(SpawnTest, BudgetMakesLoopOnFinishedJoinHandlesYield) {
  Runtime rt = MakeRuntime();
  const int threads = task_threads();
  constexpr int kFinished = 5000;  // far more than a budget (tokio: 128)
  BudgetRace race;
  RunBudgetRace(rt, threads, race, [&race, threads]() -> Task<void> {
    // Make kFinished tasks and wait until all have finished, so that every
    // await below is ready at once.
    std::vector<JoinHandle<int>> finished;
    finished.reserve(kFinished);
    for (int k = 0; k < kFinished; ++k) finished.push_back(spawn(Identity(k)));
    for (JoinHandle<int>& handle : finished) {
      while (!handle.is_finished()) co_await yield_now();
    }
    if (!StartTogether(&race, threads)) co_return;
    SpawnVictim(&race);
    int joined = 0;
    for (JoinHandle<int>& handle : finished) {
      if (race.victim_ran.load()) break;
      JoinResult<int> result = co_await handle;
      if (result.has_value()) ++joined;
    }
    race.loop_done.store(true);
    EXPECT_GT(joined, 0);
  });
  ASSERT_TRUE(race.all_started.load())
      << "the race's tasks never ran at the same time (one per worker)";
  EXPECT_EQ(race.victim_saw_loop_done.load(), 0)
      << "a task awaiting already-finished JoinHandles in a loop must yield "
         "after its budget so that another task runs";
}

TEST_P(SpawnTest, UnconstrainedOptsOutOfTheBudget) {
  BudgetRace race;
  Runtime rt = MakeRuntime();
  const int threads = task_threads();
  RunBudgetRace(rt, threads, race, [&race, threads]() -> Task<void> {
    if (!StartTogether(&race, threads)) co_return;
    SpawnVictim(&race);
    co_await unconstrained([](BudgetRace* r) -> Task<void> {
      for (int n = 0; n < 20'000; ++n) co_await consume_budget();
      r->loop_done.store(true);
    }(&race));
  });
  ASSERT_TRUE(race.all_started.load())
      << "the race's tasks never ran at the same time (one per worker)";
  EXPECT_EQ(race.victim_saw_loop_done.load(), 1)
      << "an unconstrained task must not be made to yield by the budget: the "
         "victim ran while the looper was still in its unconstrained loop";
}

// An awaitable that is always ready and knows nothing of the budget, as a
// user's own awaitable might be.
struct AlwaysReady {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return 1; }
};

TEST_P(SpawnTest, CooperativeMakesAnAwaitableSpendTheBudget) {
  BudgetRace race;
  Runtime rt = MakeRuntime();
  const int threads = task_threads();
  RunBudgetRace(rt, threads, race, [&race, threads]() -> Task<void> {
    if (!StartTogether(&race, threads)) co_return;
    SpawnVictim(&race);
    int sum = 0;
    for (int n = 0; n < 100'000 && !race.victim_ran.load(); ++n) {
      sum += co_await cooperative(AlwaysReady{});
    }
    race.loop_done.store(true);
    EXPECT_GT(sum, 0);
  });
  ASSERT_TRUE(race.all_started.load())
      << "the race's tasks never ran at the same time (one per worker)";
  EXPECT_EQ(race.victim_saw_loop_done.load(), 0)
      << "a loop on cooperative(ready awaitable) must yield after its budget "
         "so that another task runs";
}

TEST_P(SpawnTest, HasBudgetRemainingFollowsTheBudget) {
  EXPECT_TRUE(has_budget_remaining()) << "outside a runtime the budget is "
                                         "unconstrained";
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<void> task = spawn([]() -> Task<void> {
      co_await yield_now();  // a fresh poll, a full budget
      EXPECT_TRUE(has_budget_remaining());
      int spent = 0;
      while (has_budget_remaining() && spent < 100'000) {
        co_await consume_budget();
        ++spent;
      }
      EXPECT_FALSE(has_budget_remaining())
          << "the budget never ran out after " << spent << " units";
      EXPECT_GT(spent, 1);
      // The next poll gets a new budget.
      co_await yield_now();
      EXPECT_TRUE(has_budget_remaining());
      // unconstrained() has no budget to run out of.
      auto spend_without_limit = []() -> Task<void> {
        for (int n = 0; n < 1000; ++n) co_await consume_budget();
        EXPECT_TRUE(has_budget_remaining());
      };
      co_await unconstrained(spend_without_limit());
    });
    JoinResult<void> result = co_await task;
    EXPECT_TRUE(result.has_value()) << Describe(result);
  });
}

TEST_P(SpawnTest, CooperativeAwaitsAnyAwaitable) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    int from_task = co_await cooperative(Identity(5));
    EXPECT_EQ(from_task, 5);
    JoinHandle<int> handle = spawn(Identity(6));
    JoinResult<int> joined = co_await cooperative(handle);
    EXPECT_TRUE(joined.has_value() && *joined == 6) << Describe(joined);
    co_await cooperative(sleep(1ms));
    Notify notify;
    notify.notify_one();
    co_await cooperative(notify.notified());
  });
}

}  // namespace
}  // namespace weft::conformance
