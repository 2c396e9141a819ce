// ReadinessReactor: the Reactor of every backend over a readiness API
// (epoll, libuv, poll(2)): executor.h's completion-shaped operations
// emulated over readiness and non-blocking system calls
// (nonblocking_io.h). The backend provides only a Poller (poller.h): how to
// wait for fds and how to wake that wait; everything else is here, once.
//
// What each operation becomes:
//   * kNop: completes on the next Run.
//   * kTimeout: a steady_clock deadline in the TimerHeap; -ETIME once
//     steady_clock reaches it (never early), in deadline order.
//   * kRead, kWrite, kRecv, kSend, kAccept, kConnect: attempted at once
//     without blocking (unless others of its direction already wait on the
//     fd: an attempt could overtake them, and two reads would get their
//     data out of order), and if it would block, parked on the fd's waiter
//     list (readers: kRead, kRecv, kAccept; writers: kWrite, kSend,
//     kConnect) and retried when the poller reports the fd, in FIFO order
//     per direction. A kRead/kWrite the poller offloads (libuv: regular
//     files to its thread pool) is the poller's until it completes.
//     SubmitEager makes the same first attempt for kRecv, kSend and kAccept
//     and returns its result when it did not have to wait (no completion,
//     no OpTable slot); otherwise the operation parks as above.
//   * kPoll: parked on the fd's pollers; completes with the revents it
//     asked for (plus POLLERR, POLLHUP, POLLNVAL).
//   * kOpenAt, kFsync, kStatx, kRenameAt, kUnlinkAt, kMkdirAt: offloaded
//     when the poller supports file operations (libuv: uv_fs_* in its
//     thread pool), and then the reactor's SupportsFileOps() is true;
//     otherwise the runtime never submits them (they fail with -EINVAL).
//   * An fd the poller cannot wait for (EPERM: a regular file) runs its
//     operations at once: offloaded if the poller takes them, else the
//     plain, possibly blocking, system call (BlockingIo).
//   * kClose: the fd's waiters complete with -EBADF (left waiting, they
//     would hang, or act on whatever file reuses the fd number next), and
//     the poller closes the fd (Poller::Close: close(2), or libuv's own).
// Completions go to a ready queue and are delivered by Run, never from
// inside Submit, Cancel or the poller's Wait (a completion may Submit
// again). A Run with completions ready skips the poller's wait, at most
// kMaxPollsSkipped times in a row while operations wait on it.
//
// Cancel (any thread) queues the operation's token (op_table.h) in the
// CancelInbox and wakes the poller; Run, before it retries anything, looks
// each token up and completes the operation with -ECANCELED if it is still
// waiting. Cancels are processed before an fd's waiters are retried, also
// when one Wait brings both the wake-up for a cancel and data that arrived
// after the cancel was asked for (the aborted task's peer answered the next
// request): the cancelled operation must not consume it. An operation
// already in the ready queue keeps its real result; an offloaded one is
// asked to stop and completes from the poller. Either way it completes
// exactly once and nothing touches its buffer afterwards.
//
// Destruction delivers every operation still in flight (-ECANCELED for
// those still waiting, the real result for those already complete, after
// offloaded ones gave their buffers back), then destroys the poller.
//
// Invariants (driving thread, between calls): every operation in flight has
// a live OpTable slot and is in exactly one place, named by its OpStage; a
// fd with waiters is watched for at least what they need, and a fd without
// waiters is not watched.

#ifndef WEFT_EXECUTORS_COMMON_READINESS_REACTOR_H_
#define WEFT_EXECUTORS_COMMON_READINESS_REACTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/common/cancel_inbox.h"
#include "executors/common/op_list.h"
#include "executors/common/op_table.h"
#include "executors/common/poller.h"
#include "executors/common/timer_heap.h"
#include "runtime/executor.h"

namespace weft::executors_common {

class ReadinessReactor final : public Reactor, private ReadinessSink {
 public:
  explicit ReadinessReactor(std::unique_ptr<Poller> poller);
  ~ReadinessReactor() override;

  ReadinessReactor(const ReadinessReactor&) = delete;
  ReadinessReactor& operator=(const ReadinessReactor&) = delete;

  void Submit(IoOperation* op) override;
  // kRecv, kSend and kAccept with no other operation of their direction
  // waiting on the fd: one attempt, returned when it did not have to wait.
  std::optional<int32_t> SubmitEager(IoOperation* op) override;
  void Cancel(IoOperation* op) override;
  void Wake() override;
  absl::StatusOr<int> Run(std::optional<TimePoint> deadline) override;
  size_t InFlight() const override { return ops_.size(); }
  bool SupportsFileOps() const override { return poller_->SupportsFileOps(); }

  // For a backend's own tests (driving thread).
  Poller& poller() { return *poller_; }

 private:
  // The operations waiting on one fd.
  struct FdWaiters {
    bool empty() const {
      return readers.empty() && writers.empty() && pollers.empty();
    }
    OpList readers;
    OpList writers;
    OpList pollers;
    // A read of the stream came back short, and the poller has not said
    // the fd is readable since: the next kRecv waits for readiness before
    // its first attempt, which would most likely find nothing (as tokio
    // clears a socket's readiness after a short read).
    bool drained = false;
  };

  // Notes a short kRecv (see FdWaiters::drained).
  void NoteRead(const IoOperation* op, int32_t result);
  // Whether `op` is a kRecv on a fd noted drained.
  bool WaitsFirst(const IoOperation* op) const;

  // ReadinessSink.
  void OnReady(platform::IoHandle fd, uint32_t revents) override;
  void OnOffloadDone(IoOperation* op, int32_t result) override;

  // Queues `op`'s completion for the next delivery.
  void Finish(IoOperation* op, int32_t result);

  void SubmitFdIo(IoOperation* op);
  void SubmitClose(IoOperation* op);
  // Attempts `op` unless others of its direction wait; parks it if it would
  // block.
  void AttemptOrPark(IoOperation* op);
  // The first attempt of a prepared kRead/kWrite/kRecv/kSend/kAccept, unless
  // it must wait first (others of its direction are parked on the fd, or it
  // reads a drained stream): its result when it did not have to wait.
  std::optional<int32_t> FirstAttempt(IoOperation* op);
  // Hands a kRead/kWrite to the poller if it takes it.
  bool Offload(IoOperation* op);
  // `op` on an fd that cannot be waited for.
  void RunUnpollable(IoOperation* op);

  FdWaiters& WaitersOf(platform::IoHandle fd);
  OpList& ListOf(FdWaiters& waiters, const IoOperation* op);
  // Puts `op` on its fd's waiter list and watches the fd.
  void Park(IoOperation* op);
  // Takes a waiting `op` off its fd's waiter list.
  void Unpark(IoOperation* op);
  // Brings the poller's watch of `fd` in step with its waiters.
  void Rewatch(platform::IoHandle fd);
  // Completes every waiter of `fd`: as RunUnpollable when `error` is EPERM,
  // else with -error.
  void FailWaiters(platform::IoHandle fd, int error);
  // Completes waiters from the front of `list` until one would block.
  void RetryWaiters(OpList& list);
  void CompletePollers(platform::IoHandle fd, uint32_t revents);

  // Takes `op`, which a cancel names, from where it waits; false if it
  // completes otherwise (it already has a result, or the poller's
  // completion will bring one).
  bool Withdraw(IoOperation* op);
  void ProcessCancels();
  void FireTimers(TimePoint now);
  // Delivers the completions ready now (not those their callbacks cause).
  int Deliver();

  // Operations whose completion only the poller's Wait can bring.
  size_t WaitingOnPoller() const { return fd_waiters_ + offloaded_; }

  const std::unique_ptr<Poller> poller_;

  OpTable<> ops_;
  OpList ready_;
  TimerHeap timers_;
  std::vector<FdWaiters> fds_;  // indexed by fd
  size_t fd_waiters_ = 0;       // operations on any fd's waiter list
  size_t offloaded_ = 0;        // operations the poller took
  int polls_skipped_ = 0;       // Runs in a row that delivered without Wait
  // The fd OnReady is handling: its watch is brought in step once, at the
  // end, rather than by each Unpark (a one-shot arm would fire again before
  // its waiters were retried).
  int event_fd_ = -1;

  // Tokens of operations Cancel asked for; drained by the driving thread.
  CancelInbox cancels_;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_READINESS_REACTOR_H_
