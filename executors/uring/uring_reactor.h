// The io_uring backend's Reactor: one ring per runtime thread, every
// operation of executor.h submitted natively (sqe_prep.h), user_data = the
// IoOperation.
//
// Submission: Submit prepares an SQE and nothing else; the batch goes to the
// kernel once per Run, in the io_uring_enter that also waits. When the
// submission queue is full, Submit first hands the kernel what is there; if
// the kernel takes nothing (EBUSY, EAGAIN), the operation waits in a backlog
// that Run drains first, and later operations queue behind it to keep their
// order.
//
// Completion: Run copies completions out of the CQ, advances it, and calls
// `complete` for each; a callback may submit again (that SQE goes out at the
// end of this Run, its completion comes in a later one). Operations the
// kernel never sees (an unknown opcode: -EINVAL; cancelled in the backlog:
// -ECANCELED) complete through a local queue, also from Run only.
//
// Waiting: Run(deadline) waits in one io_uring_enter for the first
// completion, with the time left as an EXT_ARG timeout (no SQE; liburing
// falls back to a TIMEOUT SQE before Linux 5.11, whose completion is
// ignored). A deadline at or before now never blocks; a later one is
// compared before it is subtracted, so neither time_point::min() nor max()
// overflows. Run returns once it delivered something, after a wake-up, or
// at the deadline.
//
// Wake-ups: executors/common/eventfd_waker.h. The poll on the eventfd is armed
// by the first Run and re-armed whenever another thread drives the reactor
// (block_in_place hands reactors over), because a poll's completion runs as
// task work of the thread that submitted it (see ring_setup.h). Its user_data
// carries a generation, so a completion of a poll armed before is recognized
// and ignored.
//
// Cancel (any thread) records the operation's token (op_table.h) under a
// mutex and wakes the reactor. Where the kernel has IORING_REGISTER_SYNC_CANCEL
// (Linux 6.0) it first disarms the operation from the calling thread: an
// operation waiting in the kernel (a poll-driven recv, accept, ...) is
// retried by the kernel itself as soon as its fd is ready, so a cancel that
// waited for the driving thread to wake up could lose to data or a
// connection that arrives meanwhile, which would then be consumed on behalf
// of a task that is gone. After Cancel returns, such an operation consumes
// nothing. The driving thread, at the top of each Run
// turn, looks each token up: gone (delivered, perhaps reused since) or
// completed without the kernel: nothing to do; in the backlog: completes
// with -ECANCELED; in the kernel: an IORING_OP_ASYNC_CANCEL keyed on its
// user_data, whose own completion is internal. The operation then completes
// exactly once, with -ECANCELED or with its real result if it got there
// first. A Run woken by a cancel waits for the ASYNC_CANCEL's completion, so
// that the cancelled operation is normally delivered by that same Run.
//
// kClose: an operation in flight holds a reference to its file, so closing
// the fd alone would leave a recv waiting forever and the socket open. A
// kClose is therefore preceded, in the same batch, by an ASYNC_CANCEL of
// every operation of this ring on that fd (IORING_ASYNC_CANCEL_FD, Linux
// 5.19; before that, one cancel per operation found in the table). Those
// operations complete with -EBADF, as on epoll: each records its fd's close
// generation at Submit, and a -ECANCELED nobody asked for on an fd closed
// since is reported as -EBADF.
//
// kAccept is two steps: a plain IORING_OP_POLL_ADD on the listener, then
// IORING_OP_ACCEPT once it is readable (which then completes at once, unless
// another acceptor took the connection). A native accept alone waits with
// an EPOLLEXCLUSIVE poll: a connection wakes one exclusive waiter only, and
// a waiter whose cancel is in progress swallows that wake-up, so another
// accept on the same listener (the task that aborted the first one,
// accepting again) would not see the connection until the next one arrives.
// If the poll completes after a cancel was issued, the accept is not made:
// the connection stays for the next acceptor.
//
// kClose is also the one operation not batched: Submit hands it to the
// kernel at once (one io_uring_enter). The kernel drops the file's last
// reference only when the submitting thread returns to user space, so in a
// batch a closed listener would still accept a connect submitted after its
// close (which then fails with ECONNRESET instead of ECONNREFUSED), and a
// closed socket would stay open for the rest of the batch. Its completion is
// still delivered by Run.
//
// Order: io_uring does not order concurrent operations on one fd: two reads
// waiting on a pipe may complete in either order. (epoll keeps FIFO order.)
//
// Destruction cancels every operation in flight, waits for each one's
// completion (re-issuing cancels every 100 ms for operations the kernel was
// already executing), and delivers it exactly once: -ECANCELED, or the real
// result if it won; only then is the ring torn down, so the kernel is done
// with every buffer. It may block as long as an uncancellable operation
// (a regular-file read on a hung disk) takes.
//
// Threads: a request belongs to the thread that submitted it. When that
// thread exits (the old thread of a worker after block_in_place, a thread
// that called block_on and returned), the kernel fails its requests that are
// still waiting with -ECANCELED at the moment they would have proceeded
// (data arrived, the listener became readable: nothing was consumed), and
// cancels its io-wq work. Nobody asked for those cancellations, so the
// driving thread resubmits each such operation (a connect that finished
// meanwhile reports -EISCONN the second time: success). A -ECANCELED is
// taken as asked for when a cancel was issued (ASYNC_CANCEL, or a
// synchronous cancel recorded before its completion was reaped) or the fd was
// closed since (then -EBADF).
//
// Invariants (driving thread, between calls): every operation in flight has
// a live OpTable slot whose stage says where it is; an operation in stage
// kKernel has exactly one SQE or request in the kernel with user_data == op;
// the backlog is non-empty only if no SQE was available when it last grew;
// cancels_in_kernel_ counts the ASYNC_CANCELs whose completion Run has not
// seen.

#ifndef WEFT_EXECUTORS_URING_URING_REACTOR_H_
#define WEFT_EXECUTORS_URING_URING_REACTOR_H_

#include <liburing.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/common/cancel_inbox.h"
#include "executors/common/eventfd_waker.h"
#include "executors/uring/op_state.h"
#include "executors/uring/probe.h"
#include "runtime/executor.h"

namespace weft::uring {

class UringReactor final : public Reactor {
 public:
  struct Options {
    // Submission queue entries (a power of two); the completion queue has
    // four times as many.
    unsigned sq_entries = 256;
  };

  // `capabilities` come from ProbeIoUring(). Fails with a status naming the
  // system call and the cause (ENOMEM: memlock limit, EMFILE, ...).
  static absl::StatusOr<std::unique_ptr<UringReactor>> Create(
      const UringCapabilities& capabilities, Options options);

  ~UringReactor() override;

  void Submit(IoOperation* op) override;
  void Cancel(IoOperation* op) override;
  void Wake() override;
  absl::StatusOr<int> Run(std::optional<TimePoint> deadline) override;
  size_t InFlight() const override { return ops_.size(); }
  // True where the kernel has every file-system opcode (probe.h).
  bool SupportsFileOps() const override { return capabilities_.file_ops; }

  // The IORING_SETUP_* flags the ring runs with (ring_setup.h).
  unsigned setup_flags() const { return ring_.flags; }
  unsigned sq_entries() const { return ring_.sq.ring_entries; }

 private:
  // A CQE copied out of the ring, so the ring can be advanced before any
  // callback runs.
  struct Completion {
    uint64_t user_data;
    int32_t result;
    uint32_t flags;
  };

  UringReactor(const UringCapabilities& capabilities, int event_fd);

  // A free SQE, handing the kernel the queued ones first if the queue is
  // full; null if the kernel would not take them.
  io_uring_sqe* GetSqe();
  // True if `count` SQEs are free (after handing the kernel the queued ones
  // if needed).
  bool Reserve(unsigned count);
  // Prepares `op`'s SQE(s); false (nothing prepared) when there is no room.
  bool Start(IoOperation* op);
  bool StartClose(IoOperation* op);
  // Completes `op` without the kernel, for delivery by the next Run turn.
  void Finish(IoOperation* op, int32_t result);
  // Asks the kernel to cancel `slot`'s operation; false when out of SQEs.
  bool IssueCancel(OpTable::Slot& slot, uint64_t tag);

  void ArmWake(bool* woken);
  void ProcessCancels();
  void FlushBacklog();
  int DeliverReady();
  // Delivers the completions in the CQ now; sets *woken on a wake-up.
  int Reap(bool* woken);
  int Dispatch(const Completion& completion, bool* woken);
  // Whether `result` is a cancellation nobody asked for (the submitting
  // thread exited), which Restart answers.
  bool CancelledByThreadExit(const IoOperation* op, const OpTable::Slot& slot,
                             int32_t result) const;
  void Restart(IoOperation* op, OpTable::Slot& slot);
  // The result reported for `op`, given the kernel's.
  int32_t Reported(const IoOperation* op, const OpTable::Slot& slot,
                   int32_t result) const;
  // Waits for a completion, submitting the batch first.
  int Wait(std::optional<std::chrono::nanoseconds> timeout);

  uint32_t CloseGeneration(int fd) const {
    return static_cast<size_t>(fd) < close_generations_.size()
               ? close_generations_[fd]
               : 0;
  }

  io_uring ring_;
  const UringCapabilities capabilities_;
  executors_common::EventfdWaker waker_;

  OpTable ops_;
  OpQueue backlog_;
  OpQueue ready_;
  // Per fd: how many kClose this reactor submitted for it.
  std::vector<uint32_t> close_generations_;
  int cancels_in_kernel_ = 0;

  // The wake-up poll: armed (an SQE prepared) by `wake_owner_`, with
  // user_data kWakeTag | wake_generation_ << 3.
  bool wake_armed_ = false;
  uint64_t wake_generation_ = 0;
  std::thread::id wake_owner_;

  std::array<Completion, 256> batch_;

  // Tokens of operations Cancel asked for; drained by the driving thread.
  executors_common::CancelInbox cancels_;
};

}  // namespace weft::uring

#endif  // WEFT_EXECUTORS_URING_URING_REACTOR_H_
