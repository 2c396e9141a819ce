#include "runtime/signal/signal_registry.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "executors/platform/errors.h"
#include "executors/platform/files.h"

namespace weft::signal::internal {
namespace {

constexpr int kMaxSignal = 65;  // above SIGRTMAX on Linux

struct Slot {
  std::atomic<uint64_t> pending{0};  // deliveries not yet published
  std::atomic<bool> installed{false};
  uint64_t published = 0;  // dispatcher thread only
  std::optional<watch::Sender<uint64_t>> sender;
  std::optional<watch::Receiver<uint64_t>> first_receiver;
};

// Leaked on purpose: the handler and the dispatcher may run during and after
// static destruction.
struct Registry {
  std::mutex mu;  // installs and subscriptions
  std::array<Slot, kMaxSignal> slots;
  int pipe_read = -1;
  std::atomic<int> pipe_write{-1};
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

void OnSignal(int signum) {
  int saved_errno = errno;
  Registry& registry = TheRegistry();
  if (signum > 0 && signum < kMaxSignal) {
    registry.slots[signum].pending.fetch_add(1, std::memory_order_release);
  }
  int fd = registry.pipe_write.load(std::memory_order_acquire);
  if (fd >= 0) {
    char byte = 0;
    // Non-blocking: a full pipe already holds a wake-up for the dispatcher.
    (void)!::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

void Dispatch(Registry* registry) {
  char buffer[64];
  while (true) {
    ssize_t got = ::read(registry->pipe_read, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;  // cannot happen: the write end is never closed
    std::lock_guard lock(registry->mu);
    for (int signum = 1; signum < kMaxSignal; ++signum) {
      Slot& slot = registry->slots[signum];
      uint64_t pending = slot.pending.exchange(0, std::memory_order_acquire);
      if (pending == 0 || !slot.sender.has_value()) continue;
      slot.published += pending;
      slot.sender->send_replace(slot.published);
    }
  }
}

absl::Status StartDispatcherLocked(Registry& registry) {
  if (registry.pipe_read >= 0) return absl::OkStatus();
  int fds[2];
  if (int error = platform::MakePipe(fds); error != 0) {
    return absl::InternalError(
        absl::StrCat("weft::signal: cannot create the signal pipe: ",
                     platform::ErrorDescription(error)));
  }
  ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  registry.pipe_read = fds[0];
  registry.pipe_write.store(fds[1], std::memory_order_release);
  // Signals are handled on any thread; keep this one from taking them so
  // that its blocking read is never interrupted needlessly.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  std::thread(Dispatch, &registry).detach();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return absl::OkStatus();
}

bool Forbidden(int signum) {
  return signum == SIGKILL || signum == SIGSTOP || signum == SIGSEGV ||
         signum == SIGBUS || signum == SIGFPE || signum == SIGILL;
}

}  // namespace

absl::StatusOr<watch::Receiver<uint64_t>> Listen(int signum) {
  if (signum <= 0 || signum >= kMaxSignal || signum > SIGRTMAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("weft::signal: ", signum, " is not a signal number (1 to ",
                     static_cast<int>(SIGRTMAX), ")"));
  }
  if (Forbidden(signum)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "weft::signal: signal ", signum, " (", std::string(::strsignal(signum)),
        ") cannot be handled by a program; listen for another "
        "signal"));
  }
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mu);
  Slot& slot = registry.slots[signum];
  if (!slot.installed.load(std::memory_order_relaxed)) {
    if (absl::Status started = StartDispatcherLocked(registry); !started.ok()) {
      return started;
    }
    auto [sender, receiver] = watch::channel<uint64_t>(0);
    slot.sender.emplace(std::move(sender));
    // Kept so that send_replace always has a receiver to publish to.
    slot.first_receiver.emplace(std::move(receiver));
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_handler = OnSignal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (::sigaction(signum, &action, nullptr) != 0) {
      return absl::InternalError(
          absl::StrCat("weft::signal: cannot install a handler for signal ",
                       signum, ": ", std::strerror(errno)));
    }
    slot.installed.store(true, std::memory_order_relaxed);
  }
  watch::Receiver<uint64_t> receiver = slot.sender->subscribe();
  receiver.mark_unchanged();
  return receiver;
}

}  // namespace weft::signal::internal
