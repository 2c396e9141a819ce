// A reactor's life: creating one when the process is out of fds, and
// destroying one with operations in flight (executor.h, item 5).

#include <errno.h>

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using ::testing::HasSubstr;

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
  WaitingOps waiting;
  TestOp nop(IoOpcode::kNop);
  std::unique_ptr<Reactor> reactor = NewReactor();
  ASSERT_NE(reactor, nullptr);
  for (TestOp* op : waiting.all()) reactor->Submit(op);
  reactor->Submit(&nop);
  EXPECT_EQ(reactor->InFlight(), 5u);
  reactor.reset();  // before any Run

  for (TestOp* op : waiting.all()) {
    EXPECT_TRUE(CompletedOnceWith(*op, -ECANCELED));
  }
  // It had completed: delivered with its result.
  EXPECT_TRUE(CompletedOnceWith(nop, 0));
  waiting.ExpectTheReadToIgnoreNewData();
}

TEST_F(ReactorTest,
       DestroyingTheReactorAfterARunCancelsEverythingInFlightOnce) {
  WaitingOps waiting;
  TestOp nop(IoOpcode::kNop);
  TestOp late_read(IoOpcode::kRead, waiting.read_end.get(), waiting.buffer,
                   sizeof waiting.buffer);  // not yet submitted
  std::unique_ptr<Reactor> reactor = NewReactor();
  ASSERT_NE(reactor, nullptr);
  for (TestOp* op : waiting.all()) reactor->Submit(op);
  reactor->Submit(&nop);
  EXPECT_EQ(RunOnce(Clock::now(), reactor.get()), 1);  // the nop
  // Submitted since the last Run (a backend that batches submissions has
  // not even started them).
  reactor->Submit(&nop);
  reactor->Submit(&late_read);
  EXPECT_EQ(reactor->InFlight(), 6u);
  reactor.reset();

  for (TestOp* op : waiting.all()) {
    EXPECT_TRUE(CompletedOnceWith(*op, -ECANCELED));
  }
  EXPECT_TRUE(CompletedOnceWith(late_read, -ECANCELED));
  EXPECT_EQ(nop.calls, 2);  // it completed: delivered with its result
  EXPECT_EQ(nop.result, 0);
  waiting.ExpectTheReadToIgnoreNewData();
}

}  // namespace
}  // namespace weft::reactor_testing
