// Abort storms: threads outside the runtime abort tasks while those tasks
// start, suspend (yield, sleep, wait on a Notify, await an inline child
// Task), finish, or spawn children of their own. Whatever the moment, every
// JoinHandle resolves exactly once, with the task's value or as cancelled
// (and awaiting it again is a UsageError), and every coroutine frame, started
// or not, is destroyed exactly once: each frame holds a Guard (a coroutine
// parameter), and constructions equal destructions with no id destroyed
// twice.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/stress/stress.h"

namespace weft::stress {
namespace {

using conformance::RuntimeTest;
using conformance::SpinUntil;
using namespace std::chrono_literals;

class AbortStormTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(AbortStormTest);

constexpr int kRounds = 800;
constexpr int kTasksPerRound = 600;
constexpr int kChildrenPerParent = 2;
// Ids a round may use: a parent, its children, and an inline child of each
// child at most.
constexpr int64_t kIdsPerRound = kTasksPerRound * (1 + 2 * kChildrenPerParent);
// Outside threads that abort (and notify).
constexpr int kAborters = 2;

enum Kind : int {
  kFinish,  // returns without suspending
  kYield,   // yields a few times
  kSleep,   // sleeps 0-300 us
  kNotify,  // waits on a Notify the aborters keep notifying (notify_one)
  kNested,  // awaits an inline child Task (a frame of its own) that yields
  kParent,  // spawns children, hands their handles out, then yields
  kKinds,
};

struct Storm {
  explicit Storm(size_t ids) : destroyed(ids) {}

  LiveCounts frames;
  IdFlags destroyed;
  std::atomic<int64_t> next_id{0};
  Notify notify;

  std::mutex mu;
  std::vector<AbortHandle> victims;  // guarded by mu
  // Children spawned by parents, resolved by the test body. Guarded by mu.
  std::vector<std::pair<int64_t, JoinHandle<int64_t>>> children;

  std::atomic<int64_t> children_spawned{0};
  std::atomic<int64_t> aborts_outside{0};
  std::atomic<int64_t> aborts_inside{0};

  // Publishes a task's AbortHandle to the aborters.
  void Expose(AbortHandle handle) {
    std::lock_guard lock(mu);
    victims.push_back(std::move(handle));
  }
};

Task<int64_t> Body(Guard guard, Storm* storm, int kind, int turns);

// An inline child Task with a frame (and Guard) of its own.
Task<int> Inner(Guard guard, int yields) {
  for (int i = 0; i < yields; ++i) co_await yield_now();
  co_return yields;
}

Task<int64_t> Body(Guard guard, Storm* storm, int kind, int turns) {
  const int64_t id = guard.id();
  switch (kind) {
    case kFinish:
      break;
    case kYield:
      for (int i = 0; i < turns; ++i) co_await yield_now();
      break;
    case kSleep:
      co_await sleep(std::chrono::microseconds(100 * turns));
      break;
    case kNotify:
      co_await storm->notify.notified();
      break;
    case kNested: {
      const int64_t inner_id = storm->next_id.fetch_add(1);
      Task<int> inner =
          Inner(Guard(&storm->frames, &storm->destroyed, inner_id), turns);
      int yields = co_await std::move(inner);
      EXPECT_EQ(yields, turns);
      break;
    }
    case kParent: {
      for (int c = 0; c < kChildrenPerParent; ++c) {
        const int64_t child_id = storm->next_id.fetch_add(1);
        JoinHandle<int64_t> child =
            spawn(Body(Guard(&storm->frames, &storm->destroyed, child_id),
                       storm, (turns + c) % kParent, turns));
        storm->Expose(child.abort_handle());
        storm->children_spawned.fetch_add(1);
        std::lock_guard lock(storm->mu);
        storm->children.emplace_back(child_id, std::move(child));
      }
      co_await yield_now();
      break;
    }
    default:
      ADD_FAILURE() << "unknown kind " << kind;
  }
  co_return id;
}

// Awaits `handle` of task `id` once (and again, expecting UsageError); a
// value must be the task's id.
Task<void> Resolve(int64_t id, JoinHandle<int64_t>& handle,
                   Outcomes* outcomes) {
  std::optional<int64_t> value = co_await AwaitOnce(handle, outcomes);
  if (value.has_value()) EXPECT_EQ(*value, id);
}

TEST_P(AbortStormTest, EveryHandleResolvesOnceAndEveryFrameIsDestroyedOnce) {
  const int rounds = Scaled(kRounds);
  Storm storm(static_cast<size_t>(rounds) * kIdsPerRound);
  std::mt19937_64 rng(Seed());
  Outcomes outcomes;
  int64_t roots = 0;
  int64_t children = 0;
  Runtime rt = MakeRuntime();
  Watchdog watchdog("AbortStormTest", kWatchdogLimit, [handle = rt.handle()] {
    return handle.dump().ToString();
  });

  std::atomic<bool> stop{false};
  std::vector<std::thread> outside;
  for (int a = 0; a < kAborters; ++a) {
    outside.emplace_back([&storm, &stop, seed = Seed() + a + 1] {
      std::mt19937_64 rng(seed);
      while (!stop.load(std::memory_order_relaxed)) {
        std::optional<AbortHandle> victim;
        {
          std::lock_guard lock(storm.mu);
          // Mostly the newest tasks: those that are about to start.
          const size_t size = storm.victims.size();
          if (size > 0) {
            const size_t window = std::min<size_t>(size, 64);
            victim = storm.victims[size - 1 - rng() % window];
          }
        }
        if (victim.has_value()) {
          victim->abort();
          storm.aborts_outside.fetch_add(1, std::memory_order_relaxed);
        }
        // Wakes one kNotify task (or leaves a permit for the next).
        storm.notify.notify_one();
        std::this_thread::yield();
      }
    });
  }

  for (int round = 0; round < rounds && !HasFailure(); ++round) {
    rt.block_on([&]() -> Task<void> {
      std::vector<std::pair<int64_t, JoinHandle<int64_t>>> handles;
      handles.reserve(kTasksPerRound);
      for (int i = 0; i < kTasksPerRound; ++i) {
        const int64_t id = storm.next_id.fetch_add(1);
        const int kind = static_cast<int>(rng() % kKinds);
        const int turns = static_cast<int>(rng() % 4);
        JoinHandle<int64_t> handle = spawn(Body(
            Guard(&storm.frames, &storm.destroyed, id), &storm, kind, turns));
        storm.Expose(handle.abort_handle());
        // Some aborted here, before they can have started (on
        // current_thread) or just as they start (on multi_thread).
        if (rng() % 8 == 0) {
          handle.abort();
          storm.aborts_inside.fetch_add(1, std::memory_order_relaxed);
        }
        handles.emplace_back(id, std::move(handle));
        if (i % 64 == 0) co_await yield_now();
      }
      for (auto& [id, handle] : handles) {
        co_await Resolve(id, handle, &outcomes);
      }
      roots += static_cast<int64_t>(handles.size());
      // Every parent has been resolved, so all children were handed out.
      std::vector<std::pair<int64_t, JoinHandle<int64_t>>> kids;
      {
        std::lock_guard lock(storm.mu);
        kids.swap(storm.children);
      }
      for (auto& [id, handle] : kids) co_await Resolve(id, handle, &outcomes);
      children += static_cast<int64_t>(kids.size());
    });
    // All handles resolved: all frames (inline children's included) are
    // destroyed, whatever ended their tasks.
    EXPECT_EQ(storm.frames.live(), 0) << "round " << round;
    std::lock_guard lock(storm.mu);
    storm.victims.clear();
  }
  stop.store(true);
  for (std::thread& thread : outside) thread.join();

  const int64_t frames = storm.next_id.load();
  EXPECT_EQ(roots + children, outcomes.resolved());
  EXPECT_EQ(children, storm.children_spawned.load());
  EXPECT_EQ(outcomes.panics, 0);
  EXPECT_EQ(outcomes.second_await_not_usage_error, 0);
  EXPECT_EQ(storm.frames.constructed.load(), frames);
  EXPECT_EQ(storm.frames.destroyed.load(), frames);
  EXPECT_EQ(storm.destroyed.marked(), frames)
      << "first frame never destroyed: " << storm.destroyed.FirstUnmarked();
  EXPECT_EQ(storm.destroyed.duplicates(), 0);
  EXPECT_EQ(storm.destroyed.out_of_range(), 0);
  Report({{"seed", static_cast<int64_t>(Seed())},
          {"rounds", rounds},
          {"tasks", roots + children},
          {"children", children},
          {"frames", frames},
          {"values", outcomes.values},
          {"cancelled", outcomes.cancelled},
          {"aborts_outside", storm.aborts_outside.load()},
          {"aborts_inside", storm.aborts_inside.load()},
          {"frames_destroyed", storm.frames.destroyed.load()},
          {"frames_destroyed_twice", storm.destroyed.duplicates()}});
}

}  // namespace
}  // namespace weft::stress
