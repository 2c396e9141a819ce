// Regular files: read and written at offsets or at the file position, and
// polled, whatever the backend does with them (at once, in the kernel, in a
// thread pool); and cancelled, at whatever stage they are.

#include <poll.h>
#include <unistd.h>

#include <string>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

TEST_F(ReactorTest, RegularFileIsReadAndWrittenAtOffsets) {
  Fd file = TemporaryFile();
  ASSERT_GE(file.get(), 0);

  char contents[] = "file contents";
  TestOp write(IoOpcode::kWrite, file.get(), contents, 13);
  write.offset = 0;
  reactor_->Submit(&write);
  EXPECT_EQ(write.calls, 0);
  RunUntil([&] { return write.calls == 1; });
  EXPECT_EQ(write.result, 13);
  EXPECT_EQ(lseek(file.get(), 0, SEEK_CUR), 0);  // pwrite: position unmoved

  char buffer[32] = {};
  TestOp positioned(IoOpcode::kRead, file.get(), buffer, sizeof buffer);
  positioned.offset = 5;
  reactor_->Submit(&positioned);
  EXPECT_EQ(positioned.calls, 0);
  RunUntil([&] { return positioned.calls == 1; });
  ASSERT_EQ(positioned.result, 8);
  EXPECT_EQ(std::string(buffer, 8), "contents");

  // Offset -1: at the file position, which the read moves.
  ASSERT_EQ(lseek(file.get(), 0, SEEK_SET), 0);
  TestOp whole(IoOpcode::kRead, file.get(), buffer, sizeof buffer);
  reactor_->Submit(&whole);
  RunUntil([&] { return whole.calls == 1; });
  ASSERT_EQ(whole.result, 13);
  EXPECT_EQ(std::string(buffer, 13), "file contents");

  ASSERT_EQ(lseek(file.get(), 5, SEEK_SET), 5);
  TestOp current(IoOpcode::kRead, file.get(), buffer, 4);
  reactor_->Submit(&current);
  RunUntil([&] { return current.calls == 1; });
  ASSERT_EQ(current.result, 4);
  EXPECT_EQ(std::string(buffer, 4), "cont");
  EXPECT_EQ(lseek(file.get(), 0, SEEK_CUR), 9);

  // Not every readiness mechanism takes a regular file (epoll_ctl and
  // libuv's poll refuse one); a file is always ready.
  TestOp poll(IoOpcode::kPoll, file.get());
  poll.poll_events = POLLIN | POLLOUT;
  reactor_->Submit(&poll);
  EXPECT_EQ(poll.calls, 0);
  RunUntil([&] { return poll.calls == 1; });
  EXPECT_EQ(poll.result, POLLIN | POLLOUT);
}

// A cancelled regular-file operation completes exactly once: -ECANCELED if
// it had not started, else with its real result.
TEST_F(ReactorTest, CancelOfRegularFileOperationsCompletesEachOnce) {
  ManyFileReads reads;
  ASSERT_TRUE(reads.ok());
  reads.SubmitTo(*reactor_);
  reads.CancelIn(*reactor_);
  RunUntil([&] { return reactor_->InFlight() == 0; });
  const int cancelled = reads.ExpectEachCompletedOnce();
  ExpectNothingMore();
  RecordProperty("cancelled", cancelled);
}

}  // namespace
}  // namespace weft::reactor_testing
