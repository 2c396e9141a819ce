// The epoll backend's Reactor: one epoll set per runtime thread, with the
// completion-shaped operations of executor.h emulated over readiness and
// non-blocking system calls (nonblocking_io.h).
//
// Per-fd state: a vector indexed by fd holds, for each fd, three FIFO waiter
// lists (readers: kRead, kRecv, kAccept; writers: kWrite, kSend, kConnect;
// pollers: kPoll) and the events of its outstanding epoll arm. Operations
// link through their own backend_state, so a wait allocates nothing.
//
// Readiness: each fd is registered EPOLLONESHOT and re-armed with
// EPOLL_CTL_MOD (ADD when it is not registered) for the union of what its
// waiters need, only when an operation would block. One-shot costs one
// epoll_ctl per wait, and buys robustness: the runtime or the user may close
// an fd behind the reactor's back, or another reactor may use it too, and a
// stale registration then only produces a spurious event, which the retried
// system call answers with EAGAIN (and a re-arm). A persistent edge-triggered
// registration would save that epoll_ctl but hang forever on an fd number
// that was closed and reused without the reactor knowing.
//
// An operation is tried at Submit (unless others of its direction are already
// waiting on the fd, to keep FIFO order) and parked only if it would block.
// EPOLLERR and EPOLLHUP wake every waiter, whose retried system call then
// reports the error or end of file. An fd epoll refuses (EPERM: a regular
// file) is done synchronously instead. kClose completes the fd's waiters with
// -EBADF and forgets its state. Completions go to a ready queue and are
// delivered by Run, never from inside Submit or Cancel; a Run with completions
// ready skips epoll_wait (at most kMaxPollsSkipped times in a row).
//
// Cancel (any thread) queues the operation's token (op_table.h) under a mutex
// and wakes the reactor; Run looks each token up and completes the operation
// with -ECANCELED if it is still waiting. An operation already in the ready
// queue keeps its real result, so it completes exactly once either way, and
// nothing touches its buffer afterwards.
//
// Invariants (driving thread, between calls): every operation in flight has
// a live OpTable slot and is in exactly one place, named by its OpStage; a fd
// with waiters is armed for at least the events they need; a fd without
// waiters has armed == 0 (its old arm, if any, is forgotten so that a reused
// fd number is armed afresh).

#ifndef WEFT_EXECUTORS_EPOLL_EPOLL_REACTOR_H_
#define WEFT_EXECUTORS_EPOLL_EPOLL_REACTOR_H_

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/common/cancel_inbox.h"
#include "executors/common/eventfd_waker.h"
#include "executors/common/op_list.h"
#include "executors/common/op_table.h"
#include "executors/common/timer_heap.h"
#include "runtime/executor.h"

namespace weft::epoll {

using executors_common::OpList;
using executors_common::TimerHeap;

class EpollReactor final : public Reactor {
 public:
  // Fails with a status naming the system call and the cause (EMFILE, ...).
  static absl::StatusOr<std::unique_ptr<EpollReactor>> Create();

  // Delivers every operation still in flight: -ECANCELED for those still
  // waiting, the real result for those already completed.
  ~EpollReactor() override;

  void Submit(IoOperation* op) override;
  void Cancel(IoOperation* op) override;
  void Wake() override;
  absl::StatusOr<int> Run(std::optional<TimePoint> deadline) override;
  size_t InFlight() const override { return ops_.size(); }

 private:
  struct FdState {
    OpList readers;
    OpList writers;
    OpList pollers;
    uint32_t armed = 0;       // events of the outstanding one-shot arm; 0: none
    bool registered = false;  // a hint: MOD first, else ADD first
  };

  EpollReactor(int epoll_fd, int event_fd);

  FdState& StateOf(int fd);
  OpList& WaitListOf(FdState& state, const IoOperation* op);

  // Queues `op`'s completion for the next delivery.
  void Finish(IoOperation* op, int32_t result);
  // Puts `op` on its fd's waiter list and arms the fd.
  void Park(IoOperation* op);
  // Takes a waiting `op` off its fd's waiter list.
  void Unpark(IoOperation* op);
  // Arms `fd` for what its waiters need; completes them if epoll refuses.
  void Arm(int fd);
  // Completes every waiter of `fd`: synchronously when `error` is EPERM (the
  // fd cannot be polled), else with -error.
  void FailWaiters(int fd, int error);
  void OnFdEvent(int fd, uint32_t events);
  // Completes waiters from the front of `list` until one would block.
  void RetryWaiters(OpList& list);

  void ProcessCancels();
  void FireTimers(TimePoint now);
  // Waits for events into events_ (no limit without a timeout); returns
  // their count, 0 after EINTR.
  absl::StatusOr<int> WaitForEvents(
      std::optional<std::chrono::nanoseconds> timeout);
  // Delivers the completions ready now (not those their callbacks cause).
  int Deliver();

  const int epoll_fd_;
  executors_common::EventfdWaker waker_;

  executors_common::OpTable<> ops_;
  OpList ready_;
  TimerHeap timers_;
  std::vector<FdState> fds_;
  size_t fd_waiters_ = 0;  // operations on any fd's waiter list
  int polls_skipped_ = 0;  // Runs in a row that delivered without epoll_wait

  std::array<epoll_event, 256> events_;

  // Tokens of operations Cancel asked for; drained by the driving thread.
  executors_common::CancelInbox cancels_;
};

}  // namespace weft::epoll

#endif  // WEFT_EXECUTORS_EPOLL_EPOLL_REACTOR_H_
