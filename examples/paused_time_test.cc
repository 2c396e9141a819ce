// Testing your own time-based code with a paused clock, the way a weft user
// writes such a test: no real waiting, no flakiness. The code under test is
// a retry loop with exponential backoff; the test checks when each attempt
// happened, in virtual time, in microseconds of real time.

#include <chrono>
#include <functional>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"

using namespace std::chrono_literals;

// The code under test: calls `attempt` until it succeeds, waiting 100 ms,
// 200 ms, 400 ms, ... between tries; gives up after `max_attempts`.
weft::Task<bool> RetryWithBackoff(std::function<bool()> attempt,
                                  int max_attempts) {
  weft::Clock::duration backoff = 100ms;
  for (int i = 0; i < max_attempts; ++i) {
    if (attempt()) co_return true;
    co_await weft::sleep(backoff);
    backoff *= 2;
  }
  co_return false;
}

weft::Runtime PausedRuntime() {
  // A paused clock needs the current_thread flavor, as in tokio.
  auto runtime =
      weft::Runtime::Builder::current_thread().start_paused(true).build();
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  return std::move(*runtime);
}

TEST(RetryWithBackoff, WaitsLongerBetweenEachAttempt) {
  weft::Runtime runtime = PausedRuntime();
  runtime.block_on([]() -> weft::Task<void> {
    const weft::Clock::time_point start = weft::time::now();
    std::vector<weft::Clock::duration> attempts;
    auto attempt = [&] {
      attempts.push_back(weft::time::now() - start);
      return attempts.size() == 4;  // the fourth try succeeds
    };
    bool succeeded = co_await RetryWithBackoff(attempt, 10);
    EXPECT_TRUE(succeeded);
    // The clock jumped straight to each timer: 0, 100, 300, 700 ms.
    std::vector<weft::Clock::duration> expected = {0ms, 100ms, 300ms, 700ms};
    EXPECT_EQ(attempts, expected);
  });
}

TEST(RetryWithBackoff, GivesUpAfterTheLastAttempt) {
  weft::Runtime runtime = PausedRuntime();
  runtime.block_on([]() -> weft::Task<void> {
    const weft::Clock::time_point start = weft::time::now();
    int calls = 0;
    bool succeeded = co_await RetryWithBackoff(
        [&] {
          ++calls;
          return false;
        },
        3);
    EXPECT_FALSE(succeeded);
    EXPECT_EQ(calls, 3);
    // 100 + 200 + 400 ms of backoff passed on the paused clock.
    EXPECT_EQ(weft::time::now() - start, 700ms);
  });
}

TEST(RetryWithBackoff, CanBeStoppedWithATimeout) {
  weft::Runtime runtime = PausedRuntime();
  runtime.block_on([]() -> weft::Task<void> {
    auto result = co_await weft::timeout(
        250ms, RetryWithBackoff([] { return false; }, 100));
    EXPECT_FALSE(result.has_value()) << "the timeout should have won";
  });
}
