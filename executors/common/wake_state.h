// WakeState: when a reactor's cross-thread wake-up must reach the kernel,
// for the wakers of every backend (EventfdWaker for epoll and io_uring,
// uv::Waker for libuv). The waker owns the signal (an eventfd write, a
// uv_async_send); this decides when to send it:
//
//   * A flag coalesces wake-ups: only the Wake() that sets it may signal;
//     the driving thread clears it when it sees the signal (Consume), so
//     wakes sent while one is pending cost no system call.
//   * Wake() signals only while the driving thread blocks, or is about to
//     (between BeginBlockingWait and EndBlockingWait). A wake sent while the
//     thread runs sets the flag only, and the thread's next
//     BeginBlockingWait sees it and does not block (tokio's unpark makes no
//     system call either while its parker has not parked). One
//     read-modify-write on one atomic decides both sides, so a Wake and a
//     BeginBlockingWait that race see each other one way or the other.
//
// Invariant: whenever the flag is set, a signal is pending, or is being
// handled by the wait in progress (which returns promptly), or none was
// needed because the driving thread was not blocking, and its next
// BeginBlockingWait returns false; a Wake() after Consume() or a
// BeginBlockingWait that returned false sets the flag again. Every
// operation is acq_rel, so whatever a waking thread did before its Wake
// happens-before the driving thread's return from the wait that reports it.

#ifndef WEFT_EXECUTORS_COMMON_WAKE_STATE_H_
#define WEFT_EXECUTORS_COMMON_WAKE_STATE_H_

#include <atomic>
#include <cstdint>

namespace weft::executors_common {

class WakeState {
 public:
  // Any thread: records a wake-up. Returns true if the caller must signal
  // the driving thread (it blocks, and no wake-up was pending).
  bool Wake() {
    const uint8_t before =
        state_.fetch_or(kWakePending, std::memory_order_acq_rel);
    // Pending already, or the driving thread is not blocking and will see
    // the flag before it does.
    return (before & kWakePending) == 0 && (before & kBlocking) != 0;
  }

  // Driving thread: the signal arrived. Returns whether a wake was pending.
  bool Consume() {
    return (state_.fetch_and(~kWakePending, std::memory_order_acq_rel) &
            kWakePending) != 0;
  }

  // Driving thread, right before a wait that may block. Returns false if a
  // wake-up is pending: the thread must not block then (it polls without
  // waiting instead) and counts itself woken; the wake-up is consumed.
  // Returns true if it may block; EndBlockingWait must follow when the wait
  // returns.
  bool BeginBlockingWait() {
    const uint8_t before =
        state_.fetch_or(kBlocking, std::memory_order_acq_rel);
    if ((before & kWakePending) == 0) return true;
    // The wake-up is answered by not blocking. Every Wake() until this store
    // returns at the flag, so the state can be reset whole. (A signal sent
    // while the last wait was ending may still arrive: a spurious wake-up.)
    state_.store(0, std::memory_order_release);
    return false;
  }
  void EndBlockingWait() {
    state_.fetch_and(~kBlocking, std::memory_order_acq_rel);
  }

 private:
  static constexpr uint8_t kWakePending = 1;  // the flag above
  static constexpr uint8_t kBlocking = 2;     // Wake() must signal

  std::atomic<uint8_t> state_{0};
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_WAKE_STATE_H_
