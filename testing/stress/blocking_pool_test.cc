// spawn_blocking far past max_blocking_threads: a runtime whose pool has at
// most kMaxBlocking threads (and a short keep-alive) gets many more closures
// than threads, queued at once from several tasks and from a thread outside
// the runtime, some of them aborted right after being queued. In every
// wave:
//   * every closure runs at most once, and exactly once unless its abort
//     cancelled it before it started (then its JoinHandle is cancelled);
//   * the pool never has more than kMaxBlocking threads (metrics sampled
//     from inside the closures) and never runs more closures at once;
//   * after the wave the pool shrinks back to 0 threads once the keep-alive
//     has passed (waited for with a deadline, through the metrics).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/stress/stress.h"

namespace weft::stress {
namespace {

using conformance::Eventually;
using conformance::RuntimeTest;
using namespace std::chrono_literals;

class BlockingPoolStressTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(BlockingPoolStressTest);

constexpr size_t kMaxBlocking = 4;
constexpr std::chrono::milliseconds kKeepAlive{50};
constexpr int kWaves = 8;
constexpr int kClosuresPerWave = 50'000;
// Tasks queueing closures at once, plus one thread outside the runtime.
constexpr int kSpawnerTasks = 4;

// Raises `max` to at least `value`.
void RaiseTo(std::atomic<int64_t>& max, int64_t value) {
  int64_t seen = max.load(std::memory_order_relaxed);
  while (value > seen && !max.compare_exchange_weak(seen, value)) {
  }
}

struct Pool {
  explicit Pool(size_t ids) : ran(ids) {}
  IdFlags ran;
  std::atomic<int64_t> running{0};
  std::atomic<int64_t> max_running{0};
  std::atomic<int64_t> max_threads{0};
  std::atomic<int64_t> max_idle_threads{0};
  std::atomic<int64_t> samples{0};

  // The closure of id `id`: marks that it ran, samples the pool's size, and
  // does a little work so that the queue backs up.
  int64_t Run(int64_t id) {
    ran.Mark(id);
    RaiseTo(max_running, running.fetch_add(1) + 1);
    RuntimeMetrics metrics = Handle::current().metrics();
    RaiseTo(max_threads, static_cast<int64_t>(metrics.blocking_threads));
    RaiseTo(max_idle_threads,
            static_cast<int64_t>(metrics.idle_blocking_threads));
    samples.fetch_add(1, std::memory_order_relaxed);
    volatile uint64_t sink = 0;
    for (int i = 0; i < (id % 16) * 50; ++i) sink = sink + i;
    running.fetch_sub(1);
    return id;
  }
};

// What the JoinHandles of one spawner said.
struct Resolved {
  int64_t values = 0;
  int64_t cancelled = 0;
  int64_t aborted = 0;
  // A cancelled closure that ran anyway, or a value from one that did not.
  int64_t mismatches = 0;
};

void Check(const JoinResult<int64_t>& result, int64_t id, Pool* pool,
           Resolved* resolved) {
  if (result.has_value()) {
    ++resolved->values;
    if (*result != id || !pool->ran.IsMarked(id)) ++resolved->mismatches;
  } else if (result.error().is_cancelled()) {
    ++resolved->cancelled;
    if (pool->ran.IsMarked(id)) ++resolved->mismatches;
  } else {
    ADD_FAILURE() << result.error().message();
  }
}

// Queues the closures of ids [begin, end) (aborting every 8th right away),
// then awaits them all. In `bursts`, it pauses for about a keep-alive after
// each eighth of them, so that idle threads time out just as new work comes.
Task<Resolved> QueueAndAwait(int64_t begin, int64_t end, bool bursts,
                             Pool* pool) {
  std::vector<JoinHandle<int64_t>> handles;
  handles.reserve(end - begin);
  Resolved resolved;
  for (int64_t id = begin; id < end; ++id) {
    handles.push_back(spawn_blocking([pool, id] { return pool->Run(id); }));
    if (id % 8 == 0) {
      handles.back().abort();
      ++resolved.aborted;
    }
    if (bursts && (id - begin) % ((end - begin) / 8 + 1) == 0) {
      co_await sleep(kKeepAlive);
    }
  }
  for (int64_t id = begin; id < end; ++id) {
    JoinResult<int64_t> result = co_await handles[id - begin];
    Check(result, id, pool, &resolved);
  }
  co_return resolved;
}

TEST_P(BlockingPoolStressTest,
       ManyMoreClosuresThanThreadsRunOnceAndThePoolShrinksToZero) {
  Runtime::Builder builder = MakeBuilder();
  builder.max_blocking_threads(kMaxBlocking).thread_keep_alive(kKeepAlive);
  Runtime rt = Build(builder);
  Watchdog watchdog(
      "BlockingPoolStressTest", kWatchdogLimit,
      [handle = rt.handle()] { return handle.dump().ToString(); });
  const int64_t per_wave = Scaled(kClosuresPerWave);
  const int64_t total = per_wave * kWaves;
  Pool pool(static_cast<size_t>(total));
  Resolved all;
  int64_t shrinks = 0;

  for (int wave = 0; wave < kWaves && !HasFailure(); ++wave) {
    const int64_t base = per_wave * wave;
    // A fifth of the wave comes from a thread outside the runtime.
    const int64_t outside_begin = base + per_wave * 4 / 5;
    const int64_t outside_end = base + per_wave;
    std::vector<JoinHandle<int64_t>> outside_handles;
    std::thread outside([&] {
      Handle handle = rt.handle();
      for (int64_t id = outside_begin; id < outside_end; ++id) {
        outside_handles.push_back(
            handle.spawn_blocking([&pool, id] { return pool.Run(id); }));
      }
    });
    rt.block_on([&]() -> Task<void> {
      JoinSet<Resolved> spawners;
      for (int s = 0; s < kSpawnerTasks; ++s) {
        spawners.spawn(QueueAndAwait(
            base + (outside_begin - base) * s / kSpawnerTasks,
            base + (outside_begin - base) * (s + 1) / kSpawnerTasks,
            /*bursts=*/wave % 2 == 1, &pool));
      }
      while (std::optional<JoinResult<Resolved>> next =
                 co_await spawners.join_next()) {
        EXPECT_TRUE(next->has_value()) << conformance::Describe(*next);
        if (!next->has_value()) continue;
        all.values += (*next)->values;
        all.cancelled += (*next)->cancelled;
        all.aborted += (*next)->aborted;
        all.mismatches += (*next)->mismatches;
      }
      outside.join();
      for (int64_t id = outside_begin; id < outside_end; ++id) {
        JoinResult<int64_t> result =
            co_await outside_handles[id - outside_begin];
        Check(result, id, &pool, &all);
      }
      EXPECT_LE(Handle::current().metrics().blocking_threads, kMaxBlocking);
      // Idle threads exit after the keep-alive: the pool shrinks to 0.
      bool shrunk = co_await Eventually(
          [] { return Handle::current().metrics().blocking_threads == 0; });
      EXPECT_TRUE(shrunk) << "wave " << wave << ": "
                          << Handle::current().metrics().blocking_threads
                          << " blocking threads left after the keep-alive";
      if (shrunk) ++shrinks;
      EXPECT_EQ(Handle::current().metrics().idle_blocking_threads, 0u);
    });
  }

  EXPECT_EQ(all.values + all.cancelled, total);
  EXPECT_EQ(pool.ran.marked(), all.values);
  EXPECT_EQ(pool.ran.duplicates(), 0);
  EXPECT_EQ(pool.ran.out_of_range(), 0);
  EXPECT_EQ(all.mismatches, 0);
  EXPECT_LE(all.cancelled, all.aborted);
  EXPECT_LE(pool.max_threads.load(), static_cast<int64_t>(kMaxBlocking));
  EXPECT_LE(pool.max_running.load(), static_cast<int64_t>(kMaxBlocking));
  EXPECT_GE(pool.max_threads.load(), 1);
  EXPECT_EQ(shrinks, kWaves);
  Report({{"waves", kWaves},
          {"closures", total},
          {"ran", pool.ran.marked()},
          {"aborted", all.aborted},
          {"cancelled", all.cancelled},
          {"ran_twice", pool.ran.duplicates()},
          {"max_blocking_threads", static_cast<int64_t>(kMaxBlocking)},
          {"max_threads_seen", pool.max_threads.load()},
          {"max_running_seen", pool.max_running.load()},
          {"max_idle_seen", pool.max_idle_threads.load()},
          {"shrinks_to_zero", shrinks}});
}

}  // namespace
}  // namespace weft::stress
