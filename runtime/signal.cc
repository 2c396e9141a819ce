#include "runtime/signal.h"

#include <signal.h>

#include <utility>

#include "runtime/signal/signal_registry.h"

namespace weft::signal {

SignalKind SignalKind::interrupt() { return SignalKind(SIGINT); }
SignalKind SignalKind::terminate() { return SignalKind(SIGTERM); }
SignalKind SignalKind::hangup() { return SignalKind(SIGHUP); }
SignalKind SignalKind::quit() { return SignalKind(SIGQUIT); }
SignalKind SignalKind::alarm() { return SignalKind(SIGALRM); }
SignalKind SignalKind::child() { return SignalKind(SIGCHLD); }
SignalKind SignalKind::pipe() { return SignalKind(SIGPIPE); }
SignalKind SignalKind::user_defined1() { return SignalKind(SIGUSR1); }
SignalKind SignalKind::user_defined2() { return SignalKind(SIGUSR2); }
SignalKind SignalKind::window_change() { return SignalKind(SIGWINCH); }

Task<bool> Signal::recv() {
  auto changed = co_await deliveries_.changed();
  // The registry keeps its sender for the process's life: never an error.
  deliveries_.mark_unchanged();
  co_return changed.has_value();
}

absl::StatusOr<Signal> signal(SignalKind kind) {
  absl::StatusOr<watch::Receiver<uint64_t>> deliveries =
      internal::Listen(kind.as_raw_value());
  if (!deliveries.ok()) return deliveries.status();
  return Signal(*std::move(deliveries));
}

Task<absl::Status> ctrl_c() {
  absl::StatusOr<Signal> interrupts = signal(SignalKind::interrupt());
  if (!interrupts.ok()) co_return interrupts.status();
  co_await interrupts->recv();
  co_return absl::OkStatus();
}

}  // namespace weft::signal
