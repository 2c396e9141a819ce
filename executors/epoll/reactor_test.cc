// What the epoll Reactor promises beyond the reactor conformance suite
// (executors/testing/, run on this backend as :reactor_conformance_test):
// its registration, the system call its out-of-fds status names, and two
// promises that not every backend keeps: operations of one direction on one
// fd complete in the order they were submitted, and a cancel requested
// before the Run wins over data or a timer that is already there.

#include <errno.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using reactor_testing::Clock;
using reactor_testing::MakePipe;
using reactor_testing::MakeSocketPair;
using reactor_testing::ReactorTest;
using reactor_testing::TestOp;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST_F(ReactorTest, RegisteredAsEpollBelowUring) {
  EXPECT_EQ(executor_->name(), "epoll");
  for (const ExecutorRegistration& registration : LinkedExecutors()) {
    if (registration.name == "epoll") {
      EXPECT_EQ(registration.preference, 1);
    }
  }
}

TEST_F(ReactorTest, OutOfFdsStatusNamesEpollCreate1) {
  absl::StatusOr<std::unique_ptr<Reactor>> reactor =
      CreateReactorWithoutFreeFds();
  ASSERT_FALSE(reactor.ok());
  EXPECT_THAT(reactor.status().message(), HasSubstr("epoll_create1"));
}

TEST_F(ReactorTest, TwoPendingReadsOnOneFdCompleteInOrder) {
  auto [read_end, write_end] = MakePipe();
  std::vector<const TestOp*> order;
  char first_buffer[3], second_buffer[3];
  TestOp first(IoOpcode::kRead, read_end.get());
  first.SetBuffer(first_buffer, 3);
  first.order = &order;
  TestOp second(IoOpcode::kRead, read_end.get());
  second.SetBuffer(second_buffer, 3);
  second.order = &order;
  reactor_->Submit(&first);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
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
  TestOp write(IoOpcode::kWrite, left.get());
  write.SetBuffer(first, 10);
  char second[] = "over send";
  TestOp send(IoOpcode::kSend, left.get());
  send.SetBuffer(second, 9);
  reactor_->Submit(&write);
  reactor_->Submit(&send);
  RunUntil([&] { return write.calls == 1 && send.calls == 1; });
  EXPECT_EQ(write.result, 10);
  EXPECT_EQ(send.result, 9);

  char buffer[10] = {};
  TestOp read(IoOpcode::kRead, right.get());
  read.SetBuffer(buffer, 10);
  reactor_->Submit(&read);
  RunUntil([&] { return read.calls == 1; });
  ASSERT_EQ(read.result, 10);
  EXPECT_EQ(std::string(buffer, 10), "over write");

  TestOp recv(IoOpcode::kRecv, right.get());
  recv.SetBuffer(buffer, 10);
  reactor_->Submit(&recv);
  RunUntil([&] { return recv.calls == 1; });
  ASSERT_EQ(recv.result, 9);
  EXPECT_EQ(std::string(buffer, 9), "over send");
}

TEST_F(ReactorTest, CancelWinsOverDataThatArrivedBeforeTheRun) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  reactor_->Cancel(&read);
  RunUntil([&] { return read.calls == 1; });
  ExpectNothingMore();
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(read.result, -ECANCELED);
}

// From 0 ms on: the cancels win even over timers already due at the Run.
TEST_F(ReactorTest,
       ManyTimeoutsFromZeroFireInDeadlineOrderAndCancelledOnesDoNot) {
  ExpectManyTimeoutsInDeadlineOrder(/*shortest=*/0ms);
}

}  // namespace
}  // namespace weft
