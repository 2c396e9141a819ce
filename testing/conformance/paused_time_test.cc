// Paused time (weft::time::pause, advance, resume, now;
// Runtime::Builder::start_paused): tokio's test clock.
//
// Pausing needs the current_thread flavor (as in tokio); the tests of what a
// paused clock does skip on multi_thread with that reason, and the tests of
// misuse run on both flavors.

#include <atomic>
#include <chrono>
#include <expected>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class PausedTimeTest : public RuntimeTest {
 protected:
  // A current_thread runtime whose clock starts paused (whatever the
  // test's flavor: use after SKIP_UNLESS_CURRENT_THREAD).
  Runtime MakePausedRuntime() {
    Runtime::Builder builder = Runtime::Builder::current_thread();
    builder.start_paused(true);
    return Build(builder);
  }
};
WEFT_CONFORMANCE_INSTANTIATE(PausedTimeTest);

#define SKIP_UNLESS_CURRENT_THREAD()                                       \
  if (multi_thread()) {                                                    \
    GTEST_SKIP() << "time can only be paused on a current_thread runtime " \
                    "(as in tokio); the multi_thread error is tested in "  \
                    "PauseIsForCurrentThreadOnly";                         \
  }

template <typename F>
std::string UsageErrorOf(F&& function) {
  try {
    function();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

TEST_P(PausedTimeTest, OutsideARuntimeNowIsSteadyClockAndPauseIsAUsageError) {
  const auto before = std::chrono::steady_clock::now();
  const auto now = time::now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, std::chrono::steady_clock::now());
  EXPECT_TRUE(Contains(UsageErrorOf([] { time::pause(); }),
                       "weft::time::pause called outside a weft runtime"));
  EXPECT_TRUE(Contains(UsageErrorOf([] { time::resume(); }),
                       "weft::time::resume called outside a weft runtime"));
}

TEST_P(PausedTimeTest, PauseIsForCurrentThreadOnly) {
  Runtime rt = MakeRuntime();
  const bool multi = multi_thread();
  rt.block_on([multi]() -> Task<void> {
    if (multi) {
      EXPECT_TRUE(Contains(UsageErrorOf([] { time::pause(); }),
                           "weft::time::pause on a multi_thread runtime"));
      co_return;
    }
    time::pause();
    EXPECT_TRUE(
        Contains(UsageErrorOf([] { time::pause(); }), "already paused"));
    time::resume();
    EXPECT_TRUE(Contains(UsageErrorOf([] { time::resume(); }), "not paused"));
  });

  Runtime::Builder builder = MakeBuilder();
  builder.start_paused(true);
  absl::StatusOr<Runtime> paused = builder.build();
  if (multi_thread()) {
    ASSERT_FALSE(paused.ok());
    EXPECT_EQ(paused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(paused.status().ToString(), "current_thread"));
  } else {
    EXPECT_TRUE(paused.ok()) << paused.status();
  }
}

TEST_P(PausedTimeTest, AdvanceWhileNotPausedIsAUsageError) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    std::string message = "(no UsageError)";
    try {
      co_await time::advance(1s);
    } catch (const UsageError& e) {
      message = e.what();
    }
    EXPECT_TRUE(Contains(message,
                         "weft::time::advance while time is not "
                         "paused"));
  });
}

TEST_P(PausedTimeTest, APausedClockStandsStill) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    time::pause();
    const auto frozen = time::now();
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(time::now(), frozen);
    co_await yield_now();
    EXPECT_EQ(time::now(), frozen);
  });
}

TEST_P(PausedTimeTest, AutoAdvanceJumpsToTheNextTimer) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  const auto real_start = std::chrono::steady_clock::now();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    co_await sleep(1h);
    EXPECT_EQ(time::now() - start, 1h);
    co_await sleep(24h);
    EXPECT_EQ(time::now() - start, 25h);
  });
  EXPECT_LT(std::chrono::steady_clock::now() - real_start, kPatience);
}

TEST_P(PausedTimeTest, AutoAdvanceFiresTimersInDeadlineOrder) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    std::vector<int> order;
    JoinSet<void> set;
    for (int seconds : {3, 1, 2}) {
      set.spawn([&order, seconds, start]() -> Task<void> {
        co_await sleep(std::chrono::seconds(seconds));
        EXPECT_EQ(time::now() - start, std::chrono::seconds(seconds));
        order.push_back(seconds);
      });
    }
    while (auto done = co_await set.join_next()) {
      EXPECT_TRUE(done->has_value());
    }
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(time::now() - start, 3s);
  });
}

TEST_P(PausedTimeTest, AutoAdvanceWaitsUntilNoTaskIsReady) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    int yields = 0;
    JoinHandle<int> sleeper = spawn([&yields]() -> Task<int> {
      co_await sleep(1ms);
      co_return yields;
    });
    JoinHandle<void> busy = spawn([&yields]() -> Task<void> {
      for (int i = 0; i < 100; ++i) {
        ++yields;
        co_await yield_now();
      }
    });
    // The clock moves only once the busy task is done: the sleeper sees
    // every one of its yields.
    JoinResult<int> seen = co_await sleeper;
    EXPECT_EQ(seen.value_or(-1), 100);
    EXPECT_TRUE((co_await busy).has_value());
  });
}

TEST_P(PausedTimeTest, AdvanceMovesTheClockAndFiresDueTimers) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    std::atomic<bool> started{false};
    std::atomic<bool> woke{false};
    JoinHandle<void> sleeper = spawn([&]() -> Task<void> {
      started = true;
      co_await sleep(10s);
      woke = true;
    });
    EXPECT_TRUE(co_await YieldUntil([&] { return started.load(); }));

    co_await time::advance(4s);
    EXPECT_EQ(time::now() - start, 4s);
    for (int i = 0; i < 10; ++i) co_await yield_now();
    EXPECT_FALSE(woke.load()) << "woke 6 s early";

    co_await time::advance(6s);
    EXPECT_EQ(time::now() - start, 10s);
    EXPECT_TRUE(co_await YieldUntil([&] { return woke.load(); }));
    EXPECT_TRUE((co_await sleeper).has_value());
    EXPECT_EQ(time::now() - start, 10s);
  });
}

TEST_P(PausedTimeTest, AdvanceFromATaskLetsTheWokenTasksRunFirst) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    std::atomic<bool> woke{false};
    JoinHandle<void> sleeper = spawn([&woke]() -> Task<void> {
      co_await sleep(5s);
      woke = true;
    });
    JoinHandle<bool> advancer = spawn([&woke]() -> Task<bool> {
      co_await yield_now();  // the sleeper has registered its timer
      co_await time::advance(5s);
      co_return woke.load();
    });
    JoinResult<bool> seen = co_await advancer;
    EXPECT_TRUE(seen.value_or(false));
    EXPECT_TRUE((co_await sleeper).has_value());
  });
}

TEST_P(PausedTimeTest, TimeoutAndIntervalRunOnThePausedClock) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    std::expected<int, Elapsed> late = co_await timeout(10s, After(20s, 1));
    EXPECT_FALSE(late.has_value());
    EXPECT_EQ(time::now() - start, 10s);

    std::expected<int, Elapsed> early = co_await timeout(20s, After(10s, 2));
    EXPECT_EQ(early.value_or(-1), 2);
    EXPECT_EQ(time::now() - start, 20s);

    Interval ticks = interval(1s);
    const auto first = co_await ticks.tick();
    EXPECT_EQ(first, start + 20s);
    EXPECT_EQ(co_await ticks.tick(), first + 1s);
    EXPECT_EQ(co_await ticks.tick(), first + 2s);
    EXPECT_EQ(time::now() - start, 22s);
  });
}

TEST_P(PausedTimeTest, NoAutoAdvanceWhileABlockingClosureRuns) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    JoinHandle<int> blocking = spawn_blocking([] {
      std::this_thread::sleep_for(50ms);
      return 7;
    });
    // The closure may wake a task when it ends, so the clock waits for it
    // rather than firing the (much later) timer.
    auto winner = co_await select(blocking, sleep(1h));
    EXPECT_EQ(winner.index(), 0u);
    EXPECT_EQ(time::now(), start);
    if (winner.index() == 0) {
      EXPECT_EQ(std::get<0>(winner).value_or(0), 7);
    }
  });
}

TEST_P(PausedTimeTest, ResumeRunsOnFromWhereTheClockStood) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    co_await time::advance(1h);
    time::resume();
    const auto resumed = time::now();
    EXPECT_GE(resumed - start, 1h);
    const auto real_before = std::chrono::steady_clock::now();
    co_await sleep(20ms);  // a real wait again
    EXPECT_GE(std::chrono::steady_clock::now() - real_before, 20ms);
    EXPECT_GE(time::now() - resumed, 20ms);
    EXPECT_LT(time::now() - resumed, kPatience);
  });
}

TEST_P(PausedTimeTest, SleepUntilReadsItsDeadlineOnTheRuntimeClock) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    co_await sleep_until(start + 90min);
    EXPECT_EQ(time::now(), start + 90min);
    // Already past on the runtime clock: completes without moving it.
    co_await sleep_until(start + 1min);
    EXPECT_EQ(time::now(), start + 90min);
  });
}

TEST_P(PausedTimeTest, ATaskAbortedWhileSleepingLeavesNoTimerBehind) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = time::now();
    JoinHandle<void> sleeper =
        spawn([]() -> Task<void> { co_await sleep(1h); });
    co_await yield_now();
    sleeper.abort();
    JoinResult<void> aborted = co_await sleeper;
    EXPECT_TRUE(!aborted.has_value() && aborted.error().is_cancelled());
    // The aborted sleep's timer is gone: the clock jumps to this one.
    co_await sleep(1s);
    EXPECT_EQ(time::now() - start, 1s);
  });
}

TEST_P(PausedTimeTest, AutoAdvanceGoesOnOnceAnUnawaitedBlockingClosureEnds) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  std::atomic<bool> closure_ended{false};
  rt.block_on([&]() -> Task<void> {
    const auto start = time::now();
    // Started and never awaited: only its end can tell the parked runtime
    // that the clock may move again.
    JoinHandle<void> blocking = spawn_blocking([&] {
      std::this_thread::sleep_for(20ms);
      closure_ended.store(true);
    });
    co_await sleep(1h);
    EXPECT_TRUE(closure_ended.load());
    EXPECT_EQ(time::now() - start, 1h);
  });
}

// Sleep::reset and Interval's MissedTickBehavior, on a paused clock so that
// every instant is exact.

TEST_P(PausedTimeTest, SleepResetMovesItsDeadline) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    const Clock::time_point start = time::now();
    Sleep nap = sleep(10ms);
    nap.reset(start + 30ms);
    EXPECT_EQ(nap.deadline(), start + 30ms);
    co_await nap;
    EXPECT_EQ(time::now(), start + 30ms) << "later deadline";
    nap.reset(time::now() + 5ms);
    co_await nap;
    EXPECT_EQ(time::now(), start + 35ms) << "reset after completing";
  });
}

// Ticks `interval` once, then lets `late_by` pass before each of the next
// `count` ticks, and returns their offsets from the first tick.
Task<std::vector<Clock::duration>> TickLate(Interval& ticks,
                                            Clock::duration late_by,
                                            int count) {
  const Clock::time_point first = co_await ticks.tick();
  std::vector<Clock::duration> offsets;
  co_await time::advance(late_by);
  for (int k = 0; k < count; ++k) {
    offsets.push_back(co_await ticks.tick() - first);
  }
  co_return offsets;
}

TEST_P(PausedTimeTest, IntervalBehaviorsForMissedTicks) {
  SKIP_UNLESS_CURRENT_THREAD();
  Runtime rt = MakePausedRuntime();
  rt.block_on([]() -> Task<void> {
    using D = Clock::duration;
    // Period 10 ms, the task 25 ms late after the first tick.
    Interval burst = interval(10ms);
    EXPECT_EQ(burst.missed_tick_behavior(), MissedTickBehavior::kBurst);
    std::vector<D> burst_ticks = co_await TickLate(burst, 25ms, 3);
    EXPECT_EQ(burst_ticks, (std::vector<D>{10ms, 20ms, 30ms}))
        << "Burst keeps the schedule";

    Interval delay = interval(10ms);
    delay.set_missed_tick_behavior(MissedTickBehavior::kDelay);
    const Clock::time_point delay_start = time::now();
    std::vector<D> delay_ticks = co_await TickLate(delay, 25ms, 3);
    // The late tick (due at 10) is delivered at 25; the next come a
    // period after each delivery.
    EXPECT_EQ(delay_ticks, (std::vector<D>{10ms, 35ms, 45ms}))
        << "Delay shifts the schedule";
    EXPECT_EQ(time::now() - delay_start, D(45ms));

    Interval skip = interval(10ms);
    skip.set_missed_tick_behavior(MissedTickBehavior::kSkip);
    std::vector<D> skip_ticks = co_await TickLate(skip, 25ms, 3);
    // Due at 10, delivered at 25; 20 is dropped; then 30 and 40.
    EXPECT_EQ(skip_ticks, (std::vector<D>{10ms, 30ms, 40ms}))
        << "Skip drops the missed ticks";
  });
}

}  // namespace
}  // namespace weft::conformance
