#include "runtime/signal.h"

#include <utility>

#include "executors/platform/signals.h"
#include "runtime/signal/signal_registry.h"

namespace weft::signal {

namespace {

SignalKind Named(platform::SignalName name) {
  return SignalKind::from_raw(platform::SignalNumber(name));
}

}  // namespace

SignalKind SignalKind::interrupt() {
  return Named(platform::SignalName::kInterrupt);
}
SignalKind SignalKind::terminate() {
  return Named(platform::SignalName::kTerminate);
}
SignalKind SignalKind::hangup() { return Named(platform::SignalName::kHangup); }
SignalKind SignalKind::quit() { return Named(platform::SignalName::kQuit); }
SignalKind SignalKind::alarm() { return Named(platform::SignalName::kAlarm); }
SignalKind SignalKind::child() { return Named(platform::SignalName::kChild); }
SignalKind SignalKind::pipe() { return Named(platform::SignalName::kPipe); }
SignalKind SignalKind::user_defined1() {
  return Named(platform::SignalName::kUserDefined1);
}
SignalKind SignalKind::user_defined2() {
  return Named(platform::SignalName::kUserDefined2);
}
SignalKind SignalKind::window_change() {
  return Named(platform::SignalName::kWindowChange);
}

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
