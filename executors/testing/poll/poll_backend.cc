// The poll backend: a test-only backend that runs every operation through
// the readiness core (executors/common/readiness_reactor.h) over poll(2),
// to show what a backend over a readiness API needs of its own: a Poller
// (what to wait with, how to be woken) and one row in
// executors/backends.bzl. Its thread model is the core's
// (readiness_executor.h). poll(2) rebuilds the fd set on every wait, so it
// is for tests, never for `auto`.

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/common/eventfd_waker.h"
#include "executors/common/poller.h"
#include "executors/common/readiness_executor.h"
#include "executors/common/syscall_error.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using executors_common::Poller;

absl::Status SyscallError(int error, const char* call) {
  return executors_common::SyscallError("poll", error, call,
                                        "; a seccomp filter?");
}

class PollPoller final : public Poller {
 public:
  static absl::StatusOr<std::unique_ptr<Poller>> Create() {
    const int event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (event_fd < 0) return SyscallError(errno, "eventfd");
    return std::unique_ptr<Poller>(new PollPoller(event_fd));
  }

  int Watch(platform::IoHandle fd, uint32_t events) override {
    // poll(2) calls a regular file always ready, so waiting on one would
    // spin: the core runs its operations at once instead.
    struct stat info;
    if (!watched_.contains(fd) && fstat(fd, &info) == 0 &&
        (S_ISREG(info.st_mode) || S_ISDIR(info.st_mode))) {
      return EPERM;
    }
    watched_[fd] = static_cast<short>(events);
    return 0;
  }

  void Unwatch(platform::IoHandle fd) override { watched_.erase(fd); }

  absl::StatusOr<bool> Wait(
      std::optional<std::chrono::nanoseconds> timeout) override {
    fds_.clear();
    fds_.push_back({.fd = waker_.fd(), .events = POLLIN, .revents = 0});
    for (const auto& [fd, events] : watched_) {
      fds_.push_back({.fd = fd, .events = events, .revents = 0});
    }
    bool woken = false;
    const bool blocks = !timeout || *timeout > std::chrono::nanoseconds::zero();
    if (blocks && !waker_.BeginBlockingWait()) {
      woken = true;
      timeout = std::chrono::nanoseconds::zero();  // collect what is ready
    }
    timespec wait{};
    if (timeout && *timeout > std::chrono::nanoseconds::zero()) {
      wait.tv_sec = static_cast<time_t>(timeout->count() / 1'000'000'000);
      wait.tv_nsec = static_cast<long>(timeout->count() % 1'000'000'000);
    }
    const int count =
        ppoll(fds_.data(), fds_.size(), timeout ? &wait : nullptr, nullptr);
    if (blocks && !woken) waker_.EndBlockingWait();
    if (count < 0 && errno != EINTR) return SyscallError(errno, "ppoll");
    // poll(2) is level-triggered: the eventfd is drained, or it would stay
    // readable.
    if (count > 0 && fds_[0].revents != 0 && waker_.Drain()) woken = true;
    for (size_t i = 1; count > 0 && i < fds_.size(); ++i) {
      if (fds_[i].revents != 0) {
        sink().OnReady(fds_[i].fd, static_cast<uint16_t>(fds_[i].revents));
      }
    }
    return woken;
  }

  void Wake() override { waker_.Wake(); }

 private:
  explicit PollPoller(int event_fd) : waker_(event_fd) {}

  executors_common::EventfdWaker waker_;
  absl::flat_hash_map<int, short> watched_;  // fd -> events
  std::vector<pollfd> fds_;                  // the set of the last Wait
};

absl::StatusOr<std::unique_ptr<Executor>> CreatePollExecutor() {
  return executors_common::ReadinessExecutor::Create(WEFT_BACKEND_NAME,
                                                     &PollPoller::Create);
}

[[maybe_unused]] const bool kRegistered = RegisterExecutor(
    {WEFT_BACKEND_NAME, WEFT_BACKEND_PREFERENCE, &CreatePollExecutor});

}  // namespace
}  // namespace weft
