// kTimeout: its duration, zero and negative ones, the order of many, and
// cancelling them.

#include <errno.h>

#include <chrono>
#include <optional>
#include <vector>

#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ReactorTest, TimeoutCompletesWithEtimeAfterItsDuration) {
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 100ms;
  const Clock::time_point start = Clock::now();
  reactor_->Submit(&timeout);
  // No deadline given: the timeout's own deadline must end the wait.
  EXPECT_EQ(RunOnce(std::nullopt), 1);
  const Clock::duration elapsed = Clock::now() - start;
  EXPECT_EQ(timeout.calls, 1);
  EXPECT_EQ(timeout.result, -ETIME);
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(Seconds(elapsed), 5.0);
}

TEST_F(ReactorTest, ZeroAndNegativeTimeoutsCompleteOnTheNextTurn) {
  TestOp zero(IoOpcode::kTimeout), negative(IoOpcode::kTimeout);
  zero.timeout = 0ms;
  negative.timeout = -5s;
  reactor_->Submit(&zero);
  reactor_->Submit(&negative);
  EXPECT_EQ(zero.calls, 0);  // not even a zero timeout completes in Submit
  RunUntil([&] { return zero.calls == 1 && negative.calls == 1; });
  EXPECT_EQ(zero.result, -ETIME);
  EXPECT_EQ(negative.result, -ETIME);
}

TEST_F(ReactorTest, TimeoutsFireEarliestFirst) {
  std::vector<const TestOp*> order;
  TestOp late(IoOpcode::kTimeout), early(IoOpcode::kTimeout),
      zero(IoOpcode::kTimeout);
  late.timeout = 60ms;
  early.timeout = 20ms;
  zero.timeout = 0ms;
  for (TestOp* op : {&late, &early, &zero}) {
    op->order = &order;
    reactor_->Submit(op);
  }
  EXPECT_EQ(zero.calls, 0);  // not even a zero timeout completes in Submit
  RunUntil([&] { return order.size() == 3; });
  EXPECT_THAT(order, ::testing::ElementsAre(&zero, &early, &late));
}

// From 10 ms on: a cancel requested before the Run may reach the kernel in
// the same batch as its timer, and a timer already due may then win. Where a
// backend promises that the cancel always wins, cancel_before_run_test.cc
// starts at 0 ms. The order among timers is checked there too: io_uring
// does not order the completions of timers that expired before the ring was
// reaped (seen under ASan and TSan on a loaded machine).
TEST_F(ReactorTest, ManyTimeoutsFireOnceNotEarlyAndCancelledOnesDoNot) {
  ExpectManyTimeoutsInDeadlineOrder(/*shortest=*/10ms, /*check_order=*/false);
}

TEST_F(ReactorTest, CancelOfAPendingTimeout) {
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 1h;
  TestOp other(IoOpcode::kTimeout);
  other.timeout = 30ms;
  reactor_->Submit(&timeout);
  reactor_->Submit(&other);
  reactor_->Cancel(&timeout);
  RunUntil([&] { return timeout.calls == 1; });
  EXPECT_EQ(timeout.result, -ECANCELED);
  RunUntil([&] { return other.calls == 1; });  // the other timer still fires
  EXPECT_EQ(other.result, -ETIME);
  EXPECT_EQ(timeout.calls, 1);
}

TEST_F(ReactorTest, TimeoutOfTheLongestDurationDoesNotOverflow) {
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = std::chrono::nanoseconds::max();
  reactor_->Submit(&timeout);
  EXPECT_EQ(RunOnce(Clock::now() + 20ms), 0);
  EXPECT_EQ(timeout.calls, 0);
  reactor_->Cancel(&timeout);
  RunUntil([&] { return timeout.calls == 1; });
  EXPECT_EQ(timeout.result, -ECANCELED);
}

}  // namespace
}  // namespace weft::reactor_testing
