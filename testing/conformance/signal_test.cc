// Signals: every listener sees a delivery, ctrl_c completes on SIGINT, and
// signals that cannot be handled are refused with a clear status. The
// deliveries are raise()d: SIGUSR1 and SIGUSR2 where the platform has them,
// SIGTERM on Windows, which has no Unix signals (tokio's Windows signals
// are Ctrl-C and the console's events).

#include <csignal>
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

// A signal the tests may raise and listen for: `unix_kind` where the
// platform has it, else SIGTERM.
signal::SignalKind Deliverable(signal::SignalKind unix_kind) {
  return signal::signal(unix_kind).ok() ? unix_kind
                                        : signal::SignalKind::terminate();
}

void Raise(signal::SignalKind kind) { std::raise(kind.as_raw_value()); }

TEST_P(SignalTest, EveryListenerSeesADelivery) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    const signal::SignalKind kind =
        Deliverable(signal::SignalKind::user_defined1());
    auto first = signal::signal(kind);
    auto second = signal::signal(kind);
    WEFT_CO_ASSERT_TRUE(first.ok() && second.ok());
    JoinHandle<bool> a = spawn(NextDelivery(*std::move(first)));
    JoinHandle<bool> b = spawn(NextDelivery(*std::move(second)));
    std::vector<TaskId> ids = {a.id(), b.id()};
    EXPECT_TRUE(co_await UntilWaiting(ids));
    EXPECT_FALSE(a.is_finished() || b.is_finished())
        << "no signal was raised yet";
    Raise(kind);
    EXPECT_TRUE((co_await a).value_or(false));
    EXPECT_TRUE((co_await b).value_or(false));
  });
}

TEST_P(SignalTest, ASignalStreamKeepsDelivering) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    const signal::SignalKind kind =
        Deliverable(signal::SignalKind::user_defined2());
    auto signal = signal::signal(kind);
    WEFT_CO_ASSERT_TRUE(signal.ok());
    for (int i = 0; i < 3; ++i) {
      Raise(kind);
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
    std::raise(SIGINT);
    auto status = co_await waiter;
    EXPECT_TRUE(status.has_value() && status->ok());
  });
}

TEST_P(SignalTest, SignalsThatCannotBeHandledAreRefused) {
  // The fault signals every platform has; SIGKILL and SIGSTOP (POSIX only)
  // are the platform layer's signals_test's.
  for (int signum : {SIGSEGV, SIGILL, SIGFPE, 0, -1, 1000}) {
    auto refused = signal::signal(signal::SignalKind::from_raw(signum));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
        << signum;
  }
  auto segv = signal::signal(signal::SignalKind::from_raw(SIGSEGV));
  EXPECT_TRUE(
      Contains(std::string(segv.status().message()), "cannot be handled"))
      << segv.status();
}

}  // namespace
}  // namespace weft::conformance
