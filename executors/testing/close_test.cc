// kClose and the fd's other waiters (executor.h, item 7), fds closed behind
// the reactor's back, and invalid fds.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <optional>

#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using ::testing::AnyOf;

TEST_F(ReactorTest, CloseCompletesTheFdsWaitersWithEbadf) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  TestOp poll(IoOpcode::kPoll, read_end.get());
  poll.poll_events = POLLIN;
  reactor_->Submit(&read);
  reactor_->Submit(&poll);
  EXPECT_EQ(RunOnce(Clock::now()), 0);

  const int fd = read_end.release();
  TestOp close_op(IoOpcode::kClose, fd);
  reactor_->Submit(&close_op);
  RunUntil([&] {
    return read.calls == 1 && poll.calls == 1 && close_op.calls == 1;
  });
  EXPECT_EQ(close_op.result, 0);
  EXPECT_EQ(read.result, -EBADF);
  EXPECT_EQ(poll.result, -EBADF);
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);

  // The fd number, reused by a new pipe, works afresh.
  auto [new_read_end, new_write_end] = MakePipe();
  ExpectAReadToWaitForData(new_read_end, new_write_end);
}

TEST_F(ReactorTest, CancelledOperationOnAClosedFdStaysCancelled) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  SubmitWaiting(read);
  reactor_->Cancel(&read);
  TestOp close_op(IoOpcode::kClose, read_end.release());
  reactor_->Submit(&close_op);
  RunUntil([&] { return read.calls == 1 && close_op.calls == 1; });
  // Asked for: -ECANCELED, whichever cancel got there first.
  EXPECT_THAT(read.result, AnyOf(-ECANCELED, -EBADF));
  EXPECT_EQ(close_op.result, 0);
}

TEST_F(ReactorTest, FdClosedBehindTheReactorsBackAndReusedStillWorks) {
  char buffer[8];
  int number;
  {
    auto [read_end, write_end] = MakePipe();
    number = read_end.get();
    TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
    SubmitWaiting(read);
    reactor_->Cancel(&read);
    RunUntil([&] { return read.calls == 1; });
  }  // closed with plain close(2): the reactor is not told
  auto [read_end, write_end] = MakePipe();
  ASSERT_EQ(read_end.get(), number);  // lowest free fd
  ExpectAReadToWaitForData(read_end, write_end);
}

TEST_F(ReactorTest, InvalidFdsFailWithEbadf) {
  char buffer[4];
  TestOp read(IoOpcode::kRead, -1, buffer, sizeof buffer);
  TestOp poll(IoOpcode::kPoll, -1);
  poll.poll_events = POLLIN;
  TestOp close_op(IoOpcode::kClose, -1);
  reactor_->Submit(&read);
  reactor_->Submit(&poll);
  reactor_->Submit(&close_op);
  RunUntil([&] {
    return read.calls == 1 && poll.calls == 1 && close_op.calls == 1;
  });
  EXPECT_EQ(read.result, -EBADF);
  EXPECT_EQ(poll.result, -EBADF);
  EXPECT_EQ(close_op.result, -EBADF);
}

}  // namespace
}  // namespace weft::reactor_testing
