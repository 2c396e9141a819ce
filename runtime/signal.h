/// \file
/// Signals as events tasks can await (tokio's tokio::signal): ctrl_c() for
/// SIGINT (Ctrl-C) on every platform, and Unix signal streams.
///
///   absl::StatusOr<weft::signal::Signal> hangups =
///       weft::signal::signal(weft::signal::SignalKind::hangup());
///   while (co_await hangups->recv()) ReloadConfig();
///
/// The first listener of a signal installs weft's handler for it, once per
/// process, shared by every runtime; from then on the signal's default
/// action (ending the process, for SIGINT) no longer happens, as in tokio.
/// Deliveries that arrive close together may be coalesced into one event.
/// A Signal sees the deliveries after it was created; every Signal of the
/// same kind sees each of them. Works on every backend: the handler only
/// wakes one process-wide thread, which wakes the waiting tasks.
///
/// On Windows, as in tokio, the Unix signals do not exist: ctrl_c() works
/// (Ctrl-C in the console, or raise(SIGINT)), and so do from_raw(SIGBREAK)
/// (Ctrl-Break), SIGTERM and SIGABRT (raise() only); listening for a Unix
/// kind (hangup(), user_defined1(), ...) is InvalidArgument naming it.

#ifndef WEFT_RUNTIME_SIGNAL_H_
#define WEFT_RUNTIME_SIGNAL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/sync/watch.h"
#include "runtime/task.h"

namespace weft::signal {

/// A signal number, with names for the usual ones. All but interrupt() and
/// terminate() are Unix signals: on Windows they carry a number no Windows
/// signal has (65536 and up), and signal() refuses them.
class SignalKind {
 public:
  /// The usual signals.
  ///@{
  static SignalKind interrupt();      ///< SIGINT (Ctrl-C)
  static SignalKind terminate();      ///< SIGTERM
  static SignalKind hangup();         ///< SIGHUP
  static SignalKind quit();           ///< SIGQUIT
  static SignalKind alarm();          ///< SIGALRM
  static SignalKind child();          ///< SIGCHLD
  static SignalKind pipe();           ///< SIGPIPE
  static SignalKind user_defined1();  ///< SIGUSR1
  static SignalKind user_defined2();  ///< SIGUSR2
  static SignalKind window_change();  ///< SIGWINCH
  ///@}
  /// Any signal by number (checked when listened to).
  static SignalKind from_raw(int signum) { return SignalKind(signum); }
  /// The signal number.
  int as_raw_value() const { return signum_; }

 private:
  explicit SignalKind(int signum) : signum_(signum) {}
  int signum_;
};

/// A stream of one signal's deliveries; see signal.h. Move-only.
class Signal {
 public:
  /// Awaitable of bool: completes at the next delivery after the previous
  /// recv (or after the Signal was made). Always true: a Signal never ends.
  /// Cancel safe.
  Task<bool> recv();

 private:
  friend absl::StatusOr<Signal> signal(SignalKind kind);
  explicit Signal(watch::Receiver<uint64_t> deliveries)
      : deliveries_(std::move(deliveries)) {}

  watch::Receiver<uint64_t> deliveries_;
};

/// Listens for `kind`. InvalidArgument for a signal that cannot be handled
/// (SIGKILL, SIGSTOP, the fault signals SIGSEGV, SIGBUS, SIGFPE, SIGILL, a
/// number out of range, or a Unix signal on Windows); Internal if the
/// handler cannot be installed.
absl::StatusOr<Signal> signal(SignalKind kind);

/// Completes at the next SIGINT (Ctrl-C) after the call; an error status if
/// the handler cannot be installed.
Task<absl::Status> ctrl_c();

}  // namespace weft::signal

#endif  // WEFT_RUNTIME_SIGNAL_H_
