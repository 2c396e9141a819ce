#include "executors/epoll/epoll_poller.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>

#include "absl/status/status.h"
#include "executors/common/nonblocking_io.h"
#include "executors/common/syscall_error.h"

namespace weft::epoll {
namespace {

using std::chrono::nanoseconds;

// The epoll data of the waker's eventfd; fd events carry the fd (>= 0).
constexpr uint64_t kWakeTag = UINT64_MAX;

// Events epoll reports whether asked or not. Arming with them too makes
// "armed != 0" mean "armed", even for a kPoll asking for no event at all.
constexpr uint32_t kAlwaysReported = EPOLLERR | EPOLLHUP;

// Set once epoll_pwait2 turns out to be missing (Linux < 5.11) or blocked by
// seccomp; epoll_wait with a timeout rounded up to milliseconds is used then.
std::atomic<bool> pwait2_unavailable{false};

// The remedy when epoll itself is refused.
constexpr absl::string_view kBlocked =
    "; epoll is unavailable here (a seccomp filter?): build with another "
    "backend";

absl::Status SyscallError(int error, const char* call) {
  return executors_common::SyscallError("epoll", error, call, kBlocked);
}

}  // namespace

absl::StatusOr<std::unique_ptr<executors_common::Poller>>
EpollPoller::Create() {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return SyscallError(errno, "epoll_create1");
  int event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd < 0) {
    int error = errno;
    close(epoll_fd);
    return SyscallError(error, "eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLET;  // see eventfd_waker.h
  event.data.u64 = kWakeTag;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, event_fd, &event) < 0) {
    int error = errno;
    close(event_fd);
    close(epoll_fd);
    return SyscallError(error, "epoll_ctl(EPOLL_CTL_ADD, eventfd)");
  }
  return std::unique_ptr<executors_common::Poller>(
      new EpollPoller(epoll_fd, event_fd));
}

EpollPoller::EpollPoller(int epoll_fd, int event_fd)
    : epoll_fd_(epoll_fd), waker_(event_fd) {}

EpollPoller::~EpollPoller() { close(epoll_fd_); }

int EpollPoller::Watch(platform::IoHandle fd, uint32_t events) {
  // std::vector's growth is geometric, so this resize is amortized O(1).
  if (static_cast<size_t>(fd) >= fds_.size()) fds_.resize(fd + 1);
  FdState& state = fds_[fd];
  const uint32_t want = events | kAlwaysReported;
  if ((want & ~state.armed) == 0) return 0;

  epoll_event event{};
  event.events = want | EPOLLONESHOT;
  event.data.u64 = static_cast<uint64_t>(fd);
  // `registered` is only a hint (the fd may have been closed and reused
  // behind our back), so the other operation is the fallback.
  int how = state.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  int result = epoll_ctl(epoll_fd_, how, fd, &event);
  if (result < 0 && errno == (how == EPOLL_CTL_MOD ? ENOENT : EEXIST)) {
    how = how == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    result = epoll_ctl(epoll_fd_, how, fd, &event);
  }
  if (result < 0) {
    state.registered = false;
    return errno;
  }
  state.registered = true;
  state.armed = want;
  return 0;
}

void EpollPoller::Unwatch(platform::IoHandle fd) {
  // The one-shot arm stays in the kernel: at worst it fires once, for an fd
  // nothing waits on, which costs a spurious report.
  if (static_cast<size_t>(fd) < fds_.size()) fds_[fd].armed = 0;
}

int32_t EpollPoller::Close(platform::IoHandle fd) {
  // Closing the fd takes it out of the epoll set.
  if (static_cast<size_t>(fd) < fds_.size()) fds_[fd] = FdState{};
  return executors_common::CloseFd(fd);
}

absl::StatusOr<int> EpollPoller::WaitForEvents(
    std::optional<nanoseconds> timeout) {
  const int capacity = static_cast<int>(events_.size());
  int count;
  if (!timeout || *timeout <= nanoseconds::zero()) {
    count = epoll_wait(epoll_fd_, events_.data(), capacity, timeout ? 0 : -1);
  } else if (!pwait2_unavailable.load(std::memory_order_relaxed)) {
    auto seconds = std::chrono::floor<std::chrono::seconds>(*timeout);
    timespec wait{.tv_sec = static_cast<time_t>(seconds.count()),
                  .tv_nsec = static_cast<long>((*timeout - seconds).count())};
    count = epoll_pwait2(epoll_fd_, events_.data(), capacity, &wait, nullptr);
    if (count < 0 && (errno == ENOSYS || errno == EPERM)) {
      pwait2_unavailable.store(true, std::memory_order_relaxed);
      return WaitForEvents(timeout);
    }
    if (count < 0 && errno != EINTR) {
      return SyscallError(errno, "epoll_pwait2");
    }
  } else {
    // Rounded up: waking before the deadline would make the caller spin.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(*timeout).count();
    count = epoll_wait(epoll_fd_, events_.data(), capacity,
                       static_cast<int>(std::min<int64_t>(ms, INT_MAX)));
  }
  if (count < 0) {
    if (errno == EINTR) return 0;
    return SyscallError(errno, "epoll_wait");
  }
  return count;
}

absl::StatusOr<bool> EpollPoller::Wait(std::optional<nanoseconds> timeout) {
  bool woken = false;
  const bool blocks = !timeout || *timeout > nanoseconds::zero();
  if (blocks && !waker_.BeginBlockingWait()) {
    woken = true;
    timeout = nanoseconds::zero();  // still collect what is ready
  }
  absl::StatusOr<int> count = WaitForEvents(timeout);
  if (blocks && !woken) waker_.EndBlockingWait();
  if (!count.ok()) return count.status();
  for (int i = 0; i < *count; ++i) {
    if (events_[i].data.u64 == kWakeTag) {
      waker_.Consume();
      woken = true;
      continue;
    }
    const platform::IoHandle fd = static_cast<int>(events_[i].data.u64);
    if (static_cast<size_t>(fd) < fds_.size()) {
      fds_[fd].armed = 0;  // a one-shot arm fired
    }
    sink().OnReady(fd, events_[i].events);
  }
  return woken;
}

}  // namespace weft::epoll
