// Signals: every listener sees a delivery, ctrl_c completes on SIGINT, and
// signals that cannot be handled are refused with a clear status.

#include <signal.h>
#include <unistd.h>

#include <utility>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class SignalTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(SignalTest);

Task<bool> NextDelivery(signal::Signal signal) {
  co_return co_await signal.recv();
}

TEST_P(SignalTest, EveryListenerSeesADelivery) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto first = signal::signal(signal::SignalKind::user_defined1());
    auto second = signal::signal(signal::SignalKind::user_defined1());
    WEFT_CO_ASSERT_TRUE(first.ok() && second.ok());
    JoinHandle<bool> a = spawn(NextDelivery(*std::move(first)));
    JoinHandle<bool> b = spawn(NextDelivery(*std::move(second)));
    std::vector<TaskId> ids = {a.id(), b.id()};
    EXPECT_TRUE(co_await UntilWaiting(ids));
    EXPECT_FALSE(a.is_finished() || b.is_finished())
        << "no SIGUSR1 was sent yet";
    ::kill(::getpid(), SIGUSR1);
    EXPECT_TRUE((co_await a).value_or(false));
    EXPECT_TRUE((co_await b).value_or(false));
  });
}

TEST_P(SignalTest, ASignalStreamKeepsDelivering) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto signal = signal::signal(signal::SignalKind::user_defined2());
    WEFT_CO_ASSERT_TRUE(signal.ok());
    for (int i = 0; i < 3; ++i) {
      ::kill(::getpid(), SIGUSR2);
      EXPECT_TRUE(co_await signal->recv());
    }
  });
}

TEST_P(SignalTest, CtrlCCompletesOnSigint) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    JoinHandle<absl::Status> waiter = spawn(signal::ctrl_c());
    // Once it waits, its handler is installed: SIGINT no longer ends the
    // process.
    EXPECT_TRUE(co_await UntilWaiting(waiter.id()));
    ::kill(::getpid(), SIGINT);
    auto status = co_await waiter;
    EXPECT_TRUE(status.has_value() && status->ok());
  });
}

TEST_P(SignalTest, SignalsThatCannotBeHandledAreRefused) {
  for (int signum : {SIGKILL, SIGSTOP, SIGSEGV, 0, -1, 1000}) {
    auto refused = signal::signal(signal::SignalKind::from_raw(signum));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
        << signum;
  }
  auto kill = signal::signal(signal::SignalKind::from_raw(SIGKILL));
  EXPECT_TRUE(
      Contains(std::string(kill.status().message()), "cannot be handled"))
      << kill.status();
}

}  // namespace
}  // namespace weft::conformance
