// The libuv backend's Poller (executors/common/poller.h): one uv_loop_t per
// reactor, with what libuv offers portably; the readiness core does the
// rest.
//
//   * Readiness: one uv_poll_t per fd (an FdWatch), started for the union of
//     what its waiters need, because libuv allows only one poll handle per
//     fd per loop (uv_poll_init fails with UV_EEXIST for a second). A watch
//     is started exactly while some operation waits on its fd: Unwatch
//     stops it (uv_poll_stop) at once, because libuv keeps a started
//     handle's fd registered with the kernel and demands that the fd stay
//     open meanwhile; with no registration left behind, a fd that the
//     runtime or the user closes (or that is closed and its number reused)
//     afterwards cannot confuse the loop. The stopped handle is kept for the
//     fd's next wait (initializing a handle costs two epoll_ctl calls more
//     than restarting one), and fstat(2) checks before the restart that the
//     fd is still open and pollable; kClose and the destructor close it
//     (uv_close), and its memory is freed by the handle's close callback,
//     never before it. libuv's events are coarser than
//     poll(2)'s (no POLLHUP), so a kPoll's revents come from poll(2) itself
//     (exact_events() is false).
//   * Why uv_poll_t plus system calls rather than libuv's streams (uv_tcp_t,
//     uv_pipe_t): the interface's operations name a raw fd, one operation at
//     a time, with the caller's buffer. A stream handle would adopt the fd
//     for good, read whenever data arrive into buffers its alloc callback
//     hands out, and close the fd with the handle. A uv_poll_t per fd plus
//     one non-blocking call per attempt keeps the fd the caller's, and is
//     what libuv offers for exactly this ("for integrating with libraries
//     that handle the I/O themselves").
//   * Regular files, block devices and directories: readiness means nothing
//     for them, so their kRead/kWrite are offloaded to libuv's thread pool
//     (uv_fs_read/uv_fs_write at the offset, or the file position for -1),
//     and a slow disk never blocks the loop. So are the file-system opcodes
//     (SupportsFileOps() is true: weft::fs submits kOpenAt, kFsync, kStatx,
//     kRenameAt, kUnlinkAt and kMkdirAt here rather than running them on
//     the runtime's blocking pool), as uv_fs_open, uv_fs_fsync, uv_fs_stat,
//     ... (uv_file_ops.h). A thread-pool operation is
//     asked to stop with uv_cancel: if no thread took it yet, libuv
//     completes it with UV_ECANCELED; if one is running it, the buffer is in
//     use, so its completion waits for the real result.
//   * Wait(timeout): one uv_timer_t, armed for the timeout, bounds
//     uv_run(UV_RUN_ONCE); a timeout of zero polls with UV_RUN_NOWAIT
//     instead. libuv's timers count whole milliseconds on a clock that may
//     lag steady_clock, so the timer only ends the wait (rounded up), and
//     the core decides with steady_clock whether a deadline was reached. The
//     timer's callback calls uv_stop: in libuv 1.44 UV_RUN_ONCE runs due
//     timers before it polls, so a timer that fell due before uv_run started
//     would otherwise leave the poll with no timeout at all.
//   * Wake: a uv_async_t behind an atomic flag, sent only while the
//     driving thread blocks in uv_run (waker.h).
//
// Handles, and closing them: the loop owns the Waker's uv_async_t, the
// timeout uv_timer_t, one uv_poll_t per FdWatch, and a uv_fs_t (or, for
// what uv_fs_* cannot express, a uv_work_t) per thread-pool operation. Every
// handle is closed with uv_close and its memory freed only in (or after) its
// close callback. The destructor (after the core delivered every operation,
// waiting in Wait for thread-pool ones to give their buffers back) closes what
// is left, runs the loop until every close callback ran, and then uv_loop_close
// must succeed; if it ever does not (a handle leaked: a bug here),
// BusyLoopCloses() counts it.
//
// Threading: the loop is used by one thread at a time, the driving thread;
// the runtime may create the reactor on one thread and drive it from
// another (block_in_place hands it over), always with a happens-before
// edge, which is all libuv asks. Only Wake comes from other threads, and it
// touches nothing but the Waker's flag and uv_async_send (libuv's one
// thread-safe call).

#ifndef WEFT_EXECUTORS_UV_UV_POLLER_H_
#define WEFT_EXECUTORS_UV_UV_POLLER_H_

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "executors/common/poller.h"
#include "executors/uv/waker.h"
#include "runtime/executor.h"

namespace weft::uv {

class UvPoller final : public executors_common::Poller {
 public:
  // Fails with a status naming the libuv call and the cause (EMFILE, ...).
  static absl::StatusOr<std::unique_ptr<executors_common::Poller>> Create();

  // Closes the loop; see above.
  ~UvPoller() override;

  UvPoller(const UvPoller&) = delete;
  UvPoller& operator=(const UvPoller&) = delete;

  int Watch(platform::IoHandle fd, uint32_t events) override;
  void Unwatch(platform::IoHandle fd) override;
  int32_t Close(platform::IoHandle fd) override;
  absl::StatusOr<bool> Wait(
      std::optional<std::chrono::nanoseconds> timeout) override;
  void Wake() override { waker_.Wake(); }
  bool exact_events() const override { return false; }
  bool SupportsFileOps() const override { return true; }
  bool Offload(IoOperation* op) override;
  void CancelOffloaded(IoOperation* op) override;

  // For tests and diagnostics (driving thread): the loop, e.g. for uv_walk.
  uv_loop_t* loop() { return &loop_; }

  // How many pollers, in this process so far, found their loop still busy
  // at destruction (uv_loop_close failed: a handle or request left open).
  // Always 0 unless this backend has a bug; tests assert it.
  static int64_t BusyLoopCloses();

 private:
  struct FdWatch;
  struct FsRequest;

  UvPoller() = default;

  // Takes the watch out of `watches_` and closes its handle (kClose, a fd
  // that cannot be watched any more, the destructor); the close callback
  // frees it.
  void CloseWatch(FdWatch* watch);
  void OnPollEvent(FdWatch* watch, int status, int events);
  void OnFileIoDone(FsRequest* request);

  uv_loop_t loop_;
  uv_timer_t timer_;  // ends uv_run at the timeout
  Waker waker_;
  bool initialized_ = false;  // the loop and both handles are live
  absl::flat_hash_map<platform::IoHandle, FdWatch*> watches_;
};

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_UV_POLLER_H_
