// spawn_blocking, block_in_place, and block_on from inside the runtime.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class BlockingTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(BlockingTest);

constexpr char kNeedsMultiThread[] =
    "block_in_place runs F only on a multi_thread runtime; on current_thread "
    "it throws UsageError, which BlockInPlaceInsideATask and "
    "BlockInPlaceInBlockOnBody check";

Task<int> Identity(int value) { co_return value; }

// Spawns a task that doubles `value` after a short sleep, and awaits it.
Task<int> SpawnAndDouble(int value) {
  JoinHandle<int> handle = spawn([value]() -> Task<int> {
    co_await sleep(1ms);
    co_return value * 2;
  });
  JoinResult<int> result = co_await handle;
  co_return result.value_or(-1);
}

TEST_P(BlockingTest, SpawnBlockingReturnsTheValue) {
  Runtime rt = MakeRuntime();
  JoinResult<std::string> result =
      rt.block_on([]() -> Task<JoinResult<std::string>> {
        JoinHandle<std::string> handle =
            spawn_blocking([] { return std::string("from the pool"); });
        co_return co_await handle;
      });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, "from the pool");
}

TEST_P(BlockingTest, SpawnBlockingVoid) {
  std::atomic<bool> ran{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinResult<void> result =
        co_await spawn_blocking([&ran] { ran.store(true); });
    EXPECT_TRUE(result.has_value()) << Describe(result);
  });
  EXPECT_TRUE(ran.load());
}

TEST_P(BlockingTest, SpawnBlockingRunsOnAnotherThread) {
  Runtime rt = MakeRuntime();
  const std::thread::id test_thread = std::this_thread::get_id();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> task = spawn([test_thread]() -> Task<bool> {
      const std::thread::id task_thread = std::this_thread::get_id();
      JoinResult<std::thread::id> pool_thread =
          co_await spawn_blocking([] { return std::this_thread::get_id(); });
      if (!pool_thread.has_value()) co_return false;
      EXPECT_NE(*pool_thread, task_thread);
      EXPECT_NE(*pool_thread, test_thread);
      co_return *pool_thread != task_thread&&* pool_thread != test_thread;
    });
    JoinResult<bool> result = co_await task;
    EXPECT_TRUE(result.has_value() && *result) << Describe(result);
  });
}

TEST_P(BlockingTest, BlockingClosureDoesNotBlockTasks) {
  std::atomic<bool> task_ran{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    // The closure waits for a task; if it ran on a thread that runs tasks
    // (current_thread: the only one), the task could not run.
    JoinHandle<bool> blocking = spawn_blocking(
        [&task_ran] { return SpinUntil([&] { return task_ran.load(); }); });
    JoinHandle<void> task = spawn([&task_ran]() -> Task<void> {
      co_await sleep(1ms);
      task_ran.store(true);
    });
    JoinResult<bool> result = co_await blocking;
    EXPECT_TRUE(result.has_value() && *result)
        << "the blocking closure never saw the task run";
    co_await task;
  });
}

constexpr int kConcurrentBlocking = 4;

TEST_P(BlockingTest, BlockingTasksRunConcurrently) {
  constexpr int kTasks = kConcurrentBlocking;
  std::atomic<int> arrived{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<bool>> handles;
    for (int i = 0; i < kTasks; ++i) {
      handles.push_back(spawn_blocking([&arrived] {
        arrived.fetch_add(1);
        // A barrier: only passes if all closures run at once.
        return SpinUntil([&] { return arrived.load() == kConcurrentBlocking; });
      }));
    }
    for (JoinHandle<bool>& handle : handles) {
      JoinResult<bool> result = co_await handle;
      EXPECT_TRUE(result.has_value() && *result)
          << "the blocking pool did not run " << kTasks
          << " closures at once (default limit: 512 threads)";
    }
  });
}

TEST_P(BlockingTest, MaxBlockingThreadsIsRespected) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  Runtime::Builder builder = MakeBuilder();
  builder.max_blocking_threads(2);
  Runtime rt = Build(builder);
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<void>> handles;
    for (int i = 0; i < 6; ++i) {
      handles.push_back(spawn_blocking([&running, &most] {
        int now = running.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(10ms);
        running.fetch_sub(1);
      }));
    }
    for (JoinHandle<void>& handle : handles) {
      JoinResult<void> result = co_await handle;
      EXPECT_TRUE(result.has_value()) << Describe(result);
    }
  });
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
}

TEST_P(BlockingTest, AbortBeforeStartCancelsTheClosure) {
  std::atomic<bool> first_started{false};
  std::atomic<bool> release{false};
  std::atomic<bool> second_ran{false};
  std::atomic<int> second_drops{0};
  Runtime::Builder builder = MakeBuilder();
  builder.max_blocking_threads(1);
  Runtime rt = Build(builder);
  rt.block_on([&]() -> Task<void> {
    // The only blocking thread is busy until `release`.
    JoinHandle<int> first = spawn_blocking([&first_started, &release] {
      first_started.store(true);
      SpinUntil([&] { return release.load(); });
      return 1;
    });
    bool started = co_await Eventually([&] { return first_started.load(); });
    EXPECT_TRUE(started);
    JoinHandle<int> second =
        spawn_blocking([&second_ran, guard = DropCounter(&second_drops)] {
          second_ran.store(true);
          return 2;
        });
    second.abort();
    release.store(true);
    JoinResult<int> r1 = co_await first;
    JoinResult<int> r2 = co_await second;
    EXPECT_TRUE(r1.has_value() && *r1 == 1) << Describe(r1);
    EXPECT_TRUE(!r2.has_value() && r2.error().is_cancelled())
        << "a blocking task aborted before it started is cancelled: "
        << Describe(r2);
    EXPECT_EQ(second_drops.load(), 1) << "its closure is destroyed";
  });
  EXPECT_FALSE(second_ran.load());
}

TEST_P(BlockingTest, AbortWhileRunningHasNoEffect) {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn_blocking([&started, &release] {
      started.store(true);
      SpinUntil([&] { return release.load(); });
      return 9;
    });
    bool running = co_await Eventually([&] { return started.load(); });
    EXPECT_TRUE(running);
    handle.abort();
    EXPECT_FALSE(handle.is_finished());
    release.store(true);
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result == 9)
        << "once a blocking closure runs, abort has no effect: "
        << Describe(result);
    EXPECT_TRUE(handle.is_finished());
  });
}

TEST_P(BlockingTest, CurrentTaskIdInsideSpawnBlockingIsTheHandleId) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<std::optional<TaskId>> handle =
        spawn_blocking([] { return try_current_task_id(); });
    TaskId id = handle.id();
    JoinResult<std::optional<TaskId>> result = co_await handle;
    EXPECT_TRUE(result.has_value() && result->has_value() && **result == id);
    JoinResult<TaskId> direct =
        co_await spawn_blocking([] { return current_task_id(); });
    EXPECT_TRUE(direct.has_value()) << Describe(direct);
  });
}

TEST_P(BlockingTest, SpawnBlockingPanicIsAJoinError) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn_blocking(
        []() -> int { throw TestError("blocking failure", 12); });
    JoinResult<int> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "a throwing closure produced a value";
      co_return;
    }
    EXPECT_TRUE(result.error().is_panic());
    bool caught = false;
    try {
      std::rethrow_exception(result.error().into_panic());
    } catch (const TestError& e) {
      caught = e.code() == 12;
    }
    EXPECT_TRUE(caught);
  });
}

TEST_P(BlockingTest, BlockInPlaceInsideATask) {
  Runtime rt = MakeRuntime();
  const bool multi = multi_thread();
  rt.block_on([multi]() -> Task<void> {
    JoinHandle<void> handle = spawn([multi]() -> Task<void> {
      const std::thread::id before = std::this_thread::get_id();
      std::atomic<int> calls{0};
      std::thread::id inside;
      bool threw = false;
      int value = 0;
      try {
        value = block_in_place([&] {
          calls.fetch_add(1);
          inside = std::this_thread::get_id();
          return 31;
        });
      } catch (const UsageError& e) {
        threw = true;
        EXPECT_TRUE(Contains(e.what(), "block_in_place"));
      }
      if (multi) {
        EXPECT_FALSE(threw);
        EXPECT_EQ(calls.load(), 1);
        EXPECT_EQ(value, 31);
        EXPECT_EQ(inside, before) << "F runs on the calling thread";
      } else {
        EXPECT_TRUE(threw)
            << "block_in_place on a current_thread runtime throws UsageError";
        EXPECT_EQ(calls.load(), 0);
      }
      co_await yield_now();
    });
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
  });
}

// What a task does right after block_in_place, in the same poll, on the
// thread that gave its worker away: yield, sleep, wake another task, spawn.
// Many times over, so that workers are handed from thread to thread while
// others park and wake; afterwards the runtime still has its workers.
TEST_P(BlockingTest, YieldSleepSpawnAndSendRightAfterBlockInPlace) {
  if (current_thread()) {
    GTEST_SKIP() << "block_in_place is a UsageError on current_thread "
                    "(BlockInPlaceInsideATask checks it)";
  }
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    constexpr int kTasks = 6;
    constexpr int kRounds = 15;
    auto [sender, receiver] = mpsc::channel<int>(kTasks * kRounds);
    JoinSet<int> set;
    for (int t = 0; t < kTasks; ++t) {
      set.spawn([sender = sender]() mutable -> Task<int> {
        int spawned = 0;
        for (int round = 0; round < kRounds; ++round) {
          block_in_place([] {});
          co_await yield_now();
          block_in_place([] {});
          co_await sleep(100us);
          block_in_place([] {});
          JoinHandle<int> child = spawn([]() -> Task<int> { co_return 1; });
          spawned += (co_await child).value_or(0);
          block_in_place([] {});
          EXPECT_TRUE((co_await sender.send(round)).has_value());
        }
        co_return spawned;
      });
    }
    { auto dropped = std::move(sender); }  // only the tasks' copies are left
    int received = 0;
    while ((co_await receiver.recv()).has_value()) ++received;
    int spawned = 0;
    while (auto done = co_await set.join_next()) {
      EXPECT_TRUE(done->has_value()) << Describe(*done);
      spawned += done->value_or(0);
    }
    EXPECT_EQ(received, kTasks * kRounds);
    EXPECT_EQ(spawned, kTasks * kRounds);
    EXPECT_EQ(Handle::current().metrics().workers,
              static_cast<size_t>(kWorkers));
  });
}

TEST_P(BlockingTest, BlockInPlaceInBlockOnBody) {
  std::atomic<int> calls{0};
  Runtime rt = MakeRuntime();
  bool threw = false;
  int value = rt.block_on([&]() -> Task<int> {
    int v = 0;
    try {
      v = block_in_place([&] {
        calls.fetch_add(1);
        return 32;
      });
    } catch (const UsageError& e) {
      threw = true;
      EXPECT_TRUE(Contains(e.what(), "block_in_place"));
    }
    co_await sleep(1ms);
    co_return v;
  });
  if (multi_thread()) {
    EXPECT_FALSE(threw) << "inside a multi_thread runtime's block_on, "
                           "block_in_place runs F";
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(value, 32);
  } else {
    EXPECT_TRUE(threw)
        << "block_in_place on a current_thread runtime throws UsageError";
    EXPECT_EQ(calls.load(), 0);
  }
}

TEST_P(BlockingTest, BlockInPlaceLetsTheWorkersQueuedTasksRun) {
  if (current_thread()) GTEST_SKIP() << kNeedsMultiThread;
  std::atomic<int> started{0};
  std::atomic<bool> other_ran{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    // `holder` keeps the other worker busy until `other` has run, so `other`
    // (queued on the blocking worker) can only run if block_in_place hands
    // that worker's queue to another thread.
    JoinHandle<bool> holder = spawn([&]() -> Task<bool> {
      started.fetch_add(1);
      if (!SpinUntil([&] { return started.load() == kWorkers; }))
        co_return false;
      co_return SpinUntil([&] { return other_ran.load(); });
    });
    JoinHandle<bool> blocker = spawn([&]() -> Task<bool> {
      started.fetch_add(1);
      if (!SpinUntil([&] { return started.load() == kWorkers; }))
        co_return false;
      JoinHandle<void> other = spawn([&other_ran]() -> Task<void> {
        other_ran.store(true);
        co_return;
      });
      bool saw = block_in_place(
          [&] { return SpinUntil([&] { return other_ran.load(); }); });
      JoinResult<void> joined = co_await other;
      co_return saw&& joined.has_value();
    });
    JoinResult<bool> blocked = co_await blocker;
    JoinResult<bool> held = co_await holder;
    EXPECT_TRUE(blocked.has_value() && *blocked)
        << "a task queued on the worker that entered block_in_place did not "
           "run while F was blocking";
    EXPECT_TRUE(held.has_value() && *held);
  });
}

TEST_P(BlockingTest, NestedBlockInPlace) {
  if (current_thread()) GTEST_SKIP() << kNeedsMultiThread;
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn([]() -> Task<int> {
      int value =
          block_in_place([] { return block_in_place([] { return 5; }) + 1; });
      co_await yield_now();
      co_return value;
    });
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result == 6) << Describe(result);
  });
}

TEST_P(BlockingTest, BlockInPlaceRethrowsTheException) {
  if (current_thread()) GTEST_SKIP() << kNeedsMultiThread;
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<bool> handle = spawn([]() -> Task<bool> {
      bool caught = false;
      try {
        block_in_place([]() -> int { throw TestError("in place", 4); });
      } catch (const TestError& e) {
        caught = e.code() == 4;
      }
      co_await yield_now();  // the task still works afterwards
      co_return caught;
    });
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result) << Describe(result);
  });
}

TEST_P(BlockingTest, BlockInPlaceOutsideARuntimeCallsF) {
  EXPECT_EQ(block_in_place([] { return 8; }), 8);
  EXPECT_THROW(block_in_place([]() -> int { throw TestError("outside"); }),
               TestError);
  // Also while a runtime exists, on a thread that is not in it.
  Runtime rt = MakeRuntime();
  std::thread::id inside;
  EXPECT_EQ(block_in_place([&] {
              inside = std::this_thread::get_id();
              return 9;
            }),
            9);
  EXPECT_EQ(inside, std::this_thread::get_id());
}

TEST_P(BlockingTest, BlockInPlaceOnABlockingThreadCallsF) {
  Runtime rt = MakeRuntime();
  JoinResult<bool> result = rt.block_on([]() -> Task<JoinResult<bool>> {
    co_return co_await spawn_blocking([] {
      const std::thread::id outer = std::this_thread::get_id();
      std::thread::id inner;
      int value = block_in_place([&] {
        inner = std::this_thread::get_id();
        return 10;
      });
      return value == 10 && inner == outer;
    });
  });
  EXPECT_TRUE(result.has_value() && *result) << Describe(result);
}

TEST_P(BlockingTest, BlockInPlaceInsideALocalSetThrows) {
  std::atomic<int> calls{0};
  Runtime rt = MakeRuntime();
  LocalSet local;
  std::string message;
  auto body = [&]() -> Task<bool> {
    JoinHandle<bool> handle = spawn_local([&]() -> Task<bool> {
      bool threw = false;
      try {
        block_in_place([&] { calls.fetch_add(1); });
      } catch (const UsageError& e) {
        threw = true;
        message = e.what();
      }
      co_await yield_now();
      co_return threw;
    });
    JoinResult<bool> result = co_await handle;
    co_return result.has_value() && *result;
  };
  bool threw = rt.block_on(local.run_until(body()));
  EXPECT_TRUE(threw) << "block_in_place inside a LocalSet throws UsageError";
  EXPECT_EQ(calls.load(), 0);
  EXPECT_TRUE(Contains(message, "block_in_place"));
}

TEST_P(BlockingTest, BlockOnInsideBlockInPlaceIsAllowed) {
  if (current_thread()) GTEST_SKIP() << kNeedsMultiThread;
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn([]() -> Task<int> {
      int value = block_in_place(
          [] { return Handle::current().block_on(SpawnAndDouble(21)); });
      co_return value;
    });
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result == 42) << Describe(result);
  });
}

TEST_P(BlockingTest, BlockOnInsideATaskThrowsUsageError) {
  Runtime rt = MakeRuntime();
  Runtime* runtime = &rt;
  std::string runtime_message;
  std::string handle_message;
  rt.block_on([&]() -> Task<void> {
    JoinHandle<void> handle = spawn([&]() -> Task<void> {
      try {
        int value = runtime->block_on(Identity(1));
        ADD_FAILURE() << "Runtime::block_on inside a task returned " << value;
      } catch (const UsageError& e) {
        runtime_message = e.what();
      }
      try {
        int value = Handle::current().block_on(Identity(2));
        ADD_FAILURE() << "Handle::block_on inside a task returned " << value;
      } catch (const UsageError& e) {
        handle_message = e.what();
      }
      co_await yield_now();
    });
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
  });
  EXPECT_TRUE(Contains(runtime_message, "block_on"));
  EXPECT_TRUE(Contains(handle_message, "block_on"));
}

TEST_P(BlockingTest, BlockOnFromABlockingThread) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    // Not `co_await spawn_blocking([handle = ...] {...})` in one expression:
    // g++ 12 destroys a capturing lambda temporary twice when it appears in
    // the same full-expression as a co_await (see README, known issues).
    JoinHandle<int> blocking = spawn_blocking([handle = Handle::current()] {
      Handle copy = handle;
      return copy.block_on(SpawnAndDouble(21));
    });
    co_return co_await blocking;
  });
  EXPECT_TRUE(result.has_value() && *result == 42) << Describe(result);
}

}  // namespace
}  // namespace weft::conformance
