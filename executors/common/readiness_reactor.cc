#include "executors/common/readiness_reactor.h"

#include <errno.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "executors/common/nonblocking_io.h"
#include "executors/common/readiness_op_state.h"
#include "executors/platform/poll_events.h"
#include "executors/platform/target.h"

namespace weft::executors_common {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using std::chrono::nanoseconds;

// With completions ready, Run delivers them without waiting on the poller
// (a system call saved per turn), but no more than this many Runs in a row
// while operations wait on it, so that a stream of immediate completions
// cannot starve them. tokio's scheduler polls its driver every 61 ticks for
// the same reason.
constexpr int kMaxPollsSkipped = 16;

// The events poll(2) reports whether asked or not.
constexpr uint32_t kAlwaysReported = POLLERR | POLLHUP | POLLNVAL;

// Linux's events beyond POSIX's (none elsewhere).
#if WEFT_PLATFORM_LINUX
constexpr uint32_t kLinuxEvents = POLLMSG | POLLRDHUP;
constexpr uint32_t kPeerClosedWriting = POLLRDHUP;
#else
constexpr uint32_t kLinuxEvents = 0;
constexpr uint32_t kPeerClosedWriting = 0;
#endif

// The events a kPoll may ask for; other bits are not events.
constexpr uint32_t kPollableEvents = POLLIN | POLLPRI | POLLOUT | POLLRDNORM |
                                     POLLRDBAND | POLLWRNORM | POLLWRBAND |
                                     kLinuxEvents;

// What makes a retry of the readers, or of the writers, worth it: their
// direction, or an error or hang-up, which the retried call then reports.
constexpr uint32_t kRetryReaders =
    POLLIN | kPeerClosedWriting | kAlwaysReported;
constexpr uint32_t kRetryWriters = POLLOUT | kAlwaysReported;

// now + timeout, saturating at the end of time; a timeout <= 0 is due at
// once.
TimePoint DeadlineAfter(TimePoint now, nanoseconds timeout) {
  if (timeout <= nanoseconds::zero()) return now;
  if (timeout >= TimePoint::max() - now) return TimePoint::max();
  return now + std::chrono::ceil<Clock::duration>(timeout);
}

// The events the kPolls of `pollers` asked for.
uint32_t PollerEvents(const OpList& pollers) {
  uint32_t events = 0;
  for (IoOperation* op = pollers.front(); op != nullptr; op = NextOf(op)) {
    events |= op->poll_events & kPollableEvents;
  }
  return events;
}

}  // namespace

int32_t Poller::Close(platform::IoHandle fd) { return CloseFd(fd); }

ReadinessReactor::ReadinessReactor(std::unique_ptr<Poller> poller)
    : poller_(std::move(poller)) {
  poller_->Attach(this);
}

ReadinessReactor::~ReadinessReactor() {
  // Completions may submit again; those operations are cancelled in turn.
  while (ops_.size() > 0) {
    ops_.ForEach([this](IoOperation* op) {
      if (Withdraw(op)) Finish(op, -ECANCELED);
    });
    Deliver();
    // What is left is the poller's, which may be using its buffer: wait
    // for it to hand it back (cancelled, or done).
    if (offloaded_ > 0) (void)poller_->Wait(std::nullopt);
  }
}

void ReadinessReactor::Submit(IoOperation* op) {
  InitOpState(op, ops_.Add(op));
  switch (op->opcode) {
    case IoOpcode::kNop:
      Finish(op, 0);
      return;
    case IoOpcode::kTimeout:
      SetStage(op, OpStage::kTimer);
      timers_.Push(op, DeadlineAfter(Clock::now(), op->timeout));
      return;
    case IoOpcode::kClose:
      SubmitClose(op);
      return;
    case IoOpcode::kPoll:
      // No attempt: watching reports readiness that is already there.
      Park(op);
      return;
    case IoOpcode::kRead:
    case IoOpcode::kWrite:
    case IoOpcode::kRecv:
    case IoOpcode::kSend:
    case IoOpcode::kAccept:
    case IoOpcode::kConnect:
      SubmitFdIo(op);
      return;
    case IoOpcode::kOpenAt:
    case IoOpcode::kFsync:
    case IoOpcode::kStatx:
    case IoOpcode::kRenameAt:
    case IoOpcode::kUnlinkAt:
    case IoOpcode::kMkdirAt:
      // Without the poller's support (SupportsFileOps() false) the runtime
      // never submits these.
      if (poller_->SupportsFileOps() && Offload(op)) return;
      break;
  }
  Finish(op, -EINVAL);
}

std::optional<int32_t> ReadinessReactor::SubmitEager(IoOperation* op) {
  const bool socket_io = op->opcode == IoOpcode::kRecv ||
                         op->opcode == IoOpcode::kSend ||
                         op->opcode == IoOpcode::kAccept;
  if (!socket_io || op->fd < 0) {
    Submit(op);
    return std::nullopt;
  }
  if (int32_t error = PrepareIo(op); error < 0) return error;
  if (std::optional<int32_t> result = FirstAttempt(op)) return result;
  // In flight, as after Submit's own attempt.
  InitOpState(op, ops_.Add(op));
  Park(op);
  return std::nullopt;
}

std::optional<int32_t> ReadinessReactor::FirstAttempt(IoOperation* op) {
  // Others of its direction waiting on the fd go first (FIFO per
  // direction): their attempt is the reactor's.
  const bool others_first = static_cast<size_t>(op->fd) < fds_.size() &&
                            !ListOf(fds_[op->fd], op).empty();
  if (others_first || WaitsFirst(op)) return std::nullopt;
  std::optional<int32_t> result = TryIo(op);
  if (result.has_value()) NoteRead(op, *result);
  return result;
}

void ReadinessReactor::NoteRead(const IoOperation* op, int32_t result) {
  if (op->opcode == IoOpcode::kRecv && (op->flags & MSG_PEEK) == 0 &&
      result > 0 && static_cast<size_t>(result) < op->length) {
    WaitersOf(op->fd).drained = true;
  }
}

bool ReadinessReactor::WaitsFirst(const IoOperation* op) const {
  return op->opcode == IoOpcode::kRecv &&
         static_cast<size_t>(op->fd) < fds_.size() && fds_[op->fd].drained;
}

void ReadinessReactor::Cancel(IoOperation* op) {
  const uint64_t token = TokenOf(op);
  cancels_.Push(token);
  poller_->Wake();
}

void ReadinessReactor::Wake() { poller_->Wake(); }

void ReadinessReactor::Finish(IoOperation* op, int32_t result) {
  SetStage(op, OpStage::kReady);
  SetResult(op, result);
  ready_.PushBack(op);
}

void ReadinessReactor::SubmitFdIo(IoOperation* op) {
  if (int32_t error = PrepareIo(op); error < 0) {
    Finish(op, error);
    return;
  }
  if ((op->opcode == IoOpcode::kRead || op->opcode == IoOpcode::kWrite) &&
      Offload(op)) {
    return;
  }
  if (op->opcode == IoOpcode::kConnect) {
    if (std::optional<int32_t> result = StartConnect(op)) {
      Finish(op, *result);
    } else {
      Park(op);
    }
    return;
  }
  AttemptOrPark(op);
}

void ReadinessReactor::SubmitClose(IoOperation* op) {
  if (op->fd >= 0 && static_cast<size_t>(op->fd) < fds_.size()) {
    FailWaiters(op->fd, EBADF);
    fds_[op->fd].drained = false;  // the number's next file is a new one
  }
  Finish(op, poller_->Close(op->fd));
}

void ReadinessReactor::AttemptOrPark(IoOperation* op) {
  if (std::optional<int32_t> result = FirstAttempt(op)) {
    Finish(op, *result);
  } else {
    Park(op);
  }
}

bool ReadinessReactor::Offload(IoOperation* op) {
  SetStage(op, OpStage::kOffloaded);
  ++offloaded_;
  if (poller_->Offload(op)) return true;
  --offloaded_;
  return false;
}

void ReadinessReactor::OnOffloadDone(IoOperation* op, int32_t result) {
  --offloaded_;
  Finish(op, result);
}

void ReadinessReactor::RunUnpollable(IoOperation* op) {
  if ((op->opcode == IoOpcode::kRead || op->opcode == IoOpcode::kWrite) &&
      Offload(op)) {
    return;
  }
  Finish(op, BlockingIo(op));
}

ReadinessReactor::FdWaiters& ReadinessReactor::WaitersOf(
    platform::IoHandle fd) {
  // std::vector's growth is geometric, so this resize is amortized O(1).
  if (static_cast<size_t>(fd) >= fds_.size()) fds_.resize(fd + 1);
  return fds_[fd];
}

OpList& ReadinessReactor::ListOf(FdWaiters& waiters, const IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
    case IoOpcode::kRecv:
    case IoOpcode::kAccept:
      return waiters.readers;
    case IoOpcode::kWrite:
    case IoOpcode::kSend:
    case IoOpcode::kConnect:
      return waiters.writers;
    default:
      return waiters.pollers;
  }
}

void ReadinessReactor::Park(IoOperation* op) {
  if (op->fd < 0) {
    Finish(op, -EBADF);
    return;
  }
  SetStage(op, OpStage::kWaiting);
  ListOf(WaitersOf(op->fd), op).PushBack(op);
  ++fd_waiters_;
  Rewatch(op->fd);
}

void ReadinessReactor::Unpark(IoOperation* op) {
  ListOf(fds_[op->fd], op).Remove(op);
  --fd_waiters_;
  if (op->fd != event_fd_) Rewatch(op->fd);
}

void ReadinessReactor::Rewatch(platform::IoHandle fd) {
  FdWaiters& waiters = fds_[fd];
  if (waiters.empty()) {
    poller_->Unwatch(fd);
    return;
  }
  uint32_t events = PollerEvents(waiters.pollers);
  if (!waiters.readers.empty()) events |= POLLIN;
  if (!waiters.writers.empty()) events |= POLLOUT;
  if (int error = poller_->Watch(fd, events); error != 0) {
    FailWaiters(fd, error);
  }
}

void ReadinessReactor::FailWaiters(platform::IoHandle fd, int error) {
  FdWaiters& waiters = fds_[fd];
  if (waiters.empty()) return;
  for (OpList* list : {&waiters.readers, &waiters.writers, &waiters.pollers}) {
    while (IoOperation* op = list->PopFront()) {
      --fd_waiters_;
      if (error == EPERM) {
        RunUnpollable(op);
      } else {
        Finish(op, -error);
      }
    }
  }
  poller_->Unwatch(fd);
}

void ReadinessReactor::OnReady(platform::IoHandle fd, uint32_t revents) {
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return;
  event_fd_ = fd;
  // One Wait can bring a wake-up for a cancel together with data that
  // arrived after the cancel was asked for (the aborted task's peer
  // answered the next request): the cancelled operation must not consume
  // it.
  if (cancels_.pending()) ProcessCancels();
  FdWaiters& waiters = fds_[fd];
  if ((revents & kRetryReaders) != 0) {
    waiters.drained = false;
    RetryWaiters(waiters.readers);
  }
  if ((revents & kRetryWriters) != 0) RetryWaiters(waiters.writers);
  if (!waiters.pollers.empty()) CompletePollers(fd, revents);
  event_fd_ = -1;
  Rewatch(fd);
}

void ReadinessReactor::RetryWaiters(OpList& list) {
  while (IoOperation* op = list.front()) {
    std::optional<int32_t> result = TryIo(op);
    if (!result) return;  // the rest would block too: FIFO order
    list.Remove(op);
    --fd_waiters_;
    NoteRead(op, *result);
    Finish(op, *result);
  }
}

void ReadinessReactor::CompletePollers(platform::IoHandle fd,
                                       uint32_t revents) {
  OpList& pollers = fds_[fd].pollers;
  // A poller whose events are coarser than poll(2)'s (no POLLHUP, no
  // POLLRDNORM) has the fd asked once, exactly, for all its kPolls.
  const int32_t ready = poller_->exact_events()
                            ? static_cast<int32_t>(revents)
                            : PollNow(fd, PollerEvents(pollers));
  for (IoOperation* op = pollers.front(); op != nullptr;) {
    IoOperation* next = NextOf(op);
    const int32_t result =
        ready < 0 ? ready
                  : static_cast<int32_t>(static_cast<uint32_t>(ready) &
                                         (op->poll_events | kAlwaysReported));
    if (result != 0) {
      pollers.Remove(op);
      --fd_waiters_;
      Finish(op, result);
    }
    op = next;
  }
}

void ReadinessReactor::ProcessCancels() {
  std::vector<uint64_t>& tokens = cancels_.Take();
  for (uint64_t token : tokens) {
    // Not found: delivered already, and perhaps its memory reused since.
    IoOperation* op = ops_.Find(token);
    if (op == nullptr) continue;
    if (Withdraw(op)) Finish(op, -ECANCELED);
  }
}

bool ReadinessReactor::Withdraw(IoOperation* op) {
  switch (StageOf(op)) {
    case OpStage::kReady:
      return false;  // it completed first and keeps its result
    case OpStage::kTimer:
      timers_.Remove(op);
      return true;
    case OpStage::kWaiting:
      Unpark(op);
      return true;
    case OpStage::kOffloaded:
      poller_->CancelOffloaded(op);
      return false;  // completes from the poller
  }
  return false;
}

void ReadinessReactor::FireTimers(TimePoint now) {
  while (IoOperation* op = timers_.PopExpired(now)) Finish(op, -ETIME);
}

absl::StatusOr<int> ReadinessReactor::Run(std::optional<TimePoint> deadline) {
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
      if (WaitingOnPoller() == 0 || ++polls_skipped_ < kMaxPollsSkipped) {
        break;
      }
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

    absl::StatusOr<bool> wake = poller_->Wait(timeout);
    if (!wake.ok()) return wake.status();
    woken = woken || *wake;
    if (cancels_.pending()) ProcessCancels();
    if (!timers_.empty()) FireTimers(Clock::now());

    if (!ready_.empty() || woken) break;
    if (timeout == nanoseconds::zero()) break;  // a poll: the deadline passed
    if (deadline && Clock::now() >= *deadline) break;
    // Otherwise a spurious event, EINTR or an early end: wait on.
  }
  return Deliver();
}

int ReadinessReactor::Deliver() {
  return ops_.Deliver(ready_,
                      [](const IoOperation* op) { return ResultOf(op); });
}

}  // namespace weft::executors_common
