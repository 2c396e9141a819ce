// Operations of one direction on one fd complete in the order they were
// submitted, even when data is already there for a later one, and even when
// they are in flight together.
//
// Part of :ordered_reactor_conformance, not of the suite every backend runs:
// the readiness core (epoll, libuv, poll) keeps a FIFO queue of waiters per
// fd and retries them in order, but io_uring does not order concurrent
// operations on one fd (see executors/uring/uring_reactor.h), so the suite only
// checks that both complete (stream_io_test.cc).

#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

TEST_F(ReactorTest, TwoPendingReadsOnOneFdCompleteInOrder) {
  auto [read_end, write_end] = MakePipe();
  std::vector<const TestOp*> order;
  char first_buffer[3], second_buffer[3];
  TestOp first(IoOpcode::kRead, read_end.get(), first_buffer, 3);
  first.order = &order;
  TestOp second(IoOpcode::kRead, read_end.get(), second_buffer, 3);
  second.order = &order;
  SubmitWaiting(first);
  // The data is there before the second read is submitted: that read must
  // still not overtake the first.
  ASSERT_EQ(write(write_end.get(), "abcdef", 6), 6);
  reactor_->Submit(&second);
  RunUntil([&] { return order.size() == 2; });
  EXPECT_THAT(order, ::testing::ElementsAre(&first, &second));
  EXPECT_EQ(first.result, 3);
  EXPECT_EQ(second.result, 3);
  EXPECT_EQ(std::string(first_buffer, 3), "abc");
  EXPECT_EQ(std::string(second_buffer, 3), "def");
}

TEST_F(ReactorTest, WriteAndSendInFlightTogetherArriveInOrder) {
  auto [left, right] = MakeSocketPair();
  char first[] = "over write";
  TestOp write(IoOpcode::kWrite, left.get(), first, 10);
  char second[] = "over send";
  TestOp send(IoOpcode::kSend, left.get(), second, 9);
  reactor_->Submit(&write);
  reactor_->Submit(&send);
  RunUntil([&] { return write.calls == 1 && send.calls == 1; });
  EXPECT_EQ(write.result, 10);
  EXPECT_EQ(send.result, 9);

  EXPECT_EQ(Receive(IoOpcode::kRead, right.get(), 10), "over write");
  EXPECT_EQ(Receive(IoOpcode::kRecv, right.get(), 10), "over send");
}

}  // namespace
}  // namespace weft::reactor_testing
