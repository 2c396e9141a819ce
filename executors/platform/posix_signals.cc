// signals.h on Linux and the other POSIX systems: sigaction handlers and a
// self-pipe whose write end is non-blocking (a full pipe already holds a
// wake-up).

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "executors/platform/errors.h"
#include "executors/platform/files.h"
#include "executors/platform/signals.h"

namespace weft::platform {

int SignalNumber(SignalName name) {
  switch (name) {
    case SignalName::kInterrupt:
      return SIGINT;
    case SignalName::kTerminate:
      return SIGTERM;
    case SignalName::kHangup:
      return SIGHUP;
    case SignalName::kQuit:
      return SIGQUIT;
    case SignalName::kAlarm:
      return SIGALRM;
    case SignalName::kChild:
      return SIGCHLD;
    case SignalName::kPipe:
      return SIGPIPE;
    case SignalName::kUserDefined1:
      return SIGUSR1;
    case SignalName::kUserDefined2:
      return SIGUSR2;
    case SignalName::kWindowChange:
      return SIGWINCH;
  }
  return 0;
}

absl::Status CheckSignal(int signum) {
  if (signum <= 0 || signum >= kSignalNumberLimit || signum > SIGRTMAX) {
    return absl::InvalidArgumentError(
        absl::StrCat(signum, " is not a signal number (1 to ",
                     static_cast<int>(SIGRTMAX), ")"));
  }
  if (signum == SIGKILL || signum == SIGSTOP || signum == SIGSEGV ||
      signum == SIGBUS || signum == SIGFPE || signum == SIGILL) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signal ", signum, " (", std::string(::strsignal(signum)),
        ") cannot be handled by a program; listen for another signal"));
  }
  return absl::OkStatus();
}

int InstallSignalHandler(int signum, void (*handler)(int)) {
  if (!CheckSignal(signum).ok()) return EINVAL;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = handler;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  return ::sigaction(signum, &action, nullptr) == 0 ? 0 : errno;
}

absl::StatusOr<std::unique_ptr<SignalWakeup>> SignalWakeup::Create() {
  int fds[2];
  if (int error = MakePipe(fds); error != 0) {
    return absl::InternalError(absl::StrCat("cannot create the signal pipe: ",
                                            ErrorDescription(error)));
  }
  ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  return std::unique_ptr<SignalWakeup>(new SignalWakeup(fds[0], fds[1]));
}

SignalWakeup::~SignalWakeup() {
  ::close(static_cast<int>(read_));
  ::close(static_cast<int>(write_));
}

void SignalWakeup::Notify() {
  int saved_errno = errno;
  char byte = 0;
  (void)!::write(static_cast<int>(write_), &byte, 1);
  errno = saved_errno;
}

bool SignalWakeup::Wait() {
  char buffer[64];
  while (true) {
    ssize_t got = ::read(static_cast<int>(read_), buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    return got > 0;
  }
}

std::thread StartThreadWithoutSignals(std::function<void()> body) {
  // A new thread starts with its creator's mask.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  std::thread thread(std::move(body));
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return thread;
}

void IgnoreBrokenPipeSignal() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace weft::platform
