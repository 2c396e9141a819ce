// A cancel requested before the Run wins over data, or a timer, that is
// already there: the operation completes with -ECANCELED.
//
// Part of :ordered_reactor_conformance, not of the suite every backend runs:
// the readiness core (epoll, libuv, poll) handles the cancels it was asked
// for before it looks at readiness or timers, but io_uring may hand the kernel
// an operation and its cancel in one batch, and the operation may then win (see
// executors/uring/uring_reactor.h), so the suite only checks that it
// completes once (cancel_test.cc, timeout_test.cc).

#include <errno.h>

#include <chrono>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ReactorTest, CancelWinsOverDataThatArrivedBeforeTheRun) {
  EXPECT_EQ(CancelAReadWithDataWaiting(), -ECANCELED);
}

// From 0 ms on: the cancels win even over timers already due at the Run.
TEST_F(ReactorTest,
       ManyTimeoutsFromZeroFireInDeadlineOrderAndCancelledOnesDoNot) {
  ExpectManyTimeoutsInDeadlineOrder(/*shortest=*/0ms);
}

}  // namespace
}  // namespace weft::reactor_testing
