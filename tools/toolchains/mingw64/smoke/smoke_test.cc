// The Windows toolchain's own check: a test binary built with
// --config=windows links Abseil, GoogleTest and libuv as tools/windows-deps
// built them, and runs under Wine (tools/wine-run) with C++23's library and
// threads working.

#include <expected>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "uv.h"

namespace {

TEST(WindowsToolchainTest, AbseilAndLibuvAreTheDebianVersions) {
  EXPECT_EQ(absl::StrCat("abseil ", 20220623), "abseil 20220623");
  EXPECT_STREQ(uv_version_string(), "1.44.2");
}

TEST(WindowsToolchainTest, ThreadsAndExpectedWork) {
  absl::Notification done;
  std::expected<std::string, int> value = std::unexpected(0);
  std::thread thread([&] {
    value = "from a thread";
    done.Notify();
  });
  done.WaitForNotification();
  thread.join();
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "from a thread");
}

TEST(WindowsToolchainTest, LibuvRunsALoop) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  uv_timer_t timer;
  ASSERT_EQ(uv_timer_init(&loop, &timer), 0);
  int fired = 0;
  timer.data = &fired;
  ASSERT_EQ(
      uv_timer_start(
          &timer,
          [](uv_timer_t* handle) { ++*static_cast<int*>(handle->data); }, 1, 0),
      0);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  EXPECT_EQ(fired, 1);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
