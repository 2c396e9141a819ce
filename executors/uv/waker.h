// The cross-thread wake-up of one uv reactor: a uv_async_t on its loop,
// sent by Wake() from any thread.
//
// uv_async_send costs a system call (an eventfd write on Linux, a posted
// completion on Windows) whenever the handle is not already pending, even
// when the loop's thread is busy running tasks and would look at its queues
// anyway. So Wake() sends only when WakeState says it must
// (executors/common/wake_state.h), as EventfdWaker does for epoll and
// io_uring: once per pending wake-up, and only while the driving thread
// blocks in uv_run(UV_RUN_ONCE) or is about to. The async callback is the
// signal's arrival (WakeState::Consume), and the driving thread reports
// it (TakeWoken).
//
// The handle keeps its loop alive (it is active and referenced), which is
// what lets uv_run(UV_RUN_ONCE) block with nothing else to wait for.

#ifndef WEFT_EXECUTORS_UV_WAKER_H_
#define WEFT_EXECUTORS_UV_WAKER_H_

#include <uv.h>

#include "executors/common/wake_state.h"

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

  // Driving thread, around a uv_run that may block (UV_RUN_ONCE): see
  // WakeState (when a wake-up is pending, run UV_RUN_NOWAIT instead).
  bool BeginBlockingWait() { return state_.BeginBlockingWait(); }
  void EndBlockingWait() { state_.EndBlockingWait(); }

  // Driving thread: whether the async callback ran since the last call.
  bool TakeWoken();

 private:
  static void OnAsync(uv_async_t* handle);

  uv_async_t async_;
  executors_common::WakeState state_;
  bool woken_ = false;  // driving thread only
};

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_WAKER_H_
