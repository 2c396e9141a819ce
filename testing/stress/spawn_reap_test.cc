// Spawning and reaping many tasks through JoinSets from several tasks at
// once: spawner tasks each fill their own JoinSet (some tasks return at once,
// some yield first, some spawn children into a JoinSet of their own and reap
// them) and reap it with join_next and try_join_next while they keep
// spawning. Every task returns a unique id, and every id is seen exactly
// once: none lost, none reported twice, no error.

#include <atomic>
#include <cstdint>
#include <optional>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/stress/stress.h"

namespace weft::stress {
namespace {

using conformance::RuntimeTest;

class SpawnReapTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(SpawnReapTest);

// Tasks of the whole test (each spawner takes an equal share of the ids).
constexpr int kTasks = 1'000'000;
constexpr int kSpawners = 8;
// Tasks a spawner keeps in its JoinSet at most before it reaps one.
constexpr size_t kWindow = 256;
// Children of a parent task (ids parent+1 .. parent+kChildren).
constexpr int kChildren = 3;

struct Tally {
  explicit Tally(size_t tasks) : seen(tasks) {}
  IdFlags seen;
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> parents{0};
  std::atomic<int64_t> yielders{0};
  std::atomic<int64_t> leaves{0};
  std::atomic<int64_t> try_reaped{0};
};

void Reap(const JoinResult<int64_t>& result, Tally* tally) {
  if (result.has_value()) {
    tally->seen.Mark(*result);
  } else {
    tally->errors.fetch_add(1);
    ADD_FAILURE() << "a task that nobody aborted failed: "
                  << result.error().message();
  }
}

Task<int64_t> Leaf(int64_t id) { co_return id; }

Task<int64_t> Yielder(int64_t id, int yields) {
  for (int i = 0; i < yields; ++i) co_await yield_now();
  co_return id;
}

// Spawns kChildren children into its own JoinSet, reaps them (each child's
// id is seen here), then returns its own id.
Task<int64_t> Parent(int64_t id, Tally* tally) {
  JoinSet<int64_t> children;
  for (int child = 1; child <= kChildren; ++child) {
    if (child % 2 == 0) {
      children.spawn(Yielder(id + child, 1));
    } else {
      children.spawn(Leaf(id + child));
    }
  }
  while (std::optional<JoinResult<int64_t>> next =
             co_await children.join_next()) {
    Reap(*next, tally);
  }
  co_return id;
}

// Spawns the tasks of ids [begin, end) into its own JoinSet, keeping at most
// kWindow of them in the set, and reaps them all. Returns how many results
// it reaped itself (children are reaped by their parents).
Task<int64_t> Spawner(int64_t begin, int64_t end, Tally* tally) {
  JoinSet<int64_t> set;
  int64_t next = begin;
  int64_t reaped = 0;
  uint32_t spawns = 0;
  while (next < end || !set.empty()) {
    while (next < end && set.size() < kWindow) {
      switch (spawns++ % 8) {
        case 0:
          if (next + kChildren < end) {
            set.spawn(Parent(next, tally));
            tally->parents.fetch_add(1, std::memory_order_relaxed);
            next += 1 + kChildren;
            break;
          }
          [[fallthrough]];
        case 1:
        case 2:
          set.spawn(Yielder(next, static_cast<int>(next % 3) + 1));
          tally->yielders.fetch_add(1, std::memory_order_relaxed);
          ++next;
          break;
        default:
          set.spawn(Leaf(next));
          tally->leaves.fetch_add(1, std::memory_order_relaxed);
          ++next;
          break;
      }
    }
    std::optional<JoinResult<int64_t>> done = co_await set.join_next();
    if (!done.has_value()) continue;
    Reap(*done, tally);
    ++reaped;
    // Take whatever else finished meanwhile without waiting.
    while (std::optional<JoinResult<int64_t>> ready = set.try_join_next()) {
      Reap(*ready, tally);
      ++reaped;
      tally->try_reaped.fetch_add(1, std::memory_order_relaxed);
    }
  }
  co_return reaped;
}

TEST_P(SpawnReapTest, EveryResultOfManyJoinSetsIsSeenExactlyOnce) {
  const int64_t tasks = Scaled(kTasks);
  Tally tally(static_cast<size_t>(tasks));
  Runtime rt = MakeRuntime();
  Watchdog watchdog("SpawnReapTest", kWatchdogLimit, [handle = rt.handle()] {
    return handle.dump().ToString();
  });
  int64_t reaped_by_spawners = 0;
  rt.block_on([&]() -> Task<void> {
    JoinSet<int64_t> spawners;
    for (int s = 0; s < kSpawners; ++s) {
      spawners.spawn(
          Spawner(tasks * s / kSpawners, tasks * (s + 1) / kSpawners, &tally));
    }
    while (std::optional<JoinResult<int64_t>> next =
               co_await spawners.join_next()) {
      EXPECT_TRUE(next->has_value()) << conformance::Describe(*next);
      if (next->has_value()) reaped_by_spawners += **next;
    }
  });

  const int64_t spawned = tally.parents.load() * (1 + kChildren) +
                          tally.yielders.load() + tally.leaves.load();
  EXPECT_EQ(spawned, tasks);
  EXPECT_EQ(tally.seen.marked(), tasks)
      << "first id never seen: " << tally.seen.FirstUnmarked();
  EXPECT_EQ(tally.seen.duplicates(), 0);
  EXPECT_EQ(tally.seen.out_of_range(), 0);
  EXPECT_EQ(tally.errors.load(), 0);
  EXPECT_EQ(reaped_by_spawners + tally.parents.load() * kChildren, tasks);
  Report({{"tasks", tasks},
          {"spawners", kSpawners},
          {"parents", tally.parents.load()},
          {"children", tally.parents.load() * kChildren},
          {"yielders", tally.yielders.load()},
          {"leaves", tally.leaves.load()},
          {"seen", tally.seen.marked()},
          {"duplicates", tally.seen.duplicates()},
          {"errors", tally.errors.load()},
          {"reaped_by_try_join_next", tally.try_reaped.load()}});
}

}  // namespace
}  // namespace weft::stress
