// LocalSet and spawn_local: tasks that never leave their thread.

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class LocalSetTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(LocalSetTest);

Task<int> Identity(int value) { co_return value; }

Task<int> RecordRun(std::atomic<bool>* ran,
                    [[maybe_unused]] DropCounter guard) {
  ran->store(true);
  co_return 1;
}

Task<int> AwaitHandle(JoinHandle<int> handle) {
  JoinResult<int> result = co_await handle;
  EXPECT_TRUE(result.has_value()) << Describe(result);
  co_return result.value_or(-1);
}

// Counts mismatches between the thread a local task started on and the
// threads it resumes on, across many yields and sleeps. `shared` is a plain
// int that every local task of the set increments: no atomics needed when
// they all run on one thread (TSan checks that they do).
Task<int> StayOnThread(int rounds, int* shared) {
  const std::thread::id home = std::this_thread::get_id();
  int moved = 0;
  for (int i = 0; i < rounds; ++i) {
    if (i % 3 == 0) {
      co_await sleep(std::chrono::microseconds(100 * (i % 5)));
    } else {
      co_await yield_now();
    }
    if (std::this_thread::get_id() != home) ++moved;
    ++*shared;
  }
  co_return moved;
}

TEST_P(LocalSetTest, SpawnLocalOutsideALocalSetThrows) {
  auto check = [](const char* where) {
    try {
      JoinHandle<int> handle = spawn_local(Identity(1));
      ADD_FAILURE() << "spawn_local " << where << " returned a handle";
    } catch (const UsageError& e) {
      EXPECT_TRUE(Contains(e.what(), "spawn_local")) << where;
    }
  };
  check("outside any runtime");
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    check("in a block_on body");
    JoinHandle<void> task = spawn([&]() -> Task<void> {
      check("in a spawned task");
      co_return;
    });
    co_await task;
  });
}

TEST_P(LocalSetTest, LocalTasksNeverChangeThread) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  int shared = 0;
  constexpr int kTasks = 4;
  constexpr int kRounds = 60;
  const std::thread::id caller = std::this_thread::get_id();
  auto body = [&]() -> Task<int> {
    std::vector<JoinHandle<int>> handles;
    for (int i = 0; i < kTasks; ++i) {
      handles.push_back(spawn_local(StayOnThread(kRounds, &shared)));
    }
    // Ordinary tasks keep the workers busy meanwhile.
    std::vector<JoinHandle<int>> others;
    for (int i = 0; i < 8; ++i) {
      others.push_back(spawn([]() -> Task<int> {
        for (int k = 0; k < 50; ++k) co_await yield_now();
        co_return 0;
      }));
    }
    int moved = 0;
    for (JoinHandle<int>& handle : handles) {
      JoinResult<int> result = co_await handle;
      EXPECT_TRUE(result.has_value()) << Describe(result);
      moved += result.value_or(1000);
      EXPECT_EQ(std::this_thread::get_id(), caller);
    }
    for (JoinHandle<int>& other : others) co_await other;
    co_return moved;
  };
  int moved = rt.block_on(local.run_until(body()));
  EXPECT_EQ(moved, 0) << "a spawn_local task resumed on another thread";
  EXPECT_EQ(shared, kTasks * kRounds);
}

TEST_P(LocalSetTest, LocalTasksRunOnTheThreadThatRunsTheSet) {
  std::vector<std::thread::id> seen;
  Runtime rt = MakeRuntime();
  LocalSet local;
  for (int i = 0; i < 3; ++i) {
    local.spawn_local([&seen]() -> Task<void> {
      seen.push_back(std::this_thread::get_id());
      co_await sleep(1ms);
      seen.push_back(std::this_thread::get_id());
    });
  }
  rt.block_on([&]() -> Task<void> { co_await local; });
  ASSERT_EQ(seen.size(), 6u);
  for (const std::thread::id& id : seen) {
    EXPECT_EQ(id, std::this_thread::get_id());
  }
}

TEST_P(LocalSetTest, RunUntilReturnsTheValueOfItsTask) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  auto body = []() -> Task<int> {
    JoinHandle<int> a = spawn_local(Identity(20));
    JoinHandle<int> b = spawn_local([]() -> Task<int> {
      co_await sleep(1ms);
      co_return 22;
    });
    JoinResult<int> ra = co_await a;
    JoinResult<int> rb = co_await b;
    co_return ra.value_or(-100) + rb.value_or(-100);
  };
  EXPECT_EQ(rt.block_on(local.run_until(body())), 42);
}

TEST_P(LocalSetTest, RunUntilRunsLocalTasksOnlyWhileItRuns) {
  std::atomic<int> ticks{0};
  std::atomic<bool> stop{false};
  Runtime rt = MakeRuntime();
  LocalSet local;
  local.spawn_local([&ticks, &stop]() -> Task<void> {
    while (!stop.load()) {
      ticks.fetch_add(1);
      co_await yield_now();
    }
  });
  auto wait_for = [&ticks](int at_least) -> Task<bool> {
    co_return co_await Eventually(
        [&ticks, at_least] { return ticks.load() >= at_least; });
  };
  EXPECT_TRUE(rt.block_on(local.run_until(wait_for(10))));
  const int paused_at = ticks.load();
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ticks.load(), paused_at)
      << "local tasks ran while nothing was running the LocalSet";
  EXPECT_TRUE(rt.block_on(local.run_until(wait_for(paused_at + 10))))
      << "the local task resumes on the next run_until";
  stop.store(true);
  rt.block_on([&]() -> Task<void> { co_await local; });
}

TEST_P(LocalSetTest, AwaitingTheSetWaitsForAllItsTasks) {
  std::atomic<int> done{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    LocalSet local;
    for (int i = 0; i < 5; ++i) {
      local.spawn_local([&done, i]() -> Task<void> {
        co_await sleep(std::chrono::milliseconds(2 * i));
        co_await yield_now();
        done.fetch_add(1);
      });
    }
    co_await local;
    EXPECT_EQ(done.load(), 5)
        << "co_await local returns when all its tasks end";
  });
  EXPECT_EQ(done.load(), 5);
}

TEST_P(LocalSetTest, SpawnLocalOutsideAnyRuntimeThenRun) {
  LocalSet local;
  JoinHandle<int> handle = local.spawn_local(Identity(13));
  std::atomic<bool> ran{false};
  local.spawn_local([&ran]() -> Task<void> {
    ran.store(true);
    co_return;
  });
  EXPECT_FALSE(ran.load());
  Runtime rt = MakeRuntime();
  EXPECT_EQ(rt.block_on(local.run_until(AwaitHandle(std::move(handle)))), 13);
  rt.block_on([&]() -> Task<void> { co_await local; });
  EXPECT_TRUE(ran.load());
}

TEST_P(LocalSetTest, DestroyingALocalSetCancelsItsTasks) {
  std::atomic<int> drops{0};
  std::atomic<int> started{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<int>> handles;
    {
      LocalSet local;
      for (int i = 0; i < 3; ++i) {
        handles.push_back(local.spawn_local(
            [&started, guard = DropCounter(&drops)]() -> Task<int> {
              started.fetch_add(1);
              co_await sleep(kForever);
              co_return 1;
            }));
      }
      bool running = co_await local.run_until(
          Eventually([&] { return started.load() >= 3; }));
      EXPECT_TRUE(running);
      // One more that never gets to run.
      handles.push_back(
          local.spawn_local([guard = DropCounter(&drops)]() -> Task<int> {
            co_await sleep(kForever);
            co_return 2;
          }));
      EXPECT_EQ(drops.load(), 0);
    }  // ~LocalSet
    // Local tasks can only be destroyed on their thread, so the destructor
    // of the set destroys them before it returns.
    EXPECT_EQ(drops.load(), 4)
        << "~LocalSet destroys the frames of its remaining tasks";
    for (JoinHandle<int>& handle : handles) {
      JoinResult<int> result = co_await handle;
      EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
          << Describe(result);
    }
  });
}

TEST_P(LocalSetTest, DestroyingANeverRunLocalSetDestroysItsTasks) {
  std::atomic<bool> ran{false};
  std::atomic<int> drops{0};
  std::optional<JoinHandle<int>> handle;
  {
    LocalSet local;
    handle.emplace(local.spawn_local(RecordRun(&ran, DropCounter(&drops))));
  }
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(drops.load(), 1);
  EXPECT_TRUE(handle->is_finished());
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on(
      [&]() -> Task<JoinResult<int>> { co_return co_await *handle; });
  EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
      << Describe(result);
}

TEST_P(LocalSetTest, ALocalTaskCanSpawnLocalMore) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  const std::thread::id caller = std::this_thread::get_id();
  auto body = [caller]() -> Task<int> {
    JoinHandle<int> outer = spawn_local([caller]() -> Task<int> {
      JoinHandle<int> inner = spawn_local([caller]() -> Task<int> {
        co_await yield_now();
        co_return std::this_thread::get_id() == caller ? 5 : -1;
      });
      JoinResult<int> result = co_await inner;
      co_return result.value_or(-1) + 1;
    });
    JoinResult<int> result = co_await outer;
    co_return result.value_or(-100);
  };
  EXPECT_EQ(rt.block_on(local.run_until(body())), 6);
}

TEST_P(LocalSetTest, RunUntilTaskCanUseFreeSpawnLocal) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  auto body = []() -> Task<int> {
    // The task given to run_until is inside the LocalSet.
    JoinHandle<int> handle = spawn_local(Identity(3));
    JoinResult<int> result = co_await handle;
    co_return result.value_or(-1);
  };
  EXPECT_EQ(rt.block_on(local.run_until(body())), 3);
}

TEST_P(LocalSetTest, JoinSetSpawnLocal) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  const std::thread::id caller = std::this_thread::get_id();
  auto body = [caller]() -> Task<int> {
    JoinSet<int> set;
    for (int i = 1; i <= 4; ++i) {
      set.spawn_local([caller, i]() -> Task<int> {
        co_await sleep(std::chrono::milliseconds(i));
        co_return std::this_thread::get_id() == caller ? i : -100;
      });
    }
    int sum = 0;
    while (true) {
      std::optional<JoinResult<int>> next = co_await set.join_next();
      if (!next.has_value()) break;
      sum += next->value_or(-1000);
    }
    co_return sum;
  };
  EXPECT_EQ(rt.block_on(local.run_until(body())), 10);
}

TEST_P(LocalSetTest, AbortALocalTask) {
  std::atomic<int> drops{0};
  std::atomic<bool> started{false};
  Runtime rt = MakeRuntime();
  LocalSet local;
  auto body = [&]() -> Task<bool> {
    JoinHandle<int> handle =
        spawn_local([&started, guard = DropCounter(&drops)]() -> Task<int> {
          started.store(true);
          co_await sleep(kForever);
          co_return 1;
        });
    bool running = co_await Eventually([&] { return started.load(); });
    EXPECT_TRUE(running);
    handle.abort();
    JoinResult<int> result = co_await handle;
    co_return !result.has_value() && result.error().is_cancelled();
  };
  EXPECT_TRUE(rt.block_on(local.run_until(body())));
  EXPECT_EQ(drops.load(), 1);
}

TEST_P(LocalSetTest, LocalTaskIdsAndPanics) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  auto body = []() -> Task<void> {
    JoinHandle<TaskId> own = spawn_local([]() -> Task<TaskId> {
      co_await yield_now();
      co_return current_task_id();
    });
    TaskId expected = own.id();
    JoinResult<TaskId> id = co_await own;
    EXPECT_TRUE(id.has_value() && *id == expected);
    JoinHandle<int> bad = spawn_local([]() -> Task<int> {
      throw TestError("local panic");
      co_return 0;
    });
    JoinResult<int> result = co_await bad;
    EXPECT_TRUE(!result.has_value() && result.error().is_panic())
        << Describe(result);
  };
  rt.block_on(local.run_until(body()));
}

TEST_P(LocalSetTest, ALocalTaskCanSpawnOrdinaryTasks) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  auto body = []() -> Task<int> {
    JoinHandle<int> local_task = spawn_local([]() -> Task<int> {
      JoinHandle<int> ordinary = spawn([]() -> Task<int> {
        co_await sleep(1ms);
        co_return 30;
      });
      JoinResult<int> result = co_await ordinary;
      co_return result.value_or(-1);
    });
    JoinResult<int> result = co_await local_task;
    co_return result.value_or(-100);
  };
  EXPECT_EQ(rt.block_on(local.run_until(body())), 30);
}

// --- LocalSet::block_on, enter, unhandled_panic, and LocalSet tasks in the
// runtime's dump (tokio's LocalSet surface).

Task<void> WaitForever(Notify* never, [[maybe_unused]] DropCounter guard) {
  co_await never->notified();
}

TEST_P(LocalSetTest, BlockOnDrivesTheSetAndTheTask) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  std::atomic<bool> early_ran{false};
  std::atomic<int> dropped{0};
  JoinHandle<int> early =
      local.spawn_local(RecordRun(&early_ran, DropCounter(&dropped)));
  const std::thread::id caller = std::this_thread::get_id();
  int value = local.block_on(rt, [&]() -> Task<int> {
    JoinHandle<int> inner = spawn_local([caller]() -> Task<int> {
      co_await yield_now();
      co_return std::this_thread::get_id() == caller ? 10 : -100;
    });
    int from_early = co_await AwaitHandle(std::move(early));
    co_return from_early + co_await AwaitHandle(std::move(inner));
  });
  EXPECT_EQ(value, 11);
  EXPECT_TRUE(early_ran.load());
  EXPECT_EQ(dropped.load(), 1);
  EXPECT_EQ(local.block_on(rt, Identity(4)), 4) << "a set is reusable";
}

TEST_P(LocalSetTest, EnterMakesSpawnLocalAddToTheSet) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  std::atomic<bool> ran{false};
  std::atomic<int> dropped{0};
  std::optional<JoinHandle<int>> handle;
  {
    LocalSet::EnterGuard guard = local.enter();
    handle.emplace(spawn_local(RecordRun(&ran, DropCounter(&dropped))));
  }
  EXPECT_FALSE(ran.load()) << "an entered set runs nothing until driven";
  EXPECT_THROW(JoinHandle<int> h = spawn_local(Identity(1)), UsageError)
      << "the guard is gone, so spawn_local has no set";
  EXPECT_EQ(local.block_on(rt, AwaitHandle(std::move(*handle))), 1);
  EXPECT_TRUE(ran.load());
}

TEST_P(LocalSetTest, APlainThreadInsideEnterSpawnsOntoADrivenSet) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  const std::thread::id driver = std::this_thread::get_id();
  Notify spawned;
  std::optional<JoinHandle<std::thread::id>> handle;
  std::thread other([&] {
    LocalSet::EnterGuard guard = local.enter();
    handle.emplace(spawn_local([]() -> Task<std::thread::id> {
      co_return std::this_thread::get_id();
    }));
    spawned.notify_one();
  });
  std::thread::id ran_on = local.block_on(rt, [&]() -> Task<std::thread::id> {
    co_await spawned.notified();
    JoinResult<std::thread::id> result = co_await *handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
    co_return result.value_or(std::thread::id());
  });
  other.join();
  EXPECT_EQ(ran_on, driver)
      << "a task spawned from another thread still runs on the set's thread";
}

TEST_P(LocalSetTest, OwnShutdownOnPanicEndsTheSetNotTheRuntime) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  local.unhandled_panic(UnhandledPanic::kShutdownRuntime);
  std::atomic<int> dropped{0};
  Notify never;
  try {
    local.block_on(rt, [&]() -> Task<void> {
      JoinHandle<void> waiter =
          spawn_local(WaitForever(&never, DropCounter(&dropped)));
      JoinHandle<void> bad = spawn_local([]() -> Task<void> {
        co_await yield_now();
        throw TestError("takes the set down");
      });
      co_await never.notified();
    });
    ADD_FAILURE() << "block_on returned although its task never finishes";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kAborted)
        << error.status();
    EXPECT_TRUE(Contains(error.what(), "LocalSet")) << error.what();
    EXPECT_TRUE(Contains(error.what(), "panicked")) << error.what();
  }
  EXPECT_EQ(dropped.load(), 1) << "the set's other task was cancelled";
  EXPECT_EQ(rt.block_on(Identity(2)), 2)
      << "the set's own setting does not shut the runtime down";
}

TEST_P(LocalSetTest, OwnIgnoreOverridesTheRuntimesShutdownOnPanic) {
  Runtime::Builder builder = MakeBuilder();
  builder.unhandled_panic(UnhandledPanic::kShutdownRuntime);
  Runtime rt = Build(builder);
  LocalSet local;
  local.unhandled_panic(UnhandledPanic::kIgnore);
  JoinResult<int> result = local.block_on(rt, []() -> Task<JoinResult<int>> {
    JoinHandle<int> bad = spawn_local([]() -> Task<int> {
      throw TestError("ignored");
      co_return 0;
    });
    co_return co_await bad;
  });
  EXPECT_TRUE(!result.has_value() && result.error().is_panic())
      << Describe(result);
  EXPECT_EQ(rt.block_on(Identity(3)), 3);
}

TEST_P(LocalSetTest, RuntimeShutdownOnPanicCoversLocalTasks) {
  Runtime::Builder builder = MakeBuilder();
  builder.unhandled_panic(UnhandledPanic::kShutdownRuntime);
  Runtime rt = Build(builder);
  LocalSet local;
  Notify never;
  try {
    local.block_on(rt, [&never]() -> Task<void> {
      JoinHandle<void> bad = spawn_local([]() -> Task<void> {
        throw TestError("takes the runtime down");
        co_return;
      });
      co_await never.notified();
    });
    ADD_FAILURE() << "block_on returned although its task never finishes";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kAborted)
        << error.status();
    EXPECT_TRUE(Contains(error.what(), "panicked")) << error.what();
  }
}

TEST_P(LocalSetTest, TheRuntimesDumpListsLocalTasks) {
  Runtime rt = MakeRuntime();
  LocalSet local;
  Notify release;
  local.block_on(rt, [&]() -> Task<void> {
    JoinHandle<void> waiter =
        spawn_local([&release]() -> Task<void> { co_await release.notified(); },
                    {.name = "local-waiter"});
    const TaskId id = waiter.id();
    bool waiting = co_await UntilWaiting(id);
    EXPECT_TRUE(waiting) << Handle::current().dump().ToString();
    RuntimeDump dump = Handle::current().dump();
    int listed = 0;
    for (const TaskDump& task : dump.tasks) {
      if (task.id != id) continue;
      ++listed;
      EXPECT_TRUE(task.local);
      EXPECT_EQ(task.name, "local-waiter");
    }
    EXPECT_EQ(listed, 1) << dump.ToString();
    EXPECT_TRUE(Contains(dump.ToString(), "local task")) << dump.ToString();
    release.notify_one();
    co_await waiter;
    dump = Handle::current().dump();
    for (const TaskDump& task : dump.tasks) {
      EXPECT_NE(task.id, id) << "a finished local task is still listed";
    }
  });
}

TEST_P(LocalSetTest, AMovedFromLocalSetSaysWhatToDo) {
  LocalSet local;
  LocalSet moved = std::move(local);
  try {
    JoinHandle<int> handle = local.spawn_local(Identity(1));
    ADD_FAILURE() << "spawn_local on a moved-from LocalSet returned";
  } catch (const UsageError& e) {
    EXPECT_TRUE(Contains(e.what(), "moved-from LocalSet")) << e.what();
  }
  EXPECT_THROW(local.unhandled_panic(UnhandledPanic::kIgnore), UsageError);
  EXPECT_THROW(LocalSet::EnterGuard guard = local.enter(), UsageError);
  EXPECT_THROW(Task<int> task = local.run_until(Identity(1)), UsageError);
}

}  // namespace
}  // namespace weft::conformance
