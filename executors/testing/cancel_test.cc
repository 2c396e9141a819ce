// Cancel: from the driving thread or another one, before or after the
// operation completed or was delivered, and racing with its completion.
// Every operation completes exactly once, and a cancelled one leaves its
// buffer alone.

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using ::testing::AnyOf;
using namespace std::chrono_literals;

TEST_F(ReactorTest, CancelOfAPendingReadCompletesOnceAndLeavesTheBuffer) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  memset(buffer, 'z', sizeof buffer);
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  SubmitWaiting(read);

  reactor_->Cancel(&read);
  EXPECT_EQ(read.calls, 0);  // never from inside Cancel
  EXPECT_EQ(RunOnce(std::nullopt), 1);
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(read.result, -ECANCELED);
  EXPECT_EQ(reactor_->InFlight(), 0u);

  // Data that arrives afterwards is not read into the buffer.
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  ExpectNothingMore();
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(std::string(buffer, sizeof buffer), std::string(8, 'z'));
  char left[4];
  EXPECT_EQ(::read(read_end.get(), left, sizeof left), 3);
}

// The read and its cancel both wait for the next Run, with data already
// there: either may win, but only once. (Where a backend promises that the
// cancel wins, cancel_before_run_test.cc checks that.)
TEST_F(ReactorTest, CancelOfAReadWithDataWaitingCompletesOnce) {
  EXPECT_THAT(CancelAReadWithDataWaiting(), AnyOf(3, -ECANCELED));
}

TEST_F(ReactorTest, CancelFromAnotherThread) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  SubmitWaiting(read);

  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    reactor_->Cancel(&read);
  });
  EXPECT_EQ(RunOnce(std::nullopt), 1);  // the cancel wakes this Run
  canceller.join();
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(read.result, -ECANCELED);
  ExpectNothingMore();
}

TEST_F(ReactorTest, CancelOfACompletedButUndeliveredOpKeepsItsResult) {
  InstantOps ops;
  // Room to write: both are done before the cancels act.
  for (TestOp* op : ops.all()) reactor_->Submit(op);
  CancelTooLate(ops);
}

TEST_F(ReactorTest, CancelAfterDeliveryIsIgnoredEvenIfTheMemoryIsReused) {
  // Cancel may race with delivery (executor.h, item 3): a request that
  // arrives after the operation was delivered, and its memory reused for a
  // new operation, must not cancel the new one. What identifies the
  // operation to a deferred cancel is in its backend_state, which Cancel
  // reads while it is called: here, as it was while the nop was in flight,
  // and as the nop's delivery left it.
  auto [read_end, write_end] = MakePipe();
  char buffer[4];
  TestOp op(IoOpcode::kNop);
  reactor_->Submit(&op);
  IoOperation in_flight;
  std::copy(std::begin(op.backend_state), std::end(op.backend_state),
            in_flight.backend_state);
  EXPECT_EQ(RunOnce(std::nullopt), 1);
  IoOperation delivered;
  std::copy(std::begin(op.backend_state), std::end(op.backend_state),
            delivered.backend_state);
  // The same memory, now a read that waits.
  op.opcode = IoOpcode::kRead;
  op.fd = read_end.get();
  op.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&op);
  for (const IoOperation* stale : {&in_flight, &delivered}) {
    ASSERT_FALSE(std::equal(std::begin(op.backend_state),
                            std::end(op.backend_state),
                            std::begin(stale->backend_state)))
        << "the read cannot be told from the nop";
  }
  // Late Cancels of the nop: what they read is the nop's state.
  reactor_->Cancel(&in_flight);
  reactor_->Cancel(&delivered);
  EXPECT_EQ(RunOnce(Clock::now() + 50ms), 0);
  EXPECT_EQ(op.calls, 1);  // the read is still waiting
  ASSERT_EQ(write(write_end.get(), "ok", 2), 2);
  RunUntil([&] { return op.calls == 2; });
  EXPECT_EQ(op.result, 2);
}

// The runtime's side of the protocol: a cancel is requested only while the
// completion has not been seen, under the lock the completion takes.
TEST_F(ReactorTest, CancelRacingWithCompletionCompletesExactlyOnce) {
  struct GuardedOp : TestOp {
    explicit GuardedOp(int fd) : TestOp(IoOpcode::kRead, fd) {
      complete = [](void* context, int32_t result) {
        auto* self = static_cast<GuardedOp*>(context);
        std::lock_guard lock(self->mu);
        TestOp::Record(context, result);
      };
    }
    std::mutex mu;
  };
  int cancelled = 0;
  for (int i = 0; i < 200; ++i) {
    auto [read_end, write_end] = MakePipe();
    char buffer[4];
    GuardedOp read(read_end.get());
    read.SetBuffer(buffer, sizeof buffer);
    SubmitWaiting(read);

    std::thread writer(
        [fd = write_end.get()] { EXPECT_EQ(::write(fd, "x", 1), 1); });
    std::thread canceller([&] {
      std::lock_guard lock(read.mu);
      if (read.calls == 0) reactor_->Cancel(&read);
    });
    RunUntil([&] {
      std::lock_guard lock(read.mu);
      return read.calls == 1;
    });
    writer.join();
    canceller.join();
    EXPECT_EQ(RunOnce(Clock::now()), 0);
    std::lock_guard lock(read.mu);
    EXPECT_EQ(read.calls, 1);
    EXPECT_TRUE(read.result == 1 || read.result == -ECANCELED) << read.result;
    cancelled += read.result == -ECANCELED;
  }
  EXPECT_EQ(reactor_->InFlight(), 0u);
  RecordProperty("cancelled", cancelled);
}

}  // namespace
}  // namespace weft::reactor_testing
