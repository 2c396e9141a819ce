// kPoll: readiness, a hang-up, and several events asked for at once.

#include <poll.h>
#include <unistd.h>

#include <optional>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

TEST_F(ReactorTest, PollWaitsForReadability) {
  auto [read_end, write_end] = MakePipe();
  TestOp poll_in(IoOpcode::kPoll, read_end.get());
  poll_in.poll_events = POLLIN;
  SubmitWaiting(poll_in);
  EXPECT_EQ(poll_in.calls, 0);

  ASSERT_EQ(write(write_end.get(), "x", 1), 1);
  RunUntil([&] { return poll_in.calls == 1; });
  EXPECT_EQ(poll_in.result, POLLIN);

  TestOp poll_out(IoOpcode::kPoll, write_end.get());
  poll_out.poll_events = POLLOUT;
  reactor_->Submit(&poll_out);
  EXPECT_EQ(poll_out.calls, 0);
  RunUntil([&] { return poll_out.calls == 1; });
  EXPECT_EQ(poll_out.result, POLLOUT);
}

TEST_F(ReactorTest, PollReportsAHangUp) {
  auto [read_end, write_end] = MakePipe();
  TestOp poll_in(IoOpcode::kPoll, read_end.get());
  poll_in.poll_events = POLLIN;
  SubmitWaiting(poll_in);
  write_end.reset();
  RunUntil([&] { return poll_in.calls == 1; });
  EXPECT_NE(poll_in.result & POLLHUP, 0) << poll_in.result;
}

TEST_F(ReactorTest, PollForSeveralEventsReportsThoseThatHappened) {
  auto [left, right] = MakeSocketPair();
  TestOp poll(IoOpcode::kPoll, left.get());
  poll.poll_events = POLLIN | POLLOUT;
  reactor_->Submit(&poll);
  RunUntil([&] { return poll.calls == 1; });
  EXPECT_EQ(poll.result, POLLOUT);  // writable, nothing to read
}

}  // namespace
}  // namespace weft::reactor_testing
