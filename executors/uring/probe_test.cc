// Tests of the io_uring probe and of the statuses that explain a failure.
// The real EPERM (a seccomp filter) is tested end to end by
// //executors/uring/fault; here the messages are checked for every cause.

#include "executors/uring/probe.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace weft::uring {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

constexpr char kRemedy[] =
    "; build with --config=epoll, or use auto to fall back";

TEST(ProbeTest, IoUringWorksHereAndTheAnswerIsCached) {
  absl::StatusOr<UringCapabilities> first = ProbeIoUring();
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<UringCapabilities> second = ProbeIoUring();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->multishot_poll, second->multishot_poll);
  EXPECT_EQ(first->cancel_by_fd, second->cancel_by_fd);
  RecordProperty("multishot_poll", first->multishot_poll);
  RecordProperty("cancel_by_fd", first->cancel_by_fd);
  RecordProperty("sync_cancel", first->sync_cancel);
  EXPECT_EQ(first->sync_cancel, second->sync_cancel);
}

// Whether this kernel's multishot poll on a readable eventfd posts an event
// that says more will follow, asked directly (one poll, nothing else).
bool KernelHasMultishotPoll() {
  io_uring ring;
  if (io_uring_queue_init(4, &ring, 0) < 0) return false;
  const int event_fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_poll_multishot(sqe, event_fd, POLLIN);
  bool more = false;
  io_uring_cqe* cqe;
  if (io_uring_submit_and_wait(&ring, 1) == 1 &&
      io_uring_peek_cqe(&ring, &cqe) == 0) {
    more = cqe->res > 0 && (cqe->flags & IORING_CQE_F_MORE) != 0;
  }
  close(event_fd);
  io_uring_queue_exit(&ring);
  return more;
}

// The probe must not miss the feature: without it every wake-up of a uring
// reactor re-arms its poll (three system calls more per wake-up).
TEST(ProbeTest, FindsMultishotPollWhereTheKernelHasIt) {
  absl::StatusOr<UringCapabilities> capabilities = ProbeIoUring();
  ASSERT_TRUE(capabilities.ok()) << capabilities.status();
  EXPECT_EQ(capabilities->multishot_poll, KernelHasMultishotPoll());
}

TEST(ProbeTest, EnosysSaysTheKernelIsTooOld) {
  absl::Status status = UringError(ENOSYS, "io_uring_setup");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("io_uring_setup failed (ENOSYS)"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("kernel too old for io_uring"));
  EXPECT_THAT(std::string(status.message()), EndsWith(kRemedy));
}

TEST(ProbeTest, EpermNamesSeccompAndTheSysctl) {
  absl::Status status = UringError(EPERM, "io_uring_setup");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("io_uring_setup failed (EPERM)"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("io_uring blocked by seccomp or "
                        "kernel.io_uring_disabled (it is "));
  EXPECT_THAT(std::string(status.message()), EndsWith(kRemedy));
}

TEST(ProbeTest, EnomemNamesTheMemlockLimit) {
  absl::Status status = UringError(ENOMEM, "io_uring_setup");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("memlock limit (ulimit -l, now "));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(") too low for the ring"));
  EXPECT_THAT(std::string(status.message()), EndsWith(kRemedy));
}

TEST(ProbeTest, OtherErrorsSayWhatTheyAre) {
  absl::Status status = UringError(EINVAL, "io_uring_enter");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("io_uring_enter failed (EINVAL): Invalid argument"));
  EXPECT_THAT(std::string(status.message()), EndsWith(kRemedy));
}

TEST(ProbeTest, MissingOpcodeIsNamed) {
  absl::Status status = MissingOpcodeError("IORING_OP_RECV", "5.6");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("the kernel does not support IORING_OP_RECV (Linux "
                        "5.6 or later needed)"));
  EXPECT_THAT(std::string(status.message()), EndsWith(kRemedy));
}

}  // namespace
}  // namespace weft::uring
