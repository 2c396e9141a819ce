// BlockingPool on its own, without a runtime or a backend: blocking tasks are
// made and spawned directly, and waited for from plain threads.

#include "runtime/internal/blocking/blocking_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <source_location>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/internal/task/task_cell.h"
#include "runtime/join_handle.h"

namespace weft::internal {
namespace {

using namespace std::chrono_literals;

// Long enough that only a hang reaches it, even on a loaded 2-CPU machine or
// under a sanitizer.
constexpr auto kPatience = 20s;
constexpr auto kLongKeepAlive = std::chrono::seconds(60);

bool WaitUntil(const std::function<bool()>& pred,
               std::chrono::nanoseconds limit = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

// What spawn_blocking does, minus the runtime.
template <typename F>
JoinHandle<std::invoke_result_t<F&>> Spawn(BlockingPool& pool, F function) {
  using R = std::invoke_result_t<F&>;
  auto* task = new BlockingTask<R, F>(std::move(function), SpawnOptions{});
  JoinHandle<R> handle(task);
  pool.Spawn(task);
  return handle;
}

template <typename T>
bool Finished(const std::vector<JoinHandle<T>>& handles) {
  return std::all_of(handles.begin(), handles.end(),
                     [](const JoinHandle<T>& h) { return h.is_finished(); });
}

// The most closures seen running at once.
class ConcurrencyMeter {
 public:
  void Enter() {
    const int now = running_.fetch_add(1) + 1;
    int seen = most_.load();
    while (now > seen && !most_.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { running_.fetch_sub(1); }
  int most() const { return most_.load(); }

 private:
  std::atomic<int> running_{0};
  std::atomic<int> most_{0};
};

// Counts its own destructions (of the original and of every copy or move).
class DropCounter {
 public:
  explicit DropCounter(std::atomic<int>* drops) : drops_(drops) {}
  DropCounter(const DropCounter& other) : drops_(other.drops_) {}
  DropCounter(DropCounter&& other) noexcept
      : drops_(std::exchange(other.drops_, nullptr)) {}
  ~DropCounter() {
    if (drops_ != nullptr) drops_->fetch_add(1);
  }

 private:
  std::atomic<int>* drops_;
};

TEST(BlockingPoolTest, EveryClosureRunsExactlyOnce) {
  constexpr int kClosures = 20'000;
  BlockingPool pool(512, kLongKeepAlive, {});
  std::vector<std::atomic<int>> runs(kClosures);
  std::vector<JoinHandle<int>> handles;
  handles.reserve(kClosures);
  for (int i = 0; i < kClosures; ++i) {
    handles.push_back(Spawn(pool, [&runs, i] {
      runs[i].fetch_add(1);
      return i;
    }));
  }
  ASSERT_TRUE(WaitUntil([&] { return Finished(handles); }));
  for (int i = 0; i < kClosures; ++i) {
    EXPECT_EQ(runs[i].load(), 1) << "closure " << i;
    JoinResult<int> result = handles[i].raw()->TakeOutput();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, i);
  }
  EXPECT_LE(pool.Threads(), 512u);
  pool.Close();
  EXPECT_TRUE(pool.WaitIdle(kPatience));
  EXPECT_EQ(pool.LiveTasks(), 0u);
}

TEST(BlockingPoolTest, LimitIsNeverExceededUnderABurst) {
  constexpr size_t kLimit = 4;
  constexpr int kClosures = 5'000;
  BlockingPool pool(kLimit, kLongKeepAlive, {});
  ConcurrencyMeter meter;
  std::atomic<size_t> most_threads{0};
  std::atomic<int> ran{0};
  std::vector<JoinHandle<void>> handles;
  handles.reserve(kClosures);
  for (int i = 0; i < kClosures; ++i) {
    handles.push_back(Spawn(pool, [&] {
      meter.Enter();
      // Long enough that the burst outruns the threads and tasks queue.
      std::this_thread::sleep_for(5us);
      const size_t threads = pool.Threads();
      size_t seen = most_threads.load();
      while (threads > seen &&
             !most_threads.compare_exchange_weak(seen, threads)) {
      }
      ran.fetch_add(1);
      meter.Leave();
    }));
  }
  ASSERT_TRUE(WaitUntil([&] { return Finished(handles); }));
  EXPECT_EQ(ran.load(), kClosures);
  EXPECT_LE(meter.most(), static_cast<int>(kLimit));
  EXPECT_GE(meter.most(), 1);
  EXPECT_LE(most_threads.load(), kLimit);
  EXPECT_LE(pool.Threads(), kLimit);
}

TEST(BlockingPoolTest, ConcurrentSpawnsFromManyThreads) {
  constexpr size_t kLimit = 16;
  constexpr int kSpawners = 8;
  constexpr int kEach = 2'000;
  BlockingPool pool(kLimit, kLongKeepAlive, {});
  ConcurrencyMeter meter;
  std::vector<std::atomic<int>> runs(kSpawners * kEach);
  std::vector<std::vector<JoinHandle<void>>> handles(kSpawners);
  std::atomic<bool> go{false};
  std::vector<std::thread> spawners;
  for (int s = 0; s < kSpawners; ++s) {
    spawners.emplace_back([&, s] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        const int index = s * kEach + i;
        handles[s].push_back(Spawn(pool, [&meter, &runs, index] {
          meter.Enter();
          runs[index].fetch_add(1);
          meter.Leave();
        }));
      }
    });
  }
  go.store(true);
  for (std::thread& spawner : spawners) spawner.join();
  for (const auto& mine : handles) {
    ASSERT_TRUE(WaitUntil([&] { return Finished(mine); }));
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].load(), 1) << "closure " << i;
  }
  EXPECT_LE(meter.most(), static_cast<int>(kLimit));
  EXPECT_LE(pool.Threads(), kLimit);
}

TEST(BlockingPoolTest, IdleThreadsAreReused) {
  constexpr int kWide = 4;
  BlockingPool pool(512, kLongKeepAlive, {});
  // kWide closures that only end together: kWide threads.
  std::atomic<int> arrived{0};
  std::vector<JoinHandle<std::thread::id>> wide;
  for (int i = 0; i < kWide; ++i) {
    wide.push_back(Spawn(pool, [&arrived] {
      arrived.fetch_add(1);
      WaitUntil([&] { return arrived.load() == kWide; });
      return std::this_thread::get_id();
    }));
  }
  ASSERT_TRUE(WaitUntil([&] { return Finished(wide); }));
  std::set<std::thread::id> pool_threads;
  for (JoinHandle<std::thread::id>& handle : wide) {
    pool_threads.insert(*handle.raw()->TakeOutput());
  }
  ASSERT_EQ(pool_threads.size(), static_cast<size_t>(kWide));
  ASSERT_TRUE(WaitUntil([&] { return pool.IdleThreads() == kWide; }));
  EXPECT_EQ(pool.Threads(), static_cast<size_t>(kWide));

  // One at a time, they all land on the thread that parked last.
  std::set<std::thread::id> sequential;
  for (int i = 0; i < 50; ++i) {
    JoinHandle<std::thread::id> handle =
        Spawn(pool, [] { return std::this_thread::get_id(); });
    ASSERT_TRUE(WaitUntil([&] { return handle.is_finished(); }));
    sequential.insert(*handle.raw()->TakeOutput());
    ASSERT_TRUE(WaitUntil([&] { return pool.IdleThreads() == kWide; }));
  }
  EXPECT_EQ(sequential.size(), 1u);
  EXPECT_TRUE(pool_threads.contains(*sequential.begin()));
  EXPECT_EQ(pool.Threads(), static_cast<size_t>(kWide))
      << "no thread started while others idled";
}

TEST(BlockingPoolTest, KeepAliveShrinksThePoolToZero) {
  constexpr int kWide = 6;
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::mutex names_mu;
  std::vector<std::string> names;
  ThreadHooks hooks;
  hooks.thread_name = [] { return std::string("pool-test-thread-long-name"); };
  hooks.on_thread_start = [&started] { started.fetch_add(1); };
  hooks.on_thread_stop = [&stopped] { stopped.fetch_add(1); };
  BlockingPool pool(512, 20ms, std::move(hooks));
  std::atomic<int> arrived{0};
  std::vector<JoinHandle<void>> handles;
  for (int i = 0; i < kWide; ++i) {
    handles.push_back(Spawn(pool, [&] {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof(name));
      {
        std::lock_guard lock(names_mu);
        names.emplace_back(name);
      }
      arrived.fetch_add(1);
      WaitUntil([&] { return arrived.load() == kWide; });
    }));
  }
  ASSERT_TRUE(WaitUntil([&] { return Finished(handles); }));
  ASSERT_TRUE(WaitUntil([&] { return pool.Threads() == 0; }));
  EXPECT_EQ(pool.IdleThreads(), 0u);
  EXPECT_TRUE(pool.WaitIdle(kPatience)) << "every thread exited";
  EXPECT_EQ(started.load(), kWide);
  EXPECT_EQ(stopped.load(), kWide);
  for (const std::string& name : names) {
    EXPECT_EQ(name, "pool-test-threa") << "the name, cut to 15 characters";
  }
  // A pool that shrank to nothing still runs new work.
  JoinHandle<int> again = Spawn(pool, [] { return 7; });
  ASSERT_TRUE(WaitUntil([&] { return again.is_finished(); }));
  EXPECT_EQ(*again.raw()->TakeOutput(), 7);
  // The hooks refer to this frame: no thread may outlive it.
  pool.Close();
  EXPECT_TRUE(pool.WaitIdle(kPatience));
}

// A thread whose keep-alive runs out as work arrives must not strand it: with
// one thread allowed and no keep-alive, every spawn races with the exit of
// the thread that ran the previous closure.
TEST(BlockingPoolTest, WorkArrivingAsTheLastThreadLeavesStillRuns) {
  BlockingPool pool(1, 0ns, {});
  std::atomic<int> ran{0};
  for (int i = 0; i < 300; ++i) {
    JoinHandle<void> first = Spawn(pool, [&ran] { ran.fetch_add(1); });
    JoinHandle<void> second = Spawn(pool, [&ran] { ran.fetch_add(1); });
    ASSERT_TRUE(WaitUntil([&] {
      return first.is_finished() && second.is_finished();
    })) << "round "
        << i;
  }
  EXPECT_EQ(ran.load(), 600);
}

TEST(BlockingPoolTest, CloseCancelsQueuedClosuresNotStarted) {
  std::atomic<bool> first_started{false};
  std::atomic<bool> release{false};
  std::atomic<int> queued_ran{0};
  std::atomic<int> queued_drops{0};
  BlockingPool pool(1, kLongKeepAlive, {});
  JoinHandle<int> first = Spawn(pool, [&] {
    first_started.store(true);
    WaitUntil([&] { return release.load(); });
    return 1;
  });
  ASSERT_TRUE(WaitUntil([&] { return first_started.load(); }));
  std::vector<JoinHandle<void>> queued;
  for (int i = 0; i < 10; ++i) {
    queued.push_back(
        Spawn(pool, [&queued_ran, guard = DropCounter(&queued_drops)] {
          queued_ran.fetch_add(1);
        }));
  }
  EXPECT_EQ(pool.LiveTasks(), 11u);
  pool.Close();
  // Cancelled at Close, while the only thread still runs the first.
  EXPECT_TRUE(Finished(queued));
  EXPECT_EQ(queued_drops.load(), 10) << "their closures are destroyed";
  for (JoinHandle<void>& handle : queued) {
    JoinResult<void> result = handle.raw()->TakeOutput();
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled());
  }
  EXPECT_FALSE(first.is_finished()) << "a running closure is not cancelled";

  // A closed pool cancels new work at once.
  std::atomic<bool> late_ran{false};
  JoinHandle<void> late = Spawn(pool, [&late_ran] { late_ran.store(true); });
  EXPECT_TRUE(late.is_finished());
  EXPECT_TRUE(late.raw()->TakeOutput().error().is_cancelled());

  release.store(true);
  EXPECT_TRUE(pool.WaitIdle(std::nullopt));
  ASSERT_TRUE(first.is_finished());
  JoinResult<int> result = first.raw()->TakeOutput();
  EXPECT_TRUE(result.has_value() && *result == 1);
  EXPECT_EQ(queued_ran.load(), 0);
  EXPECT_FALSE(late_ran.load());
  EXPECT_EQ(pool.Threads(), 0u);
  EXPECT_EQ(pool.LiveTasks(), 0u);
}

TEST(BlockingPoolTest, CloseWakesIdleThreadsAndTheyExit) {
  BlockingPool pool(512, kLongKeepAlive, {});
  std::atomic<int> arrived{0};
  std::vector<JoinHandle<void>> handles;
  for (int i = 0; i < 3; ++i) {
    handles.push_back(Spawn(pool, [&arrived] {
      arrived.fetch_add(1);
      WaitUntil([&] { return arrived.load() == 3; });
    }));
  }
  ASSERT_TRUE(WaitUntil([&] { return pool.IdleThreads() == 3; }));
  pool.Close();
  EXPECT_TRUE(pool.WaitIdle(kPatience))
      << "idle threads leave at Close, not after their keep-alive";
  EXPECT_EQ(pool.Threads(), 0u);
  EXPECT_EQ(pool.IdleThreads(), 0u);
}

TEST(BlockingPoolTest, WaitIdleTimesOutWhileAClosureRuns) {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  BlockingPool pool(512, kLongKeepAlive, {});
  JoinHandle<void> handle = Spawn(pool, [&] {
    started.store(true);
    WaitUntil([&] { return release.load(); });
  });
  ASSERT_TRUE(WaitUntil([&] { return started.load(); }));
  pool.Close();
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(pool.WaitIdle(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - before, 30ms);
  release.store(true);
  EXPECT_TRUE(pool.WaitIdle(kPatience));
  EXPECT_TRUE(handle.is_finished());
}

TEST(BlockingPoolTest, MandatoryThreadsAreNotCountedAgainstTheLimit) {
  std::atomic<bool> release{false};
  std::atomic<int> starts{0};
  ThreadHooks hooks;
  hooks.on_thread_start = [&starts] { starts.fetch_add(1); };
  BlockingPool pool(1, kLongKeepAlive, std::move(hooks));
  std::atomic<bool> mandatory_ran{false};
  ASSERT_TRUE(pool.SpawnMandatory([&] {
    mandatory_ran.store(true);
    WaitUntil([&] { return release.load(); });
  }));
  ASSERT_TRUE(WaitUntil([&] { return mandatory_ran.load(); }));
  EXPECT_EQ(pool.Threads(), 0u);
  JoinHandle<int> blocking = Spawn(pool, [] { return 3; });
  ASSERT_TRUE(WaitUntil([&] { return blocking.is_finished(); }))
      << "the one blocking thread allowed is not taken by the worker";
  EXPECT_EQ(pool.Threads(), 1u);
  EXPECT_EQ(starts.load(), 2) << "hooks run on mandatory threads too";
  pool.Close();
  EXPECT_FALSE(pool.SpawnMandatory([] {}));
  EXPECT_FALSE(pool.WaitIdle(20ms)) << "WaitIdle waits for workers too";
  release.store(true);
  EXPECT_TRUE(pool.WaitIdle(kPatience));
}

TEST(BlockingPoolTest, OnIdleRunsWhenTheLastTaskEndsUntilClose) {
  std::atomic<int> idle_calls{0};
  BlockingPool pool(512, kLongKeepAlive, {},
                    [&idle_calls] { idle_calls.fetch_add(1); });
  std::atomic<bool> release{false};
  JoinHandle<void> slow =
      Spawn(pool, [&] { WaitUntil([&] { return release.load(); }); });
  JoinHandle<void> fast = Spawn(pool, [] {});
  // A task is complete before its pool lets go of it.
  ASSERT_TRUE(WaitUntil([&] { return pool.LiveTasks() == 1; }));
  EXPECT_TRUE(fast.is_finished());
  EXPECT_EQ(idle_calls.load(), 0) << "a task is still live";
  release.store(true);
  ASSERT_TRUE(WaitUntil([&] { return idle_calls.load() == 1; }));
  EXPECT_EQ(pool.LiveTasks(), 0u);
  pool.Close();
  JoinHandle<void> late = Spawn(pool, [] {});
  EXPECT_TRUE(pool.WaitIdle(kPatience));
  EXPECT_EQ(idle_calls.load(), 1) << "no on_idle after Close";
}

TEST(BlockingPoolTest, StateOutlivesThePoolWhileAClosureRuns) {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> state_alive = token;
  ThreadHooks hooks;
  // The hooks live in the pool's state; the token goes when the state does.
  hooks.on_thread_stop = [token = std::move(token)] {};
  auto pool =
      std::make_unique<BlockingPool>(512, kLongKeepAlive, std::move(hooks));
  JoinHandle<int> handle = Spawn(*pool, [&] {
    started.store(true);
    WaitUntil([&] { return release.load(); });
    return 5;
  });
  ASSERT_TRUE(WaitUntil([&] { return started.load(); }));
  pool.reset();  // Closes without waiting.
  EXPECT_FALSE(state_alive.expired());
  release.store(true);
  ASSERT_TRUE(WaitUntil([&] { return handle.is_finished(); }));
  JoinResult<int> result = handle.raw()->TakeOutput();
  EXPECT_TRUE(result.has_value() && *result == 5)
      << "a closure already running finishes normally";
  EXPECT_TRUE(WaitUntil([&] { return state_alive.expired(); }))
      << "the last thread frees the state when it exits";
}

}  // namespace
}  // namespace weft::internal
