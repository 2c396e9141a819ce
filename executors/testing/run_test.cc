// Run: what it delivers and when (never from inside Submit), how long it
// waits, and that it still works when another thread drives the reactor.

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ReactorTest, NopCompletesOnNextRunNotInSubmit) {
  TestOp nop(IoOpcode::kNop);
  reactor_->Submit(&nop);
  EXPECT_EQ(nop.calls, 0);
  EXPECT_EQ(reactor_->InFlight(), 1u);

  EXPECT_EQ(RunOnce(std::nullopt), 1);  // ready: must not block
  EXPECT_EQ(nop.calls, 1);
  EXPECT_EQ(nop.result, 0);
  EXPECT_EQ(reactor_->InFlight(), 0u);
  ExpectNothingMore();
}

TEST_F(ReactorTest, OperationSubmittedByACallbackWaitsForTheNextRun) {
  ResubmittingNop nop(reactor_.get(), /*again=*/2);
  reactor_->Submit(&nop);
  for (int turn = 1; turn <= 3; ++turn) {
    EXPECT_EQ(RunOnce(std::nullopt), 1);
    EXPECT_EQ(nop.calls, turn);
  }
  ExpectNothingMore();
}

TEST_F(ReactorTest, UnknownOpcodeFailsWithEinvalOnTheNextRun) {
  TestOp op(static_cast<IoOpcode>(200));
  reactor_->Submit(&op);
  EXPECT_EQ(op.calls, 0);
  EXPECT_EQ(RunOnce(std::nullopt), 1);
  EXPECT_EQ(op.result, -EINVAL);
}

TEST_F(ReactorTest, RunWithPastDeadlineDoesNotBlock) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  reactor_->Submit(&read);  // something to wait for

  const Clock::time_point start = Clock::now();
  EXPECT_EQ(RunOnce(start - 1s), 0);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  // The earliest time point there is: no overflow computing the wait.
  EXPECT_EQ(RunOnce(Clock::time_point::min()), 0);
  EXPECT_LT(Seconds(Clock::now() - start), 1.0);
  EXPECT_EQ(read.calls, 0);
  reactor_->Cancel(&read);
  RunUntil([&] { return read.calls == 1; });
}

TEST_F(ReactorTest, RunWaitsUntilItsDeadline) {
  for (auto wait : {3ms, 200ms}) {
    const Clock::time_point start = Clock::now();
    EXPECT_EQ(RunOnce(start + wait), 0);
    const Clock::duration elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, wait) << "woke early";
    EXPECT_LT(Seconds(elapsed), 5.0);
  }
}

TEST_F(ReactorTest, ImmediateCompletionsDoNotStarveWaitingIo) {
  auto [read_end, write_end] = MakePipe();
  char buffer[4];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  SubmitWaiting(read);
  ASSERT_EQ(write(write_end.get(), "x", 1), 1);

  // A nop that resubmits itself keeps a completion ready at every Run.
  ResubmittingNop busy(reactor_.get(), /*again=*/INT_MAX);
  reactor_->Submit(&busy);
  int runs = 0;
  while (read.calls == 0 && runs < 1000) {
    RunOnce(std::nullopt);
    ++runs;
  }
  EXPECT_EQ(read.calls, 1);
  EXPECT_LT(runs, 100);
  busy.again = 0;
  RunUntil([&] { return reactor_->InFlight() == 0; });
}

TEST_F(ReactorTest, ADifferentDrivingThreadStillGetsWakesAndCompletions) {
  auto [read_end, write_end] = MakePipe();
  char buffer[4] = {};
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);  // this thread submitted and armed

  // The reactor is handed to another thread (as block_in_place does); the
  // thread join and start are the happens-before edges.
  std::thread driver([&] {
    std::thread waker([&] {
      std::this_thread::sleep_for(50ms);
      reactor_->Wake();
    });
    EXPECT_EQ(RunOnce(std::nullopt), 0);  // hangs if the wake is lost
    waker.join();
    ASSERT_EQ(write(write_end.get(), "moved", 4), 4);
    RunUntil([&] { return read.calls == 1; });
  });
  driver.join();
  EXPECT_EQ(read.result, 4);
  EXPECT_EQ(std::string(buffer, 4), "move");

  // And back.
  std::thread waker([this] {
    std::this_thread::sleep_for(50ms);
    reactor_->Wake();
  });
  EXPECT_EQ(RunOnce(std::nullopt), 0);
  waker.join();
}

// The runtime creates a reactor on one thread and drives it from another,
// and block_in_place hands it from one driving thread to the next, always
// with a happens-before edge (here: thread start and join). The thread that
// submitted the read has exited when the next one drives the reactor.
TEST_F(ReactorTest, DrivenByOneThreadAfterAnother) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8] = {};
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  std::thread first([&] {
    reactor_->Submit(&read);
    EXPECT_EQ(RunOnce(Clock::now() + 5ms), 0);
  });
  first.join();
  ASSERT_EQ(::write(write_end.get(), "hop", 3), 3);
  std::thread second([&] { RunUntil([&] { return read.calls == 1; }); });
  second.join();
  EXPECT_EQ(read.result, 3);
  EXPECT_EQ(std::string(buffer, 3), "hop");
}

// An operation outlives the thread that submitted it (on io_uring the
// kernel fails a request of an exited thread with -ECANCELED, which the
// reactor must not report as a cancellation): a send waiting for room...
TEST_F(ReactorTest, AWaitingSendOutlivesTheThreadThatSubmittedIt) {
  auto [ours, peer] = MakeSocketPair();
  ASSERT_TRUE(FillSendBuffer(ours.get()));
  char chunk[4096];
  std::memset(chunk, 'x', sizeof chunk);
  TestOp send(IoOpcode::kSend, ours.get(), chunk, sizeof chunk);
  std::thread submitter([&] { SubmitWaiting(send); });
  submitter.join();
  // Make room (the peer is blocking: read only what is there).
  std::thread driver([&, peer_fd = peer.get()] {
    RunUntil([&] {
      char sink[65536];
      (void)::recv(peer_fd, sink, sizeof sink, MSG_DONTWAIT);
      return send.calls == 1;
    });
  });
  driver.join();
  EXPECT_GT(send.result, 0);
}

// ... while a cancel that was asked for stays a cancel.
TEST_F(ReactorTest, ACancelOfAnOperationWhoseSubmitterExitedIsACancel) {
  auto [ours, peer] = MakeSocketPair();
  char buffer[8] = {};
  TestOp recv(IoOpcode::kRecv, ours.get(), buffer, sizeof buffer);
  std::thread submitter([&] { SubmitWaiting(recv); });
  submitter.join();
  reactor_->Cancel(&recv);
  RunUntil([&] { return recv.calls == 1; });
  EXPECT_EQ(recv.result, -ECANCELED);
  // What the peer sends next is left for the next reader.
  ASSERT_EQ(::write(peer.get(), "x", 1), 1);
  char byte = 0;
  EXPECT_EQ(::read(ours.get(), &byte, 1), 1);
  EXPECT_EQ(byte, 'x');
}

}  // namespace
}  // namespace weft::reactor_testing
