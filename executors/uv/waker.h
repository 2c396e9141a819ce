// The cross-thread wake-up of one uv reactor: a uv_async_t on its loop,
// sent by Wake() from any thread.
//
// libuv already coalesces uv_async_send calls that arrive before the loop
// has run the callback, but each of them still does an atomic
// compare-and-swap on the handle, and some write the loop's wake-up fd. A
// flag in front makes every Wake after the first (until the callback ran) a
// single atomic exchange: only the Wake that sets it calls uv_async_send.
// The callback clears it with an exchange, so whatever a waking thread did
// before its Wake happens-before the driving thread's return from Run.
//
// Invariant: whenever `pending_` is true, a uv_async_send is pending on the
// handle, or the callback is about to run in the uv_run in progress (which
// then returns); a Wake after the callback cleared the flag sends again.
//
// The handle keeps its loop alive (it is active and referenced), which is
// what lets uv_run(UV_RUN_ONCE) block with nothing else to wait for.

#ifndef WEFT_EXECUTORS_UV_WAKER_H_
#define WEFT_EXECUTORS_UV_WAKER_H_

#include <uv.h>

#include <atomic>

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

  // Driving thread: whether a wake-up arrived since the last call.
  bool TakeWoken();

 private:
  static void OnAsync(uv_async_t* handle);

  uv_async_t async_;
  std::atomic<bool> pending_{false};
  bool woken_ = false;  // driving thread only
};

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_WAKER_H_
