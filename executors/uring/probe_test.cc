// Tests of the io_uring probe and of the statuses that explain a failure.
// The real EPERM (a seccomp filter) is tested end to end by
// //executors/uring/fault; here the messages are checked for every cause.

#include "executors/uring/probe.h"

#include <errno.h>

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
