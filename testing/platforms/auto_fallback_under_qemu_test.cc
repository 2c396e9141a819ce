// What a Linux arm64 build does under qemu-user (bazel test --config=arm64):
// qemu-aarch64 does not implement io_uring_setup, so the uring backend cannot
// start there. The `auto` build (uring and epoll linked) must fall back to
// epoll, say why (ENOSYS from io_uring_setup) in BackendInfo and once on
// stderr, and then run work; asking for uring by name must fail with the same
// reason. These are assertions, not skips: a qemu that starts io_uring, or a
// fallback that goes quiet, fails this test (docs/PLATFORMS.md).

#include <chrono>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

weft::Task<int> SleepThenAdd(int a, int b) {
  co_await weft::sleep(1ms);
  co_return a + b;
}

weft::Task<int> SpawnAndJoin() {
  weft::JoinResult<int> joined = co_await weft::spawn(SleepThenAdd(40, 2));
  co_return joined.has_value() ? *joined : -1;
}

TEST(AutoFallbackUnderQemuTest, AutoFallsBackToEpollAndSaysWhy) {
  // The conformance targets set WEFT_BACKEND; this test wants the build's own
  // choice, `auto`.
  unsetenv("WEFT_BACKEND");
  testing::internal::CaptureStderr();
  absl::StatusOr<weft::Runtime> rt =
      weft::Runtime::Builder::multi_thread().worker_threads(2).build();
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(rt.ok()) << rt.status();

  const weft::BackendInfo info = rt->handle().backend();
  EXPECT_EQ(info.requested, "auto");
  EXPECT_EQ(info.running, "epoll");
  EXPECT_THAT(info.fallback_reason, HasSubstr("io_uring_setup"));
  EXPECT_THAT(info.fallback_reason, HasSubstr("ENOSYS"));

  // Exactly one notice, naming the backend it fell back to and why.
  int notices = 0;
  for (absl::string_view line : absl::StrSplit(err, '\n')) {
    if (!absl::StartsWith(line, "weft: ")) continue;
    ++notices;
    EXPECT_THAT(std::string(line), HasSubstr("epoll"));
    EXPECT_THAT(std::string(line), HasSubstr("ENOSYS"));
  }
  EXPECT_EQ(notices, 1) << "stderr was:\n" << err;

  // The fallback backend really runs tasks, timers included.
  EXPECT_EQ(rt->block_on(SpawnAndJoin()), 42);
}

TEST(AutoFallbackUnderQemuTest, UringByNameFailsWithTheReason) {
  absl::StatusOr<weft::Runtime> rt =
      weft::Runtime::Builder::current_thread().backend("uring").build();
  ASSERT_FALSE(rt.ok()) << "io_uring started under qemu-user";
  const std::string message(rt.status().message());
  EXPECT_THAT(message, HasSubstr("io_uring_setup"));
  EXPECT_THAT(message, HasSubstr("ENOSYS"));
}

}  // namespace
