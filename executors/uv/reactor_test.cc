// What the libuv Reactor promises beyond the reactor conformance suite
// (executors/testing/, run on this backend as :reactor_conformance_test):
// its registration, the call its out-of-fds status names, and, through
// UvPoller itself, what is particular to libuv: its handles, uv_loop_close
// succeeding at destruction in the middle of things, and the thread pool.
// The stronger promises it shares with epoll (FIFO order on one fd, a cancel
// before the Run wins) are in //executors/testing:ordered_reactor_conformance,
// which :reactor_conformance_test runs here.
//
// Every test here and in the suite ends by checking that uv_loop_close
// succeeded (loop_close_check.cc).

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/common/readiness_reactor.h"
#include "executors/testing/reactor_fixture.h"
#include "executors/uv/uv_poller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using reactor_testing::BoundSocket;
using reactor_testing::Clock;
using reactor_testing::CompletedOnceWith;
using reactor_testing::Fd;
using reactor_testing::FillSendBuffer;
using reactor_testing::MakePipe;
using reactor_testing::MakeSocketPair;
using reactor_testing::ManyFileReads;
using reactor_testing::ReactorTest;
using reactor_testing::TemporaryFile;
using reactor_testing::TestOp;
using reactor_testing::WaitingOps;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST_F(ReactorTest, RegisteredAsUv) {
  // (Its preference is the table's: RegisteredAsItsTableRowSays.)
  EXPECT_EQ(executor_->name(), "uv");
}

TEST_F(ReactorTest, OutOfFdsStatusNamesUvLoopInit) {
  absl::StatusOr<std::unique_ptr<Reactor>> reactor =
      CreateReactorWithoutFreeFds();
  ASSERT_FALSE(reactor.ok());
  EXPECT_THAT(reactor.status().message(), HasSubstr("uv_loop_init"));
}

// What is particular to libuv, through UvPoller itself: its handles, and
// uv_loop_close succeeding at destruction in the middle of things.
class UvPollerTest : public ReactorTest {
 protected:
  void SetUp() override {
    busy_before_ = uv::UvPoller::BusyLoopCloses();
    ReactorTest::SetUp();
    // The uv executor's reactors are the readiness core over a UvPoller.
    uv_ = &static_cast<uv::UvPoller&>(
        static_cast<executors_common::ReadinessReactor*>(reactor_.get())
            ->poller());
  }

  void TearDown() override {
    uv_ = nullptr;
    ReactorTest::TearDown();
  }

  void DestroyReactor() {
    uv_ = nullptr;
    reactor_.reset();
  }

  // The loop's handles (libuv's internal ones excluded, closing ones
  // included): 2 when idle, the reactor's uv_async_t and uv_timer_t.
  int Handles() {
    int count = 0;
    uv_walk(
        uv_->loop(), [](uv_handle_t*, void* arg) { ++*static_cast<int*>(arg); },
        &count);
    return count;
  }

  // The loop's started uv_poll_t handles.
  int StartedPollHandles() {
    int count = 0;
    uv_walk(
        uv_->loop(),
        [](uv_handle_t* handle, void* arg) {
          if (handle->type == UV_POLL && uv_is_active(handle)) {
            ++*static_cast<int*>(arg);
          }
        },
        &count);
    return count;
  }

  static constexpr int kIdleHandles = 2;

  uv::UvPoller* uv_ = nullptr;
  int64_t busy_before_ = 0;
};

TEST_F(UvPollerTest, OnePollHandlePerFdStoppedWithItsLastOperation) {
  EXPECT_EQ(Handles(), kIdleHandles);
  auto [read_end, write_end] = MakePipe();
  char first_buffer[4], second_buffer[4];
  TestOp first(IoOpcode::kRead, read_end.get(), first_buffer,
               sizeof first_buffer);
  TestOp second(IoOpcode::kRead, read_end.get(), second_buffer,
                sizeof second_buffer);
  reactor_->Submit(&first);
  reactor_->Submit(&second);
  EXPECT_EQ(Handles(), kIdleHandles + 1);  // two reads, one uv_poll_t

  auto [left, right] = MakeSocketPair();
  ASSERT_TRUE(FillSendBuffer(left.get()));
  std::vector<char> chunk(4096, 'w');
  TestOp write(IoOpcode::kWrite, left.get(), chunk.data(), chunk.size());
  char in[4];
  TestOp read(IoOpcode::kRead, left.get(), in, sizeof in);
  reactor_->Submit(&write);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  EXPECT_EQ(Handles(), kIdleHandles + 2);  // a read and a write, one handle

  ASSERT_EQ(::write(write_end.get(), "ab", 2), 2);
  RunUntil([&] { return first.calls == 1; });
  EXPECT_EQ(second.calls, 0);
  EXPECT_EQ(Handles(), kIdleHandles + 2);  // `second` still waits

  EXPECT_EQ(StartedPollHandles(), 2);

  for (TestOp* op : {&second, &write, &read}) reactor_->Cancel(op);
  RunUntil([&] { return reactor_->InFlight() == 0; });
  EXPECT_EQ(StartedPollHandles(), 0);
  EXPECT_EQ(Handles(), kIdleHandles + 2);  // kept, stopped, for the next wait

  // Closed with the fd.
  TestOp close_pipe(IoOpcode::kClose, read_end.release());
  TestOp close_socket(IoOpcode::kClose, left.release());
  reactor_->Submit(&close_pipe);
  reactor_->Submit(&close_socket);
  RunUntil([&] { return close_pipe.calls == 1 && close_socket.calls == 1; });
  ExpectNothingMore();  // a loop turn runs the close callbacks
  EXPECT_EQ(Handles(), kIdleHandles);
}

TEST_F(UvPollerTest, AStoppedHandleWhoseFdWasReusedByAFileFailsItsWaiters) {
  auto [read_end, write_end] = MakePipe();
  const int number = read_end.get();
  {
    char buffer[4];
    TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
    SubmitWaiting(read);
    reactor_->Cancel(&read);
    RunUntil([&] { return read.calls == 1; });
  }
  read_end.reset();  // closed with plain close(2): the reactor is not told
  Fd file = TemporaryFile();
  ASSERT_EQ(file.get(), number);  // lowest free fd
  TestOp poll(IoOpcode::kPoll, file.get());
  poll.poll_events = POLLIN;
  reactor_->Submit(&poll);
  RunUntil([&] { return poll.calls == 1; });
  EXPECT_EQ(poll.result, POLLIN);  // unpollable: ready at once, as epoll's
}

TEST_F(UvPollerTest, LoopClosesCleanlyAfterOperationsWereCancelledMidFlight) {
  auto [read_end, write_end] = MakePipe();
  auto [left, right] = MakeSocketPair();
  ASSERT_TRUE(FillSendBuffer(left.get()));
  Fd listener = BoundSocket(/*listening=*/true);
  Fd file = TemporaryFile();
  ASSERT_GE(file.get(), 0);

  char buffer[8];
  memset(buffer, 'z', sizeof buffer);
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  std::vector<char> chunk(4096, 's');
  TestOp send(IoOpcode::kSend, left.get(), chunk.data(), chunk.size());
  TestOp poll(IoOpcode::kPoll, right.get());
  poll.poll_events = POLLPRI;
  TestOp accept(IoOpcode::kAccept, listener.get());
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 1h;
  char file_buffer[16];
  TestOp file_read(IoOpcode::kRead, file.get(), file_buffer,
                   sizeof file_buffer);
  file_read.offset = 0;
  std::vector<TestOp*> ops = {&read, &send, &poll, &accept, &timeout};
  for (TestOp* op : ops) reactor_->Submit(op);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  EXPECT_EQ(Handles(), kIdleHandles + 4);  // pipe, socket pair x2, listener
  // After that Run: the thread pool may finish it at any time, but only a
  // Run delivers it, so it is still in flight when cancelled below.
  reactor_->Submit(&file_read);
  ops.push_back(&file_read);

  std::thread canceller([&] {
    for (TestOp* op : ops) reactor_->Cancel(op);
  });
  canceller.join();
  RunUntil([&] { return reactor_->InFlight() == 0; });
  for (TestOp* op : ops) {
    EXPECT_EQ(op->calls, 1);
    if (op != &file_read) {
      EXPECT_EQ(op->result, -ECANCELED);
    }
  }
  EXPECT_TRUE(file_read.result == -ECANCELED || file_read.result == 0)
      << file_read.result;  // an empty file: 0 bytes, if it won the race

  ASSERT_EQ(::write(write_end.get(), "abc", 3), 3);
  ExpectNothingMore();
  EXPECT_EQ(std::string(buffer, sizeof buffer), std::string(8, 'z'));
  EXPECT_EQ(StartedPollHandles(), 0);
  DestroyReactor();
  EXPECT_EQ(uv::UvPoller::BusyLoopCloses(), busy_before_);
}

TEST_F(UvPollerTest, LoopClosesCleanlyWhenDestroyedWithHandlesOpen) {
  WaitingOps waiting;
  for (TestOp* op : waiting.all()) reactor_->Submit(op);
  EXPECT_EQ(RunOnce(Clock::now()), 0);  // the handles are started

  // One more watch whose handle is stopped, and a cancel request the
  // reactor has not seen yet.
  auto [other_read, other_write] = MakePipe();
  TestOp closing(IoOpcode::kRead, other_read.get(), waiting.buffer,
                 sizeof waiting.buffer);
  SubmitWaiting(closing);
  reactor_->Cancel(&closing);
  EXPECT_EQ(RunOnce(Clock::now()), 1);  // stops that handle
  reactor_->Cancel(&waiting.timeout);
  EXPECT_EQ(Handles(), kIdleHandles + 3);

  DestroyReactor();
  EXPECT_EQ(uv::UvPoller::BusyLoopCloses(), busy_before_);
  for (TestOp* op : waiting.all()) {
    EXPECT_TRUE(CompletedOnceWith(*op, -ECANCELED));
  }
  EXPECT_EQ(closing.calls, 1);
  waiting.ExpectTheReadToIgnoreNewData();
}

TEST_F(UvPollerTest, DestroyWaitsForTheThreadPoolToGiveBuffersBack) {
  ManyFileReads reads;
  ASSERT_TRUE(reads.ok());
  reads.SubmitTo(*reactor_);
  DestroyReactor();  // at once: most are queued, some are being read
  EXPECT_EQ(uv::UvPoller::BusyLoopCloses(), busy_before_);
  reads.ExpectEachCompletedOnce();
}

}  // namespace
}  // namespace weft
