// The cross-thread wake-up of one uv reactor: a uv_async_t on its loop,
// sent by Wake() from any thread.
//
// uv_async_send costs a system call (an eventfd write on Linux, a posted
// completion on Windows) whenever the handle is not already pending, even
// when the loop's thread is busy running tasks and would look at its queues
// anyway. So Wake() sends only when it has to, as EventfdWaker does for
// epoll and io_uring:
//
//   * A flag coalesces wake-ups: only the Wake() that sets it may send; the
//     async callback clears it, so wakes sent while one is pending cost one
//     atomic read-modify-write.
//   * Wake() sends only while the driving thread blocks in uv_run, or is
//     about to (between BeginBlockingWait and EndBlockingWait). A wake that
//     finds the thread running sets the flag only; the thread's next
//     BeginBlockingWait sees it and does not block (tokio's unpark makes no
//     system call while its parker runs). One read-modify-write on one
//     atomic decides both sides, so a Wake and a BeginBlockingWait that
//     race see each other one way or the other.
//
// Invariant: whenever the flag is set, an async send is pending on the
// handle, or its callback is running in the uv_run in progress (which then
// returns), or no send was needed because the driving thread was not
// blocking and its next BeginBlockingWait returns false. Whoever clears the
// flag (the callback, or BeginBlockingWait) makes the driving thread report
// the wake-up, with acq_rel, so whatever the waking thread did before its
// Wake happens-before the driving thread's return from Run.
//
// The handle keeps its loop alive (it is active and referenced), which is
// what lets uv_run(UV_RUN_ONCE) block with nothing else to wait for.

#ifndef WEFT_EXECUTORS_UV_WAKER_H_
#define WEFT_EXECUTORS_UV_WAKER_H_

#include <uv.h>

#include <atomic>
#include <cstdint>

namespace weft::uv {

class Waker {
 public:
  Waker() = default;
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  // Driving thread, once: starts the handle on `loop`. Returns 0 or a libuv
  // error code.
  int Init(uv_loop_t* loop);

  // Driving thread: uv_close without a callback (the handle's memory is
  // this object, which must outlive the loop's close callbacks).
  void Close();

  // Any thread, between Init and Close.
  void Wake();

  // Driving thread, right before a uv_run that may block (UV_RUN_ONCE).
  // Returns false if a wake-up is pending: the thread must not block then
  // (run UV_RUN_NOWAIT instead) and counts itself woken; the wake-up is
  // consumed. Returns true if it may block; EndBlockingWait must follow
  // when uv_run returns.
  bool BeginBlockingWait();
  void EndBlockingWait() {
    state_.fetch_and(~kBlocking, std::memory_order_acq_rel);
  }

  // Driving thread: whether the async callback ran since the last call.
  bool TakeWoken();

 private:
  static void OnAsync(uv_async_t* handle);

  static constexpr uint8_t kWakePending = 1;  // the flag above
  static constexpr uint8_t kBlocking = 2;     // Wake() must send

  uv_async_t async_;
  std::atomic<uint8_t> state_{0};
  bool woken_ = false;  // driving thread only
};

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_WAKER_H_
