// Many timers at once, created and cancelled at random (a seeded PRNG):
// sleeps and sleep_untils, selects of two sleeps (the loser is cancelled),
// timeouts (the inner task cancelled when the deadline fires first), a
// select of a sleep against a Notify nobody notifies, and tasks aborted at a
// random later moment (before they start, while they sleep, or after they
// are done). Durations are 0-20 ms, so the run stays short. Checked:
//   * none early: a completed sleep's deadline has passed, on the runtime's
//     clock (weft::time::now()) and on std::chrono::steady_clock;
//   * none lost: every task that was not aborted completes with its value
//     (a lost timer hangs the JoinSet, which the Watchdog turns into a
//     failure); every task is accounted for, value or cancelled;
//   * every frame is destroyed exactly once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <utility>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/stress/stress.h"

namespace weft::stress {
namespace {

using conformance::RuntimeTest;
using namespace std::chrono_literals;

class TimerStressTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(TimerStressTest);

constexpr int kTimers = 200'000;
// Timer tasks in flight at most.
constexpr size_t kWindow = 2'000;
// Durations are drawn from [0, kMaxDuration] microseconds.
constexpr int64_t kMaxDurationUs = 20'000;

enum Kind : int {
  kSleep,         // sleep(d)
  kSleepUntil,    // sleep_until(now + d)
  kSelectSleeps,  // select(sleep(d1), sleep(d2))
  kTimeout,       // timeout(d1, a task sleeping d2)
  kSelectNotify,  // select(sleep(d), a Notify nobody notifies)
  kKinds,
};

// Raises `max` to at least `value`.
void RaiseTo(std::atomic<int64_t>& max, int64_t value) {
  int64_t seen = max.load(std::memory_order_relaxed);
  while (value > seen && !max.compare_exchange_weak(seen, value)) {
  }
}

struct Timers {
  // Task ids are [0, ids); a timeout's inner task has the frame id
  // ids + its task's id.
  explicit Timers(size_t ids) : frame_ids(2 * ids), done(ids), aborted(ids) {}

  LiveCounts frames;
  IdFlags frame_ids;  // destroyed frames
  IdFlags done;       // tasks that returned their value
  IdFlags aborted;    // tasks the test aborted
  Notify never;       // nobody notifies it

  std::atomic<int64_t> completed_sleeps{0};
  std::atomic<int64_t> early{0};
  std::atomic<int64_t> worst_early_ns{0};
  // How late completed sleeps were (reported, not checked).
  std::atomic<int64_t> late_ns_total{0};
  std::atomic<int64_t> late_ns_max{0};
  std::atomic<int64_t> first_branch_won{0};
  std::atomic<int64_t> second_branch_won{0};
  std::atomic<int64_t> timeouts_elapsed{0};
  std::atomic<int64_t> timeouts_completed{0};
  std::atomic<int64_t> notify_won{0};

  // A sleep with this deadline just completed: it must have passed.
  void Completed(Clock::time_point deadline) {
    completed_sleeps.fetch_add(1, std::memory_order_relaxed);
    const Clock::time_point runtime_now = time::now();
    const Clock::time_point steady_now = std::chrono::steady_clock::now();
    const Clock::time_point now = std::min(runtime_now, steady_now);
    const int64_t late_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - deadline)
            .count();
    if (late_ns < 0) {
      early.fetch_add(1);
      RaiseTo(worst_early_ns, -late_ns);
    } else {
      late_ns_total.fetch_add(late_ns, std::memory_order_relaxed);
      RaiseTo(late_ns_max, late_ns);
    }
  }
};

// The timeout's inner task: sleeps `d` and checks it was not early.
Task<int> InnerSleep(Guard guard, Clock::duration d, Timers* timers) {
  Sleep nap = sleep(d);
  const Clock::time_point deadline = nap.deadline();
  co_await nap;
  timers->Completed(deadline);
  co_return 1;
}

Task<int64_t> TimerTask(Guard guard, Kind kind, Clock::duration d1,
                        Clock::duration d2, Timers* timers) {
  const int64_t id = guard.id();
  switch (kind) {
    case kSleep: {
      Sleep nap = sleep(d1);
      const Clock::time_point deadline = nap.deadline();
      co_await nap;
      timers->Completed(deadline);
      break;
    }
    case kSleepUntil: {
      const Clock::time_point deadline = time::now() + d1;
      co_await sleep_until(deadline);
      timers->Completed(deadline);
      break;
    }
    case kSelectSleeps: {
      Sleep first = sleep(d1);
      Sleep second = sleep(d2);
      const Clock::time_point deadlines[2] = {first.deadline(),
                                              second.deadline()};
      auto winner = co_await select(std::move(first), std::move(second));
      timers->Completed(deadlines[winner.index()]);
      (winner.index() == 0 ? timers->first_branch_won
                           : timers->second_branch_won)
          .fetch_add(1, std::memory_order_relaxed);
      break;
    }
    case kTimeout: {
      const Clock::time_point start = time::now();
      Task<int> inner =
          InnerSleep(Guard(&timers->frames, &timers->frame_ids,
                           id + static_cast<int64_t>(timers->done.size())),
                     d2, timers);
      std::expected<int, Elapsed> result =
          co_await timeout(d1, std::move(inner));
      if (result.has_value()) {
        EXPECT_EQ(*result, 1);
        timers->timeouts_completed.fetch_add(1, std::memory_order_relaxed);
      } else {
        // The timeout's own sleep completed: its deadline (at least
        // start + d1) has passed.
        timers->Completed(start + d1);
        timers->timeouts_elapsed.fetch_add(1, std::memory_order_relaxed);
      }
      break;
    }
    case kSelectNotify: {
      Sleep nap = sleep(d1);
      const Clock::time_point deadline = nap.deadline();
      auto winner = co_await select(std::move(nap), timers->never.notified());
      if (winner.index() == 0) {
        timers->Completed(deadline);
      } else {
        timers->notify_won.fetch_add(1);
      }
      break;
    }
    default:
      ADD_FAILURE() << "unknown kind " << kind;
  }
  co_return id;
}

TEST_P(TimerStressTest, SleepsAndTimeoutsNeverCompleteEarlyAndNoneIsLost) {
  const int64_t count = Scaled(kTimers);
  Timers timers(static_cast<size_t>(count));
  std::mt19937_64 rng(Seed() ^ (multi_thread() ? 1 : 0));
  int64_t values = 0;
  int64_t cancelled = 0;
  int64_t aborts = 0;
  int64_t kinds[kKinds] = {};
  Runtime rt = MakeRuntime();
  Watchdog watchdog("TimerStressTest", kWatchdogLimit, [handle = rt.handle()] {
    return handle.dump().ToString();
  });
  rt.block_on([&]() -> Task<void> {
    JoinSet<int64_t> set;
    // Aborts to come: (spawn count at which to abort, handle).
    std::deque<std::pair<int64_t, AbortHandle>> pending;
    auto duration = [&] {
      return std::chrono::microseconds(rng() % (kMaxDurationUs + 1));
    };
    auto reap = [&](const JoinResult<int64_t>& result) {
      if (result.has_value()) {
        ++values;
        timers.done.Mark(*result);
      } else if (result.error().is_cancelled()) {
        ++cancelled;
      } else {
        ADD_FAILURE() << result.error().message();
      }
    };
    for (int64_t id = 0; id < count; ++id) {
      const Kind kind = static_cast<Kind>(rng() % kKinds);
      ++kinds[kind];
      AbortHandle abort =
          set.spawn(TimerTask(Guard(&timers.frames, &timers.frame_ids, id),
                              kind, duration(), duration(), &timers));
      if (rng() % 5 == 0) {
        timers.aborted.Mark(id);
        pending.emplace_back(id + static_cast<int64_t>(rng() % 256),
                             std::move(abort));
      }
      while (!pending.empty() && pending.front().first <= id) {
        pending.front().second.abort();
        ++aborts;
        pending.pop_front();
      }
      while (set.size() >= kWindow) {
        std::optional<JoinResult<int64_t>> next = co_await set.join_next();
        if (next.has_value()) reap(*next);
      }
    }
    for (auto& [when, abort] : pending) {
      abort.abort();
      ++aborts;
    }
    pending.clear();
    while (std::optional<JoinResult<int64_t>> next = co_await set.join_next()) {
      reap(*next);
    }
  });

  int64_t lost = 0;
  for (int64_t id = 0; id < count; ++id) {
    if (!timers.done.IsMarked(id) && !timers.aborted.IsMarked(id)) ++lost;
  }
  EXPECT_EQ(values + cancelled, count);
  EXPECT_EQ(timers.done.marked(), values);
  EXPECT_EQ(timers.done.duplicates(), 0);
  EXPECT_EQ(lost, 0) << "tasks nobody aborted that did not complete";
  EXPECT_LE(cancelled, aborts);
  EXPECT_EQ(timers.early.load(), 0)
      << "worst: " << timers.worst_early_ns.load() << " ns early";
  EXPECT_EQ(timers.notify_won.load(), 0)
      << "a Notify nobody notified won a select";
  EXPECT_EQ(timers.frames.live(), 0);
  EXPECT_EQ(timers.frame_ids.duplicates(), 0);
  EXPECT_EQ(timers.frame_ids.out_of_range(), 0);
  EXPECT_EQ(timers.frame_ids.marked(), timers.frames.destroyed.load());
  Report({{"seed", static_cast<int64_t>(Seed())},
          {"timer_tasks", count},
          {"sleep", kinds[kSleep]},
          {"sleep_until", kinds[kSleepUntil]},
          {"select_sleeps", kinds[kSelectSleeps]},
          {"timeout", kinds[kTimeout]},
          {"select_notify", kinds[kSelectNotify]},
          {"completed", values},
          {"cancelled_by_abort", cancelled},
          {"aborts", aborts},
          {"sleeps_completed", timers.completed_sleeps.load()},
          {"select_first_won", timers.first_branch_won.load()},
          {"select_second_won", timers.second_branch_won.load()},
          {"timeouts_elapsed", timers.timeouts_elapsed.load()},
          {"timeouts_completed", timers.timeouts_completed.load()},
          {"early", timers.early.load()},
          {"mean_late_us", timers.late_ns_total.load() / 1000 /
                               std::max<int64_t>(1, timers.completed_sleeps)},
          {"max_late_us", timers.late_ns_max.load() / 1000},
          {"lost", lost},
          {"frames", timers.frames.constructed.load()}});
}

}  // namespace
}  // namespace weft::stress
