// Time: sleep, sleep_until, timeout, Interval.

#include <atomic>
#include <chrono>
#include <expected>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

static_assert(std::is_same_v<Clock, std::chrono::steady_clock>,
              "weft's clock is steady_clock");

class TimeTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(TimeTest);

using std::chrono::steady_clock;

Task<int> Identity(int value) { co_return value; }

Task<int> SleepHolding(std::chrono::nanoseconds duration,
                       [[maybe_unused]] DropCounter guard, int value) {
  co_await sleep(duration);
  co_return value;
}

TEST_P(TimeTest, SleepWaitsAtLeastTheDuration) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = steady_clock::now();
    co_await sleep(50ms);
    const auto elapsed = steady_clock::now() - start;
    EXPECT_GE(elapsed, 50ms);
    EXPECT_LT(elapsed, 5s);
  });
}

TEST_P(TimeTest, SleepInsideASpawnedTask) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<steady_clock::duration> handle =
        spawn([]() -> Task<steady_clock::duration> {
          const auto start = steady_clock::now();
          co_await sleep(30ms);
          co_return steady_clock::now() - start;
        });
    JoinResult<steady_clock::duration> elapsed = co_await handle;
    EXPECT_TRUE(elapsed.has_value());
    if (elapsed.has_value()) {
      EXPECT_GE(*elapsed, 30ms);
      EXPECT_LT(*elapsed, 5s);
    }
  });
}

TEST_P(TimeTest, SleepUntilADeadline) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    const Clock::time_point deadline = Clock::now() + 30ms;
    co_await sleep_until(deadline);
    EXPECT_GE(Clock::now(), deadline);
    EXPECT_LT(Clock::now(), deadline + 5s);
  });
}

TEST_P(TimeTest, ZeroNegativeAndPastSleepsComplete) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    const auto start = steady_clock::now();
    co_await sleep(0ms);
    co_await sleep(-5ms);
    co_await sleep_until(Clock::now() - 1s);
    co_await sleep_until(Clock::time_point{});
    EXPECT_LT(steady_clock::now() - start, 5s);
  });
}

TEST_P(TimeTest, TenThousandConcurrentSleeps) {
  std::atomic<int> early{0};
  std::atomic<int> done{0};
  Runtime rt = MakeRuntime();
  constexpr int kSleepers = 10'000;
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<void>> handles;
    handles.reserve(kSleepers);
    for (int i = 0; i < kSleepers; ++i) {
      handles.push_back(spawn([&early, &done, i]() -> Task<void> {
        const auto duration = std::chrono::milliseconds(i % 20);
        const auto start = steady_clock::now();
        co_await sleep(duration);
        if (steady_clock::now() - start < duration) early.fetch_add(1);
        done.fetch_add(1);
      }));
    }
    for (JoinHandle<void>& handle : handles) {
      JoinResult<void> result = co_await handle;
      if (!result.has_value()) ADD_FAILURE() << Describe(result);
    }
  });
  EXPECT_EQ(done.load(), kSleepers);
  EXPECT_EQ(early.load(), 0) << "sleeps ended before their duration";
}

TEST_P(TimeTest, TimeoutReturnsTheValueWhenTheTaskIsFast) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    std::expected<int, Elapsed> fast = co_await timeout(5s, After(1ms, 5));
    EXPECT_TRUE(fast.has_value());
    if (fast.has_value()) {
      EXPECT_EQ(*fast, 5);
    }
    std::expected<int, Elapsed> ready = co_await timeout(0ms, Identity(6));
    EXPECT_TRUE(ready.has_value())
        << "a task that completes without suspending beats even a zero "
           "timeout (the task is polled first)";
    if (ready.has_value()) {
      EXPECT_EQ(*ready, 6);
    }
  });
}

TEST_P(TimeTest, TimeoutElapsesAndDestroysTheSlowTask) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    const auto start = steady_clock::now();
    std::expected<int, Elapsed> slow =
        co_await timeout(20ms, SleepHolding(kForever, DropCounter(&drops), 1));
    const auto elapsed = steady_clock::now() - start;
    EXPECT_FALSE(slow.has_value()) << "the timeout did not elapse";
    EXPECT_GE(elapsed, 20ms);
    EXPECT_LT(elapsed, 5s);
    EXPECT_EQ(drops.load(), 1)
        << "the inner task is destroyed when the timeout expires";
  });
}

TEST_P(TimeTest, TimeoutOfAVoidTask) {
  std::atomic<bool> ran{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    std::expected<void, Elapsed> fast =
        co_await timeout(5s, [](std::atomic<bool>* flag) -> Task<void> {
          co_await sleep(1ms);
          flag->store(true);
        }(&ran));
    EXPECT_TRUE(fast.has_value());
    std::expected<void, Elapsed> slow = co_await timeout(
        1ms, []() -> Task<void> { co_await sleep(kForever); }());
    EXPECT_FALSE(slow.has_value());
  });
  EXPECT_TRUE(ran.load());
}

TEST_P(TimeTest, TimeoutPropagatesTheTasksException) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    bool caught = false;
    try {
      std::expected<int, Elapsed> result =
          co_await timeout(5s, []() -> Task<int> {
            co_await sleep(1ms);
            throw TestError("inside timeout", 8);
            co_return 0;
          }());
      ADD_FAILURE() << "timeout returned although its task threw";
    } catch (const TestError& e) {
      caught = e.code() == 8;
    }
    EXPECT_TRUE(caught);
  });
}

TEST_P(TimeTest, TimeoutInsideASpawnedTaskThatIsAborted) {
  std::atomic<int> drops{0};
  std::atomic<bool> started{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<bool> handle = spawn([&]() -> Task<bool> {
      started.store(true);
      std::expected<int, Elapsed> r = co_await timeout(
          kForever, SleepHolding(kForever, DropCounter(&drops), 1));
      co_return r.has_value();
    });
    bool running = co_await Eventually([&] { return started.load(); });
    EXPECT_TRUE(running);
    handle.abort();
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    EXPECT_EQ(drops.load(), 1);
  });
}

TEST_P(TimeTest, TimeoutTakesAnyAwaitable) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    Notify never;
    std::expected<void, Elapsed> waited =
        co_await timeout(2ms, never.notified());
    EXPECT_FALSE(waited.has_value()) << "a Notify nobody notifies";

    auto [tx, rx] = mpsc::channel<int>(1);
    (void)co_await tx.send(4);
    auto received = co_await timeout(kPatience, rx.recv());
    WEFT_CO_ASSERT_TRUE(received.has_value());
    EXPECT_EQ(received->value_or(-1), 4);

    // A JoinHandle is not consumed: on expiry its task goes on, and the
    // output is there for the next await.
    JoinHandle<int> slow = spawn([]() -> Task<int> {
      co_await sleep(20ms);
      co_return 8;
    });
    auto early = co_await timeout(1ms, slow);
    EXPECT_FALSE(early.has_value());
    JoinResult<int> later = co_await slow;
    EXPECT_EQ(later.value_or(-1), 8);
  });
}

TEST_P(TimeTest, TimeoutAtAPassedDeadlineStillLetsReadyWorkWin) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    const Clock::time_point passed = Clock::now() - 1s;
    // The work is polled before the deadline, as tokio's Timeout does.
    std::expected<int, Elapsed> ready =
        co_await timeout_at(passed, Identity(3));
    EXPECT_EQ(ready.value_or(-1), 3);
    std::expected<void, Elapsed> late = co_await timeout_at(
        passed, []() -> Task<void> { co_await sleep(kForever); }());
    EXPECT_FALSE(late.has_value());
  });
}

TEST_P(TimeTest, IntervalTicksAtItsPeriod) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    const Clock::time_point created = Clock::now();
    Interval ticks = interval(20ms);
    const Clock::time_point first = co_await ticks.tick();
    EXPECT_GE(first, created);
    EXPECT_LE(first, Clock::now()) << "the first tick is immediate";
    const Clock::time_point second = co_await ticks.tick();
    const Clock::time_point third = co_await ticks.tick();
    EXPECT_EQ(second - first, Clock::duration(20ms))
        << "tick() returns the instant the tick was scheduled for";
    EXPECT_EQ(third - first, Clock::duration(40ms));
    EXPECT_GE(Clock::now(), first + 40ms);
    EXPECT_LT(Clock::now(), first + 5s);
  });
}

TEST_P(TimeTest, IntervalBurstsToCatchUpMissedTicks) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    Interval ticks = interval(20ms);
    const Clock::time_point first = co_await ticks.tick();
    co_await sleep(110ms);  // misses the ticks at +20, +40, +60, +80, +100
    const Clock::time_point late = Clock::now();
    for (int k = 1; k <= 5; ++k) {
      const Clock::time_point tick = co_await ticks.tick();
      EXPECT_EQ(tick - first, Clock::duration(20ms * k))
          << "Burst: each missed tick is delivered, at its own instant";
    }
    // Caught up: the missed ticks above came without waiting for a period
    // each, and the next one waits for its own instant.
    const Clock::time_point sixth = co_await ticks.tick();
    EXPECT_EQ(sixth - first, Clock::duration(120ms));
    EXPECT_GE(Clock::now(), first + 120ms);
    EXPECT_GE(Clock::now(), late);
  });
}

TEST_P(TimeTest, IntervalAtStartsAtTheGivenInstant) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    const Clock::time_point start = Clock::now() + 30ms;
    Interval ticks = interval_at(start, 10ms);
    const Clock::time_point first = co_await ticks.tick();
    EXPECT_EQ(first, start);
    EXPECT_GE(Clock::now(), start);
    const Clock::time_point second = co_await ticks.tick();
    EXPECT_EQ(second, start + 10ms);
    EXPECT_GE(Clock::now(), start + 10ms);
  });
}

TEST_P(TimeTest, AbortCancelsASleep) {
  std::atomic<int> drops{0};
  std::atomic<bool> after_sleep{false};
  std::atomic<bool> sleeping{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<void> handle = spawn([&]() -> Task<void> {
      DropCounter guard(&drops);
      sleeping.store(true);
      co_await sleep(kForever);
      after_sleep.store(true);
    });
    // Wait for the task to reach its sleep (a fixed 2 ms sleep here let the
    // abort come first under sanitizers, before the guard existed).
    EXPECT_TRUE(co_await Eventually([&] { return sleeping.load(); }));
    const auto start = steady_clock::now();
    handle.abort();
    JoinResult<void> result = co_await handle;
    EXPECT_LT(steady_clock::now() - start, 5s);
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    EXPECT_EQ(drops.load(), 1);
  });
  EXPECT_FALSE(after_sleep.load());
}

TEST_P(TimeTest, ManySleepsAbortedDoNotDelayShutdown) {
  const auto start = steady_clock::now();
  {
    Runtime rt = MakeRuntime();
    rt.block_on([]() -> Task<void> {
      JoinSet<void> set;
      for (int i = 0; i < 1000; ++i) {
        set.spawn([]() -> Task<void> { co_await sleep(kForever); });
      }
      co_await sleep(2ms);
      co_await set.shutdown();
      // And some left sleeping for ~Runtime to cancel.
      for (int i = 0; i < 100; ++i) {
        JoinHandle<void> handle =
            spawn([]() -> Task<void> { co_await sleep(kForever); });
      }
      co_await sleep(1ms);
    });
  }
  EXPECT_LT(steady_clock::now() - start, 5s)
      << "cancelled sleeps kept the runtime alive";
}

}  // namespace
}  // namespace weft::conformance
