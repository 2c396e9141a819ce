// What the epoll Reactor promises beyond the reactor conformance suite
// (executors/testing/, run on this backend as :reactor_conformance_test):
// its registration and the system call its out-of-fds status names. The
// stronger promises it shares with libuv (FIFO order on one fd, a cancel
// before the Run wins) are in //executors/testing:ordered_reactor_conformance,
// which :reactor_conformance_test runs here.

#include <memory>

#include "absl/status/statusor.h"
#include "executors/testing/reactor_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using reactor_testing::ReactorTest;
using ::testing::HasSubstr;

TEST_F(ReactorTest, RegisteredAsEpoll) {
  // (Its preference is the table's: RegisteredAsItsTableRowSays.)
  EXPECT_EQ(executor_->name(), "epoll");
}

TEST_F(ReactorTest, OutOfFdsStatusNamesEpollCreate1) {
  absl::StatusOr<std::unique_ptr<Reactor>> reactor =
      CreateReactorWithoutFreeFds();
  ASSERT_FALSE(reactor.ok());
  EXPECT_THAT(reactor.status().message(), HasSubstr("epoll_create1"));
}

}  // namespace
}  // namespace weft
