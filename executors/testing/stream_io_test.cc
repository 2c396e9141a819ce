// Reads, writes, sends and receives on pipes and socket pairs: data, end of
// stream, a closed peer, and several operations waiting on one fd.

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ReactorTest, WriteThenReadOnAPipe) {
  auto [read_end, write_end] = MakePipe();
  char message[] = "hello";
  TestOp write(IoOpcode::kWrite, write_end.get(), message, 5);
  EXPECT_EQ(SubmitAndWait(write), 5);
  EXPECT_EQ(Receive(IoOpcode::kRead, read_end.get(), 16), "hello");
}

// One write at a time: a backend need not order two writes in flight on one
// fd (where it does, fifo_order_test.cc checks that they land in order).
TEST_F(ReactorTest, ReadWriteSendRecvOnASocketPair) {
  auto [left, right] = MakeSocketPair();
  char first[] = "over write";
  TestOp write(IoOpcode::kWrite, left.get(), first, 10);
  EXPECT_EQ(SubmitAndWait(write), 10);
  char second[] = "over send";
  TestOp send(IoOpcode::kSend, left.get(), second, 9);
  EXPECT_EQ(SubmitAndWait(send), 9);

  EXPECT_EQ(Receive(IoOpcode::kRead, right.get(), 10), "over write");
  EXPECT_EQ(Receive(IoOpcode::kRecv, right.get(), 10), "over send");
}

TEST_F(ReactorTest, ReadWaitsForDataWrittenByAnotherThread) {
  auto [read_end, write_end] = MakePipe();
  char buffer[16] = {};
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  SubmitWaiting(read);
  EXPECT_EQ(read.calls, 0);

  std::thread writer([fd = write_end.get()] {
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(::write(fd, "late", 4), 4);
  });
  EXPECT_EQ(RunOnce(std::nullopt), 1);  // the data is what ends this Run
  writer.join();
  EXPECT_EQ(read.calls, 1);
  ASSERT_EQ(read.result, 4);
  EXPECT_EQ(std::string(buffer, 4), "late");
}

TEST_F(ReactorTest, RecvAtEndOfStreamCompletesWithZero) {
  auto [left, right] = MakeSocketPair();
  char buffer[8];
  TestOp waiting(IoOpcode::kRecv, left.get(), buffer, sizeof buffer);
  SubmitWaiting(waiting);

  right.reset();  // the peer hangs up while the recv waits
  RunUntil([&] { return waiting.calls == 1; });
  EXPECT_EQ(waiting.result, 0);

  TestOp immediate(IoOpcode::kRecv, left.get(), buffer, sizeof buffer);
  EXPECT_EQ(SubmitAndWait(immediate), 0);
}

TEST_F(ReactorTest, ReadAtEndOfPipeCompletesWithZero) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  SubmitWaiting(read);
  write_end.reset();  // a pipe reports this as a hang-up alone
  RunUntil([&] { return read.calls == 1; });
  EXPECT_EQ(read.result, 0);
}

TEST_F(ReactorTest, WaitingSendFailsWithEpipeWhenThePeerCloses) {
  auto [left, right] = MakeSocketPair();
  std::vector<char> chunk(4096, 's');
  ASSERT_TRUE(FillSendBuffer(left.get()));
  TestOp send(IoOpcode::kSend, left.get(), chunk.data(), chunk.size());
  SubmitWaiting(send);
  right.reset();
  RunUntil([&] { return send.calls == 1; });
  EXPECT_EQ(send.result, -EPIPE);
}

TEST_F(ReactorTest, SendToAClosedPeerIsEpipeWithoutSigpipe) {
  auto [left, right] = MakeSocketPair();
  right.reset();
  char message[] = "lost";
  TestOp send(IoOpcode::kSend, left.get(), message, 4);
  EXPECT_EQ(SubmitAndWait(send), -EPIPE);  // and the process is still alive
}

// Both complete, in either order: a backend need not order two reads
// waiting on one fd (where it does, fifo_order_test.cc checks the order).
TEST_F(ReactorTest, TwoPendingReadsOnOneFdBothComplete) {
  auto [read_end, write_end] = MakePipe();
  char first_buffer[3], second_buffer[3];
  TestOp first(IoOpcode::kRead, read_end.get(), first_buffer, 3);
  TestOp second(IoOpcode::kRead, read_end.get(), second_buffer, 3);
  SubmitWaiting(first);
  ASSERT_EQ(write(write_end.get(), "abcdef", 6), 6);
  reactor_->Submit(&second);
  RunUntil([&] { return first.calls == 1 && second.calls == 1; });
  EXPECT_EQ(first.result, 3);
  EXPECT_EQ(second.result, 3);
  std::string both =
      std::string(first_buffer, 3) + std::string(second_buffer, 3);
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, "abcdef");
}

TEST_F(ReactorTest, ReadAndWritePendingOnOneFd) {
  auto [left, right] = MakeSocketPair();
  std::vector<char> chunk(4096, 'w');
  ASSERT_TRUE(FillSendBuffer(left.get()));

  char in[8] = {};
  TestOp read(IoOpcode::kRead, left.get(), in, sizeof in);
  TestOp write(IoOpcode::kWrite, left.get(), chunk.data(), chunk.size());
  reactor_->Submit(&write);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  EXPECT_EQ(reactor_->InFlight(), 2u);

  ASSERT_EQ(::write(right.get(), "r", 1), 1);
  RunUntil([&] { return read.calls == 1; });
  EXPECT_EQ(read.result, 1);
  EXPECT_EQ(in[0], 'r');
  EXPECT_EQ(write.calls, 0);

  std::vector<char> drain(1 << 16);
  while (recv(right.get(), drain.data(), drain.size(), MSG_DONTWAIT) > 0) {
  }
  RunUntil([&] { return write.calls == 1; });
  EXPECT_GT(write.result, 0);
}

}  // namespace
}  // namespace weft::reactor_testing
