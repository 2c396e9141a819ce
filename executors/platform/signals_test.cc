// The platform layer's signals, on every platform (Linux natively, Windows
// under Wine): a handler installed for SIGINT runs at every raise(SIGINT)
// (Windows' C runtime would end the process at the second one unless the
// handler is put back), its wake-up reaches a waiting thread, and the
// signals that cannot be listened for are refused with a message saying
// why: the Unix ones by name on Windows.

#include "executors/platform/signals.h"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "executors/platform/target.h"
#include "gtest/gtest.h"

namespace weft::platform {
namespace {

std::atomic<int> deliveries{0};
std::atomic<int> last_signal{0};
std::atomic<SignalWakeup*> current_wakeup{nullptr};

void OnSignal(int signum) {
  last_signal.store(signum);
  deliveries.fetch_add(1);
  if (SignalWakeup* wakeup = current_wakeup.load(); wakeup != nullptr) {
    wakeup->Notify();
  }
}

bool Contains(const absl::Status& status, const std::string& part) {
  return std::string(status.message()).find(part) != std::string::npos;
}

// Raises `signum` once the waiting thread is (very likely) blocked, and
// fails if its Wait does not return.
void ExpectRaiseWakesAWaiter(SignalWakeup& wakeup, int signum) {
  std::atomic<bool> woke{false};
  std::thread waiter =
      StartThreadWithoutSignals([&] { woke.store(wakeup.Wait()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  int before = deliveries.load();
  std::raise(signum);
  EXPECT_EQ(deliveries.load(), before + 1) << "raise runs the handler";
  EXPECT_EQ(last_signal.load(), signum);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!woke.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(woke.load()) << "the wake-up did not reach the waiting thread";
  if (!woke.load()) wakeup.Notify();  // let the thread end
  waiter.join();
}

TEST(SignalsTest, RaisedSigintRunsTheHandlerEveryTimeAndWakesTheWaiter) {
  absl::StatusOr<std::unique_ptr<SignalWakeup>> wakeup = SignalWakeup::Create();
  ASSERT_TRUE(wakeup.ok()) << wakeup.status();
  current_wakeup.store(wakeup->get());
  int sigint = SignalNumber(SignalName::kInterrupt);
  EXPECT_EQ(sigint, SIGINT);
  ASSERT_TRUE(CheckSignal(sigint).ok()) << CheckSignal(sigint);
  ASSERT_EQ(InstallSignalHandler(sigint, OnSignal), 0);
  for (int i = 0; i < 3; ++i) ExpectRaiseWakesAWaiter(**wakeup, sigint);

  // Two deliveries before a Wait: kept (coalesced), not lost.
  std::raise(sigint);
  std::raise(sigint);
  EXPECT_TRUE((*wakeup)->Wait());
  current_wakeup.store(nullptr);
}

TEST(SignalsTest, SignalsThatCannotBeHandledAreRefused) {
  for (int signum : {SIGSEGV, SIGILL, SIGFPE}) {
    absl::Status refused = CheckSignal(signum);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << signum;
    EXPECT_TRUE(Contains(refused, "cannot be handled")) << refused;
    EXPECT_EQ(InstallSignalHandler(signum, OnSignal), EINVAL);
  }
  for (int signum : {0, -1, 1000, kSignalNumberLimit}) {
    absl::Status refused = CheckSignal(signum);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << signum;
    EXPECT_TRUE(Contains(refused, "not a signal number")) << refused;
  }
  EXPECT_TRUE(CheckSignal(SignalNumber(SignalName::kTerminate)).ok());
}

#if WEFT_PLATFORM_WINDOWS

TEST(SignalsTest, UnixSignalsAreRefusedByNameOnWindows) {
  const std::pair<SignalName, const char*> unix_only[] = {
      {SignalName::kHangup, "SIGHUP"},
      {SignalName::kQuit, "SIGQUIT"},
      {SignalName::kAlarm, "SIGALRM"},
      {SignalName::kChild, "SIGCHLD"},
      {SignalName::kPipe, "SIGPIPE"},
      {SignalName::kUserDefined1, "SIGUSR1"},
      {SignalName::kUserDefined2, "SIGUSR2"},
      {SignalName::kWindowChange, "SIGWINCH"},
  };
  for (const auto& [name, text] : unix_only) {
    int signum = SignalNumber(name);
    EXPECT_GE(signum, 65536) << text;
    absl::Status refused = CheckSignal(signum);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(Contains(refused, text)) << refused;
    EXPECT_TRUE(Contains(refused, "Unix signal")) << refused;
    EXPECT_TRUE(Contains(refused, "Windows")) << refused;
    EXPECT_EQ(InstallSignalHandler(signum, OnSignal), EINVAL) << text;
  }
  absl::Status not_windows = CheckSignal(1);
  EXPECT_EQ(not_windows.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(not_windows, "not a signal number on Windows"))
      << not_windows;
}

TEST(SignalsTest, CtrlBreakIsDeliveredOnWindows) {
  absl::StatusOr<std::unique_ptr<SignalWakeup>> wakeup = SignalWakeup::Create();
  ASSERT_TRUE(wakeup.ok()) << wakeup.status();
  current_wakeup.store(wakeup->get());
  ASSERT_EQ(InstallSignalHandler(SIGBREAK, OnSignal), 0);
  ExpectRaiseWakesAWaiter(**wakeup, SIGBREAK);
  current_wakeup.store(nullptr);
}

#else

TEST(SignalsTest, UnixSignalsAreDeliveredOnPosix) {
  absl::StatusOr<std::unique_ptr<SignalWakeup>> wakeup = SignalWakeup::Create();
  ASSERT_TRUE(wakeup.ok()) << wakeup.status();
  current_wakeup.store(wakeup->get());
  int sigusr1 = SignalNumber(SignalName::kUserDefined1);
  EXPECT_EQ(sigusr1, SIGUSR1);
  EXPECT_EQ(SignalNumber(SignalName::kHangup), SIGHUP);
  ASSERT_EQ(InstallSignalHandler(sigusr1, OnSignal), 0);
  ExpectRaiseWakesAWaiter(**wakeup, sigusr1);
  current_wakeup.store(nullptr);

  absl::Status kill = CheckSignal(SIGKILL);
  EXPECT_EQ(kill.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(kill, "cannot be handled")) << kill;
}

TEST(SignalsTest, TheThreadWithoutSignalsBlocksThemAll) {
  bool blocked = false;
  StartThreadWithoutSignals([&] {
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    blocked = sigismember(&mask, SIGINT) == 1 &&
              sigismember(&mask, SIGUSR1) == 1 &&
              sigismember(&mask, SIGTERM) == 1;
  }).join();
  EXPECT_TRUE(blocked);
}

#endif

}  // namespace
}  // namespace weft::platform
