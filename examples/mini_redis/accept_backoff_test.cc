// AcceptBackoff on made-up times: the waits double and start over after a
// success, the log gets at most one line per interval, and every failure is
// either logged or counted in a later line.

#include "examples/mini_redis/accept_backoff.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace mini_redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = AcceptBackoff::Clock;

const absl::Status kEmfile =
    absl::ResourceExhaustedError("accept: Too many open files");

// The number in a line's "(N failed accepts since the last line not
// logged)", 0 when it has none.
uint64_t NotLoggedIn(const std::string& line) {
  std::smatch match;
  static const std::regex kCount(R"(\((\d+) failed accepts since)");
  if (!std::regex_search(line, match, kCount)) return 0;
  return std::stoull(match[1]);
}

TEST(AcceptBackoffTest, WaitsDoubleUpToTheMaximumAndStartOverAfterASuccess) {
  AcceptBackoff backoff;
  Clock::time_point now;
  std::vector<Clock::duration> waits;
  for (int i = 0; i < 10; ++i) {
    waits.push_back(backoff.OnFailure(kEmfile, now).wait);
    now += waits.back();
  }
  EXPECT_EQ(waits, (std::vector<Clock::duration>{
                       milliseconds(10), milliseconds(20), milliseconds(40),
                       milliseconds(80), milliseconds(160), milliseconds(320),
                       milliseconds(640), seconds(1), seconds(1), seconds(1)}));
  (void)backoff.OnSuccess(now);
  EXPECT_EQ(backoff.OnFailure(kEmfile, now).wait, milliseconds(10));
}

TEST(AcceptBackoffTest, FirstFailureIsLoggedWithTheErrorAndTheWait) {
  AcceptBackoff backoff;
  AcceptBackoff::Decision decision = backoff.OnFailure(kEmfile, {});
  ASSERT_TRUE(decision.log_line.has_value());
  EXPECT_EQ(*decision.log_line,
            "accept failed: RESOURCE_EXHAUSTED: accept: Too many open files; "
            "retrying in 10ms");
}

// Failures as fast as the old loop made them (every 10 ms, each followed by
// a success, so the wait never grows) for 10 s: at most one line a second,
// and every failure logged or counted.
TEST(AcceptBackoffTest, AtMostOneLinePerIntervalAndNoFailureUncounted) {
  AcceptBackoff backoff;
  Clock::time_point start;
  Clock::time_point now = start;
  std::vector<std::string> lines;
  uint64_t failures = 0;
  while (now - start < seconds(10)) {
    AcceptBackoff::Decision decision = backoff.OnFailure(kEmfile, now);
    ++failures;
    EXPECT_EQ(decision.wait, milliseconds(10));
    if (decision.log_line) lines.push_back(*decision.log_line);
    now += decision.wait;
    if (std::optional<std::string> line = backoff.OnSuccess(now)) {
      lines.push_back(*line);
    }
  }
  EXPECT_EQ(failures, 1000u);
  EXPECT_LE(lines.size(), 11u);
  uint64_t accounted = 0;
  for (const std::string& line : lines) {
    accounted += NotLoggedIn(line);
    if (line.rfind("accept failed: ", 0) == 0) ++accounted;
  }
  // The failures since the last line are still to be reported.
  EXPECT_GE(accounted, failures - 100);
  EXPECT_LE(accounted, failures);
}

TEST(AcceptBackoffTest, ASuccessReportsWhatWasNotLoggedOnceTheIntervalAllows) {
  AcceptBackoff backoff;
  Clock::time_point now;
  EXPECT_TRUE(backoff.OnFailure(kEmfile, now).log_line.has_value());
  now += milliseconds(10);
  EXPECT_FALSE(backoff.OnFailure(kEmfile, now).log_line.has_value());
  now += milliseconds(20);
  EXPECT_FALSE(backoff.OnFailure(kEmfile, now).log_line.has_value());
  now += milliseconds(40);
  // Too soon after the first line: counted for later.
  EXPECT_FALSE(backoff.OnSuccess(now).has_value());
  now += seconds(1);
  std::optional<std::string> line = backoff.OnSuccess(now);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line,
            "accepting again (2 failed accepts since the last line not "
            "logged)");
  // Nothing left to report.
  now += seconds(5);
  EXPECT_FALSE(backoff.OnSuccess(now).has_value());
}

TEST(AcceptBackoffTest, OptionsAreHonoured) {
  AcceptBackoff backoff({.initial = milliseconds(1),
                         .max = milliseconds(3),
                         .log_interval = milliseconds(100)});
  Clock::time_point now;
  std::vector<Clock::duration> waits;
  int lines = 0;
  for (int i = 0; i < 4; ++i) {
    AcceptBackoff::Decision decision = backoff.OnFailure(kEmfile, now);
    waits.push_back(decision.wait);
    lines += decision.log_line.has_value();
    now += milliseconds(60);
  }
  EXPECT_EQ(waits,
            (std::vector<Clock::duration>{milliseconds(1), milliseconds(2),
                                          milliseconds(3), milliseconds(3)}));
  EXPECT_EQ(lines, 2);  // at 0 and 120 ms
}

}  // namespace
}  // namespace mini_redis
