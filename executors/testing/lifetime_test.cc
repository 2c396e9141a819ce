// A reactor's life: creating one when the process is out of fds, and
// destroying one with operations in flight (executor.h, item 5).

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// What the status names beyond this (the system call, another backend to
// try) is each backend's own test.
TEST_F(ReactorTest, CreateReactorNamesTheCauseWhenOutOfFds) {
  absl::StatusOr<std::unique_ptr<Reactor>> reactor =
      CreateReactorWithoutFreeFds();
  ASSERT_FALSE(reactor.ok());
  EXPECT_EQ(reactor.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(reactor.status().message(), HasSubstr("EMFILE"));
  EXPECT_THAT(reactor.status().message(), HasSubstr("ulimit -n"));
}

TEST_F(ReactorTest, DestroyingTheReactorCancelsEverythingInFlightOnce) {
  auto [read_end, write_end] = MakePipe();
  Fd listener = BoundSocket(/*listening=*/true);
  char buffer[8];
  memset(buffer, 'z', sizeof buffer);
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  TestOp poll(IoOpcode::kPoll, read_end.get());
  poll.poll_events = POLLIN;
  TestOp accept(IoOpcode::kAccept, listener.get());
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 1h;
  TestOp nop(IoOpcode::kNop);
  std::unique_ptr<Reactor> reactor = NewReactor();
  ASSERT_NE(reactor, nullptr);
  for (TestOp* op : {&read, &poll, &accept, &timeout, &nop}) {
    reactor->Submit(op);
  }
  EXPECT_EQ(reactor->InFlight(), 5u);
  reactor.reset();  // before any Run

  for (TestOp* op : {&read, &poll, &accept, &timeout}) {
    EXPECT_EQ(op->calls, 1);
    EXPECT_EQ(op->result, -ECANCELED);
  }
  EXPECT_EQ(nop.calls, 1);  // it had completed: delivered with its result
  EXPECT_EQ(nop.result, 0);
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  EXPECT_EQ(std::string(buffer, sizeof buffer), std::string(8, 'z'));
}

TEST_F(ReactorTest,
       DestroyingTheReactorAfterARunCancelsEverythingInFlightOnce) {
  auto [read_end, write_end] = MakePipe();
  Fd listener = BoundSocket(/*listening=*/true);
  char buffer[8];
  memset(buffer, 'z', sizeof buffer);
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  TestOp poll(IoOpcode::kPoll, read_end.get());
  poll.poll_events = POLLIN;
  TestOp accept(IoOpcode::kAccept, listener.get());
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 1h;
  TestOp nop(IoOpcode::kNop);
  TestOp late_read(IoOpcode::kRead, read_end.get());  // not yet submitted
  late_read.SetBuffer(buffer, sizeof buffer);
  std::unique_ptr<Reactor> reactor = NewReactor();
  ASSERT_NE(reactor, nullptr);
  for (TestOp* op : {&read, &poll, &accept, &timeout, &nop}) {
    reactor->Submit(op);
  }
  EXPECT_EQ(RunOnce(Clock::now(), reactor.get()), 1);  // the nop
  // Submitted since the last Run (a backend that batches submissions has
  // not even started them).
  reactor->Submit(&nop);
  reactor->Submit(&late_read);
  EXPECT_EQ(reactor->InFlight(), 6u);
  reactor.reset();

  for (TestOp* op : {&read, &poll, &accept, &timeout, &late_read}) {
    EXPECT_EQ(op->calls, 1);
    EXPECT_EQ(op->result, -ECANCELED);
  }
  EXPECT_EQ(nop.calls, 2);  // it completed: delivered with its result
  EXPECT_EQ(nop.result, 0);
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  EXPECT_EQ(std::string(buffer, sizeof buffer), std::string(8, 'z'));
}

}  // namespace
}  // namespace weft::reactor_testing
