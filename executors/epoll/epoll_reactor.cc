#include "executors/epoll/epoll_reactor.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "executors/epoll/nonblocking_io.h"
#include "executors/epoll/op_state.h"

namespace weft::epoll {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// The epoll data of the waker's eventfd; fd events carry the fd (>= 0).
constexpr uint64_t kWakeTag = UINT64_MAX;

// With completions ready, Run delivers them without calling epoll_wait (one
// system call saved per turn), but no more than this many Runs in a row while
// operations wait on fds, so that a stream of immediate completions cannot
// starve them. tokio's scheduler polls its driver every 61 ticks for the
// same reason.
constexpr int kMaxPollsSkipped = 16;

// Events epoll reports whether asked or not. Arming with them too makes
// "armed != 0" mean "armed", even for a kPoll asking for no event at all.
constexpr uint32_t kAlwaysReported = EPOLLERR | EPOLLHUP;

// The events a kPoll may ask for (epoll and poll(2) share their values); the
// other bits of an epoll mask (EPOLLET, EPOLLONESHOT, ...) are not events.
constexpr uint32_t kPollableEvents = EPOLLIN | EPOLLPRI | EPOLLOUT |
                                     EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM |
                                     EPOLLWRBAND | EPOLLMSG | EPOLLRDHUP;

// Set once epoll_pwait2 turns out to be missing (Linux < 5.11) or blocked by
// seccomp; epoll_wait with a timeout rounded up to milliseconds is used then.
std::atomic<bool> pwait2_unavailable{false};

const char* Remedy(int error) {
  switch (error) {
    case EMFILE:
      return "; this process is out of file descriptors: raise its limit "
             "(ulimit -n) or close some";
    case ENFILE:
      return "; the system is out of file descriptors (sysctl fs.file-max)";
    case ENOMEM:
      return "; the kernel is out of memory";
    case ENOSYS:
    case EPERM:
      return "; epoll is unavailable here (a seccomp filter?): build with "
             "another backend";
    default:
      return "";
  }
}

absl::Status SyscallError(int error, const char* call) {
  const char* name = strerrorname_np(error);
  return absl::ErrnoToStatus(
      error, absl::StrCat("epoll backend: ", call, " failed (",
                          name != nullptr ? name : "?", ")", Remedy(error)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EpollReactor>> EpollReactor::Create() {
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
  return std::unique_ptr<EpollReactor>(new EpollReactor(epoll_fd, event_fd));
}

EpollReactor::EpollReactor(int epoll_fd, int event_fd)
    : epoll_fd_(epoll_fd), waker_(event_fd) {}

EpollReactor::~EpollReactor() {
  // Callbacks may submit again; those operations are cancelled in turn.
  while (ops_.size() > 0) {
    ops_.ForEach([this](IoOperation* op) {
      switch (StageOf(op)) {
        case OpStage::kReady:
          return;
        case OpStage::kTimer:
          timers_.Remove(op);
          break;
        case OpStage::kWaiting:
          Unpark(op);
          break;
      }
      Finish(op, -ECANCELED);
    });
    Deliver();
  }
  close(epoll_fd_);
}

EpollReactor::FdState& EpollReactor::StateOf(int fd) {
  // std::vector's growth is geometric, so this resize is amortized O(1).
  if (static_cast<size_t>(fd) >= fds_.size()) fds_.resize(fd + 1);
  return fds_[fd];
}

OpList& EpollReactor::WaitListOf(FdState& state, const IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
    case IoOpcode::kRecv:
    case IoOpcode::kAccept:
      return state.readers;
    case IoOpcode::kWrite:
    case IoOpcode::kSend:
    case IoOpcode::kConnect:
      return state.writers;
    default:
      return state.pollers;
  }
}

void EpollReactor::Submit(IoOperation* op) {
  InitOpState(op, ops_.Add(op));
  switch (op->opcode) {
    case IoOpcode::kNop:
      Finish(op, 0);
      return;
    case IoOpcode::kTimeout: {
      TimePoint now = Clock::now();
      TimePoint deadline = op->timeout < TimePoint::max() - now
                               ? now + op->timeout
                               : TimePoint::max();
      SetStage(op, OpStage::kTimer);
      timers_.Push(op, deadline);
      return;
    }
    case IoOpcode::kClose:
      if (op->fd >= 0 && static_cast<size_t>(op->fd) < fds_.size()) {
        // Left waiting, they would hang, or act on whatever file reuses the
        // fd number next.
        FailWaiters(op->fd, EBADF);
        fds_[op->fd] = FdState{};
      }
      Finish(op, CloseFd(op->fd));
      return;
    case IoOpcode::kPoll:
      // No attempt: arming checks readiness, and the event comes at once.
      Park(op);
      return;
    case IoOpcode::kConnect:
      if (std::optional<int32_t> result = StartConnect(op)) {
        Finish(op, *result);
      } else {
        Park(op);
      }
      return;
    case IoOpcode::kAccept:
      if (int error = EnsureNonBlocking(op->fd); error != 0) {
        Finish(op, -error);
        return;
      }
      [[fallthrough]];
    case IoOpcode::kRead:
    case IoOpcode::kWrite:
    case IoOpcode::kRecv:
    case IoOpcode::kSend:
      // Behind operations of the same direction already waiting, an attempt
      // could overtake them (two reads would get their data out of order).
      if (op->fd >= 0 && static_cast<size_t>(op->fd) < fds_.size() &&
          !WaitListOf(fds_[op->fd], op).empty()) {
        Park(op);
      } else if (std::optional<int32_t> result = TryIo(op)) {
        Finish(op, *result);
      } else {
        Park(op);
      }
      return;
  }
  Finish(op, -EINVAL);
}

void EpollReactor::Cancel(IoOperation* op) {
  const uint64_t token = TokenOf(op);
  cancels_.Push(token);
  waker_.Wake();
}

void EpollReactor::Wake() { waker_.Wake(); }

void EpollReactor::Finish(IoOperation* op, int32_t result) {
  SetStage(op, OpStage::kReady);
  SetResult(op, result);
  ready_.PushBack(op);
}

void EpollReactor::Park(IoOperation* op) {
  if (op->fd < 0) {
    Finish(op, -EBADF);
    return;
  }
  SetStage(op, OpStage::kWaiting);
  WaitListOf(StateOf(op->fd), op).PushBack(op);
  ++fd_waiters_;
  Arm(op->fd);
}

void EpollReactor::Unpark(IoOperation* op) {
  FdState& state = fds_[op->fd];
  WaitListOf(state, op).Remove(op);
  --fd_waiters_;
  if (state.readers.empty() && state.writers.empty() && state.pollers.empty()) {
    state.armed = 0;
  }
}

void EpollReactor::Arm(int fd) {
  FdState& state = fds_[fd];
  if (state.readers.empty() && state.writers.empty() && state.pollers.empty()) {
    state.armed = 0;
    return;
  }
  uint32_t want = kAlwaysReported;
  if (!state.readers.empty()) want |= EPOLLIN;
  if (!state.writers.empty()) want |= EPOLLOUT;
  for (IoOperation* op = state.pollers.front(); op != nullptr;
       op = NextOf(op)) {
    want |= op->poll_events & kPollableEvents;
  }
  if ((want & ~state.armed) == 0) return;

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
    FailWaiters(fd, errno);
    return;
  }
  state.registered = true;
  state.armed = want;
}

void EpollReactor::FailWaiters(int fd, int error) {
  FdState& state = fds_[fd];
  for (OpList* list : {&state.readers, &state.writers, &state.pollers}) {
    while (IoOperation* op = list->front()) {
      Unpark(op);
      Finish(op, error == EPERM ? BlockingIo(op) : -error);
    }
  }
}

void EpollReactor::OnFdEvent(int fd, uint32_t events) {
  if (static_cast<size_t>(fd) >= fds_.size()) return;
  // One epoll_wait can return a wake-up for a cancel together with data
  // that arrived after the cancel was asked for (the aborted task's peer
  // answered the next request): the cancelled operation must not consume it.
  if (cancels_.pending()) ProcessCancels();
  FdState& state = fds_[fd];
  state.armed = 0;  // a one-shot arm fired
  if ((events & (EPOLLIN | kAlwaysReported)) != 0) {
    RetryWaiters(state.readers);
  }
  if ((events & (EPOLLOUT | kAlwaysReported)) != 0) {
    RetryWaiters(state.writers);
  }
  for (IoOperation* op = state.pollers.front(); op != nullptr;) {
    IoOperation* next = NextOf(op);
    uint32_t revents = events & (op->poll_events | kAlwaysReported);
    if (revents != 0) {
      Unpark(op);
      Finish(op, static_cast<int32_t>(revents));
    }
    op = next;
  }
  Arm(fd);
}

void EpollReactor::RetryWaiters(OpList& list) {
  while (IoOperation* op = list.front()) {
    std::optional<int32_t> result = TryIo(op);
    if (!result) return;  // the rest would block too: FIFO order
    Unpark(op);
    Finish(op, *result);
  }
}

void EpollReactor::ProcessCancels() {
  std::vector<uint64_t>& tokens = cancels_.Take();
  for (uint64_t token : tokens) {
    // Not found: delivered already, and perhaps its memory reused since.
    IoOperation* op = ops_.Find(token);
    if (op == nullptr) continue;
    switch (StageOf(op)) {
      case OpStage::kReady:
        continue;  // it completed first and keeps its result
      case OpStage::kTimer:
        timers_.Remove(op);
        break;
      case OpStage::kWaiting:
        Unpark(op);
        break;
    }
    Finish(op, -ECANCELED);
  }
}

void EpollReactor::FireTimers(TimePoint now) {
  while (IoOperation* op = timers_.PopExpired(now)) Finish(op, -ETIME);
}

absl::StatusOr<int> EpollReactor::WaitForEvents(
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

absl::StatusOr<int> EpollReactor::Run(std::optional<TimePoint> deadline) {
  bool woken = false;
  for (;;) {
    if (cancels_.pending()) ProcessCancels();
    std::optional<TimePoint> now;
    if (!timers_.empty()) {
      now = Clock::now();
      FireTimers(*now);
    }

    std::optional<nanoseconds> timeout;
    if (!ready_.empty()) {
      if (fd_waiters_ == 0 || ++polls_skipped_ < kMaxPollsSkipped) break;
      timeout = nanoseconds::zero();
    } else {
      std::optional<TimePoint> wake_at = deadline;
      if (!timers_.empty() && (!wake_at || timers_.earliest() < *wake_at)) {
        wake_at = timers_.earliest();
      }
      if (wake_at) {
        if (!now) now = Clock::now();
        // Compared before subtracting: time_point::min() - now overflows
        // (into a wait of centuries, and undefined behavior).
        timeout = *wake_at <= *now ? nanoseconds::zero() : *wake_at - *now;
      }
    }
    polls_skipped_ = 0;

    absl::StatusOr<int> count = WaitForEvents(timeout);
    if (!count.ok()) return count.status();
    for (int i = 0; i < *count; ++i) {
      if (events_[i].data.u64 == kWakeTag) {
        waker_.Consume();
        woken = true;
      } else {
        OnFdEvent(static_cast<int>(events_[i].data.u64), events_[i].events);
      }
    }
    if (cancels_.pending()) ProcessCancels();
    if (!timers_.empty()) FireTimers(Clock::now());

    if (!ready_.empty() || woken) break;
    if (timeout == nanoseconds::zero()) break;  // a poll: the deadline passed
    if (deadline && Clock::now() >= *deadline) break;
    // Otherwise a spurious event or EINTR: wait on.
  }
  return Deliver();
}

int EpollReactor::Deliver() {
  OpList batch = std::exchange(ready_, OpList{});
  int delivered = 0;
  while (IoOperation* op = batch.PopFront()) {
    const int32_t result = ResultOf(op);
    ops_.Release(TokenOf(op));
    op->complete(op->context, result);  // may free `op`, or submit it again
    ++delivered;
  }
  return delivered;
}

}  // namespace weft::epoll
