// The OS side of weft::signal (runtime/signal/signal_registry.cc): the
// numbers of the signals weft names, which signals a program may handle
// here, installing a handler, and the wake-up a handler sends to the one
// thread that publishes deliveries. POSIX: sigaction and a self-pipe.
// Windows: the C runtime's signal() (Ctrl-C, Ctrl-Break and raise() reach
// it) and an event; the Unix signals do not exist there. Also the process's
// SIGPIPE ignore, which Windows (no SIGPIPE) does not need.

#ifndef WEFT_EXECUTORS_PLATFORM_SIGNALS_H_
#define WEFT_EXECUTORS_PLATFORM_SIGNALS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace weft::platform {

/// The signals weft::signal::SignalKind names.
enum class SignalName {
  kInterrupt,
  kTerminate,
  kHangup,
  kQuit,
  kAlarm,
  kChild,
  kPipe,
  kUserDefined1,
  kUserDefined2,
  kWindowChange,
};

/// `name`'s number here. A signal this platform does not have (the Unix
/// ones on Windows) gets a number of its own, 65536 and up, that no signal
/// of the platform has, so that CheckSignal can name it.
int SignalNumber(SignalName name);

/// Every number CheckSignal accepts is above 0 and below this.
inline constexpr int kSignalNumberLimit = 65;

/// OkStatus if a program may handle `signum` here; otherwise
/// InvalidArgument saying why: not a signal number, a signal no program may
/// handle (SIGKILL, SIGSTOP, the fault signals), or a Unix signal on
/// Windows.
absl::Status CheckSignal(int signum);

/// Makes `handler` run at every delivery of `signum` (which CheckSignal
/// accepts) for the rest of the process's life; 0, or the error number.
/// POSIX runs it on any thread that does not block the signal; Windows on
/// a thread of the system's for Ctrl-C and Ctrl-Break, and within raise()
/// on the raising thread. Either way it may only touch atomics and Notify.
int InstallSignalHandler(int signum, void (*handler)(int));

/// A wake-up a signal handler sends and one thread waits for. A Notify
/// before Wait is kept; several may be coalesced into one wake-up.
class SignalWakeup {
 public:
  /// Internal, with the OS's reason, if the pipe or event cannot be made.
  static absl::StatusOr<std::unique_ptr<SignalWakeup>> Create();
  ~SignalWakeup();
  SignalWakeup(const SignalWakeup&) = delete;
  SignalWakeup& operator=(const SignalWakeup&) = delete;

  /// Safe in a signal handler: never blocks and leaves errno as it was.
  void Notify();
  /// Blocks until a Notify that no earlier Wait consumed; false if the
  /// wake-up is broken (cannot happen while it lives).
  bool Wait();

 private:
  SignalWakeup(intptr_t read, intptr_t write) : read_(read), write_(write) {}

  // POSIX: the self-pipe's ends (the write end non-blocking). Windows: an
  // auto-reset event's HANDLE in both.
  intptr_t read_;
  intptr_t write_;
};

/// Starts `body` on a new thread that signal handlers do not interrupt
/// (POSIX: every signal blocked on it), so that its waits are not cut short
/// needlessly and the handlers run elsewhere.
std::thread StartThreadWithoutSignals(std::function<void()> body);

/// Makes a write to a closed socket or pipe fail with EPIPE instead of
/// ending the process (ignores SIGPIPE, process-wide). Does nothing on
/// Windows, which has no SIGPIPE.
void IgnoreBrokenPipeSignal();

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_SIGNALS_H_
