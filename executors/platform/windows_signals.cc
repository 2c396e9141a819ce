// signals.h on Windows: the C runtime's signal(), which Ctrl-C (SIGINT),
// Ctrl-Break (SIGBREAK) and raise() reach, and an auto-reset event as the
// wake-up. The Unix signals (SIGHUP, SIGUSR1, ...) do not exist here;
// SignalNumber gives them numbers of their own so that CheckSignal can say
// so by name.

#include <windows.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <iterator>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "executors/platform/signals.h"

namespace weft::platform {
namespace {

constexpr int kUnixOnlyBase = 65536;

// Indexed by SignalName; null for the signals Windows has.
constexpr const char* kUnixOnlyNames[] = {
    nullptr,   nullptr,   "SIGHUP",  "SIGQUIT", "SIGALRM",
    "SIGCHLD", "SIGPIPE", "SIGUSR1", "SIGUSR2", "SIGWINCH",
};

constexpr const char* kWindowsHas =
    "Windows has SIGINT (2, Ctrl-C: ctrl_c()), SIGTERM (15), SIGBREAK (21, "
    "Ctrl-Break) and SIGABRT (22)";

static_assert(NSIG <= kSignalNumberLimit);

std::atomic<void (*)(int)> handlers[NSIG];

void Trampoline(int signum) {
  // The C runtime puts the default action (ending the process) back before
  // it calls a handler; restore ours first so that the next Ctrl-C is
  // delivered too.
  ::signal(signum, Trampoline);
  if (void (*handler)(int) = handlers[signum].load(std::memory_order_acquire);
      handler != nullptr) {
    handler(signum);
  }
}

}  // namespace

int SignalNumber(SignalName name) {
  switch (name) {
    case SignalName::kInterrupt:
      return SIGINT;
    case SignalName::kTerminate:
      return SIGTERM;
    default:
      return kUnixOnlyBase + static_cast<int>(name);
  }
}

absl::Status CheckSignal(int signum) {
  if (signum >= kUnixOnlyBase &&
      signum - kUnixOnlyBase < static_cast<int>(std::size(kUnixOnlyNames)) &&
      kUnixOnlyNames[signum - kUnixOnlyBase] != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        kUnixOnlyNames[signum - kUnixOnlyBase],
        " is a Unix signal and cannot be listened for on Windows; ",
        kWindowsHas));
  }
  if (signum == SIGSEGV || signum == SIGILL || signum == SIGFPE) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signal ", signum, " (",
        signum == SIGSEGV  ? "SIGSEGV"
        : signum == SIGILL ? "SIGILL"
                           : "SIGFPE",
        ") cannot be handled by a program; listen for another signal"));
  }
  if (signum != SIGINT && signum != SIGTERM && signum != SIGBREAK &&
      signum != SIGABRT) {
    return absl::InvalidArgumentError(absl::StrCat(
        signum, " is not a signal number on Windows; ", kWindowsHas));
  }
  return absl::OkStatus();
}

int InstallSignalHandler(int signum, void (*handler)(int)) {
  if (!CheckSignal(signum).ok()) return EINVAL;
  handlers[signum].store(handler, std::memory_order_release);
  return ::signal(signum, Trampoline) == SIG_ERR ? errno : 0;
}

absl::StatusOr<std::unique_ptr<SignalWakeup>> SignalWakeup::Create() {
  HANDLE event = ::CreateEventW(nullptr, /*bManualReset=*/FALSE,
                                /*bInitialState=*/FALSE, nullptr);
  if (event == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create the signal event: Windows error ",
                     static_cast<unsigned long>(::GetLastError())));
  }
  auto handle = reinterpret_cast<intptr_t>(event);
  return std::unique_ptr<SignalWakeup>(new SignalWakeup(handle, handle));
}

SignalWakeup::~SignalWakeup() {
  ::CloseHandle(reinterpret_cast<HANDLE>(read_));
}

void SignalWakeup::Notify() {
  int saved_errno = errno;
  ::SetEvent(reinterpret_cast<HANDLE>(write_));
  errno = saved_errno;
}

bool SignalWakeup::Wait() {
  return ::WaitForSingleObject(reinterpret_cast<HANDLE>(read_), INFINITE) ==
         WAIT_OBJECT_0;
}

// Handlers run on the raising thread or on one of the system's, never in
// the middle of another thread's wait.
std::thread StartThreadWithoutSignals(std::function<void()> body) {
  return std::thread(std::move(body));
}

void IgnoreBrokenPipeSignal() {}

}  // namespace weft::platform
