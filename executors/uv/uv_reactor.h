// The libuv backend's Reactor: one uv_loop_t per runtime thread that parks,
// with the completion-shaped operations of executor.h built from what libuv
// offers portably.
//
// What each operation becomes:
//   * kNop: completes on the next Run.
//   * kTimeout: a steady_clock deadline in the TimerHeap
//     (executors/common/timer_heap.h); -ETIME once steady_clock reaches it.
//     Not a uv_timer_t each: libuv's timers count whole milliseconds on the
//     loop's cached clock, which on Linux may be the coarse monotonic clock,
//     so a uv_timer_t can fire up to about a millisecond before the
//     steady_clock deadline the interface promises (a timeout never
//     completes early), and re-arming the early ones would let a later
//     deadline overtake them. The heap fires deadlines only once
//     steady_clock has reached them, in deadline order; the reactor's single
//     uv_timer_t merely ends the loop's wait at (about) the earliest one.
//   * kRead, kWrite, kRecv, kSend, kAccept, kConnect on sockets, pipes,
//     ttys: attempted at once with a non-blocking system call (posix_io.h),
//     and if it would block, parked on the fd's FdWatch (fd_watch.h), whose
//     uv_poll_t reports readiness; then retried, in FIFO order per
//     direction. An operation is not attempted while others of its direction
//     already wait on the fd, so it cannot overtake them.
//   * kRead, kWrite on regular files (and block devices, directories):
//     uv_fs_read/uv_fs_write at the offset (or the file position for -1) in
//     libuv's thread pool, so a slow disk never blocks the loop.
//   * kPoll: parked on the FdWatch; when libuv reports an event, poll(2)
//     with a zero timeout gives the exact revents (POLLIN, POLLOUT, POLLHUP,
//     ...). A fd libuv cannot poll (a regular file) is always ready.
//   * kClose: the fd's waiters complete with -EBADF and its watch is closed
//     (unregistering the fd) before uv_fs_close closes it, synchronously.
// Completions go to a ready queue and are delivered by Run, never from
// inside Submit or Cancel, and never from inside a libuv callback (uv_run is
// not reentrant; a completion may Submit again).
//
// Run(deadline): one uv_timer_t, armed for the earlier of the deadline and
// the first kTimeout, bounds uv_run(UV_RUN_ONCE); a deadline already passed
// polls with UV_RUN_NOWAIT instead. libuv's timers count whole milliseconds
// on a clock that may lag steady_clock, so the timer only ends the wait;
// whether the deadline is reached is always decided with steady_clock, and
// an early end waits again for the rest. The timer's callback calls
// uv_stop: in libuv 1.44 UV_RUN_ONCE runs due timers before it polls, so a
// timer that fell due before uv_run started would otherwise leave the poll
// with no timeout at all. With completions already ready, Run delivers them
// without polling, but no more than kMaxPollsSkipped Runs in a row while
// operations wait on the loop, so immediate completions cannot starve I/O.
//
// Cancel (any thread) queues the operation's token (op_table.h) under a
// mutex and wakes the loop; Run, before it polls, completes each named
// operation that is still waiting with -ECANCELED (a parked one leaves its
// FdWatch, a timeout leaves the heap). One already in the ready queue keeps
// its real result. A thread-pool operation is asked to stop with uv_cancel:
// if no thread took it yet, libuv completes it with UV_ECANCELED; if one is
// running it, the buffer is in use, so its completion waits for the real
// result. Either way it completes exactly once and nothing touches its
// buffer afterwards.
//
// Handles, and closing them: the loop owns the Waker's uv_async_t, the
// deadline uv_timer_t, one uv_poll_t per FdWatch, and a uv_fs_t per
// thread-pool operation. Every handle is closed with uv_close and its memory
// freed only in (or after) its close callback. The destructor cancels every
// operation (delivering -ECANCELED once each, the real result for those
// already complete), waits in uv_run for thread-pool operations to give
// their buffers back, closes the async and timer handles, runs the loop
// until every close callback ran, and then uv_loop_close must succeed; if it
// ever does not (a handle leaked: a bug here), BusyLoopCloses() counts it.
//
// Threading: the loop is used by one thread at a time, the driving thread;
// the runtime may create the reactor on one thread and drive it from another
// (block_in_place hands it over), always with a happens-before edge, which is
// all libuv asks. Only Wake and Cancel come from other threads, and they
// touch nothing but the Waker's flag and uv_async_send (libuv's one
// thread-safe call) and the mutex-guarded cancel queue.
//
// Invariants (driving thread, between calls): every operation in flight has
// a live OpTable slot and is in exactly one place, named by its OpStage; a
// fd has an FdWatch in `watches_` exactly when operations wait on it, and
// the watch's handle is started for what they need.

#ifndef WEFT_EXECUTORS_UV_UV_REACTOR_H_
#define WEFT_EXECUTORS_UV_UV_REACTOR_H_

#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "executors/common/cancel_inbox.h"
#include "executors/common/op_list.h"
#include "executors/common/op_table.h"
#include "executors/common/timer_heap.h"
#include "executors/uv/fd_watch.h"
#include "executors/uv/waker.h"
#include "runtime/executor.h"

namespace weft::uv {

using executors_common::TimerHeap;

class UvReactor final : public Reactor {
 public:
  // Fails with a status naming the libuv call and the cause (EMFILE, ...).
  static absl::StatusOr<std::unique_ptr<UvReactor>> Create();

  // Delivers every operation still in flight (-ECANCELED for those still
  // waiting, the real result for those already complete) and closes the
  // loop; see above.
  ~UvReactor() override;

  UvReactor(const UvReactor&) = delete;
  UvReactor& operator=(const UvReactor&) = delete;

  void Submit(IoOperation* op) override;
  void Cancel(IoOperation* op) override;
  void Wake() override;
  absl::StatusOr<int> Run(std::optional<TimePoint> deadline) override;
  size_t InFlight() const override { return ops_.size(); }

  // For tests and diagnostics (driving thread): the loop, e.g. for uv_walk.
  uv_loop_t* loop() { return &loop_; }

  // How many reactors, in this process so far, found their loop still busy
  // at destruction (uv_loop_close failed: a handle or request left open).
  // Always 0 unless this backend has a bug; tests assert it.
  static int64_t BusyLoopCloses();

 private:
  struct FsRequest;

  UvReactor() = default;

  // Queues `op`'s completion for the next delivery.
  void Finish(IoOperation* op, int32_t result);

  void SubmitFdIo(IoOperation* op);
  void SubmitClose(IoOperation* op);
  // Attempts `op` unless others of its direction wait; parks it if it would
  // block.
  void AttemptOrPark(IoOperation* op);
  // Puts `op` on its fd's FdWatch (creating it) and starts the handle.
  void Park(IoOperation* op);
  // An operation on a fd libuv cannot poll (UV_EPERM from uv_poll_init).
  void RunUnpollable(IoOperation* op);
  // Takes a waiting `op` off its FdWatch.
  void Unpark(IoOperation* op);

  // The watch of `fd`, created if needed; null with `*uv_error` set when
  // libuv refuses the fd.
  FdWatch* WatchOf(int fd, int* uv_error);
  // Restarts the handle for what the waiters need, or closes the watch
  // when none is left. `fd_known_open`: uv_poll_init just checked the fd.
  void UpdateWatch(FdWatch* watch, bool fd_known_open = false);
  // Takes the watch out of `watches_` and closes its handle; the close
  // callback frees it.
  void CloseWatch(FdWatch* watch);
  // Completes every waiter of `watch` with `result`.
  void FailWaiters(FdWatch* watch, int32_t result);
  void OnPollEvent(FdWatch* watch, int status, int events);
  // Completes waiters from the front of `list` until one would block.
  void RetryWaiters(OpList& list);
  void CompletePollers(FdWatch* watch);

  void StartFileIo(IoOperation* op);
  void OnFileIoDone(FsRequest* request);
  void CancelFileIo(IoOperation* op);

  void ProcessCancels();
  void FireTimers(TimePoint now);
  // One uv_run: without blocking when `wake_at` has passed, else until an
  // event or (about) `wake_at` (std::nullopt: no limit).
  void RunLoopOnce(std::optional<TimePoint> wake_at);
  // Delivers the completions ready now (not those their callbacks cause).
  int Deliver();

  // Operations whose completion only uv_run can bring.
  size_t WaitingOnLoop() const { return fd_waiters_ + file_ops_; }

  uv_loop_t loop_;
  uv_timer_t timer_;  // ends uv_run at the earliest deadline
  Waker waker_;
  bool initialized_ = false;  // the loop and both handles are live

  executors_common::OpTable<> ops_;
  OpList ready_;
  TimerHeap timers_;
  absl::flat_hash_map<int, FdWatch*> watches_;
  size_t fd_waiters_ = 0;  // operations waiting on any FdWatch
  size_t file_ops_ = 0;    // operations in the thread pool
  int polls_skipped_ = 0;  // Runs in a row that delivered without uv_run

  // Tokens of operations Cancel asked for; drained by the driving thread.
  executors_common::CancelInbox cancels_;
};

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_UV_REACTOR_H_
