// A cancel requested before the Run wins over data, or a timer, that is
// already there: the operation completes with -ECANCELED.
//
// Part of :ordered_reactor_conformance, not of the suite every backend runs:
// epoll and libuv handle the cancels they were asked for before they look at
// readiness or timers, but io_uring may hand the kernel an operation and its
// cancel in one batch, and the operation may then win (see
// executors/uring/uring_reactor.h), so the suite only checks that it
// completes once (cancel_test.cc, timeout_test.cc).

#include <errno.h>
#include <unistd.h>

#include <chrono>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ReactorTest, CancelWinsOverDataThatArrivedBeforeTheRun) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  reactor_->Cancel(&read);
  RunUntil([&] { return read.calls == 1; });
  ExpectNothingMore();
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(read.result, -ECANCELED);
}

// From 0 ms on: the cancels win even over timers already due at the Run.
TEST_F(ReactorTest,
       ManyTimeoutsFromZeroFireInDeadlineOrderAndCancelledOnesDoNot) {
  ExpectManyTimeoutsInDeadlineOrder(/*shortest=*/0ms);
}

}  // namespace
}  // namespace weft::reactor_testing
