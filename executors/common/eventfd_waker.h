// EventfdWaker: the cross-thread wake-up of one reactor that waits in the
// kernel (epoll, io_uring): an EFD_NONBLOCK eventfd, written by Wake() from
// any thread, that the reactor watches — registered edge-triggered in the
// epoll set, or polled by the ring (a multishot POLL_ADD where the kernel
// has it, else a one-shot POLL_ADD re-armed after each event).
//
// Either way each write produces a new event whatever the counter holds, so
// the driving thread never reads the counter back in the common case (one
// system call saved per wake-up). Wake() writes only when it has to:
//
//   * A flag coalesces wake-ups: only the Wake() that sets it may write; the
//     driving thread clears it when it sees the event (Consume), so wakes
//     sent while one is pending cost no system call.
//   * Wake() writes only while the driving thread waits in the kernel, or is
//     about to (between BeginBlockingWait and EndBlockingWait). A wake sent
//     while the thread runs sets the flag only, and the thread's next
//     BeginBlockingWait sees it and does not block (tokio's unpark makes no
//     system call either while its parker has not parked). One RMW on one
//     atomic decides both sides, so a Wake and a BeginBlockingWait that race
//     see each other one way or the other.
//
// Before a one-shot or multishot poll is (re-)armed the counter is drained
// (Drain), because a poll armed on a readable eventfd fires at once (a
// level-triggered poll(2) set, as the test backend poll's, drains it after
// each event for the same reason); Drain also clears the flag and reports
// whether a wake was pending, which the reactor then answers by returning,
// since the write that would have woken it was just consumed.
//
// Invariant: whenever the flag is set, an event for the eventfd is pending,
// or is being handled by the Run in progress (which returns promptly), or no
// write was needed because the driving thread was not blocking, and its
// next BeginBlockingWait returns false; a Wake() after Consume(), Drain() or
// a BeginBlockingWait that returned false sets the flag again.

#ifndef WEFT_EXECUTORS_COMMON_EVENTFD_WAKER_H_
#define WEFT_EXECUTORS_COMMON_EVENTFD_WAKER_H_

#include <atomic>
#include <cstdint>

namespace weft::executors_common {

class EventfdWaker {
 public:
  // Takes ownership of `event_fd` (an EFD_NONBLOCK eventfd).
  explicit EventfdWaker(int event_fd) : fd_(event_fd) {}
  ~EventfdWaker();

  EventfdWaker(const EventfdWaker&) = delete;
  EventfdWaker& operator=(const EventfdWaker&) = delete;

  int fd() const { return fd_; }

  // Any thread.
  void Wake();

  // Driving thread: the event for fd() arrived. Returns whether a wake was
  // pending. acq_rel: the driving thread then sees what the last waker wrote
  // before its Wake().
  bool Consume() {
    return (state_.fetch_and(~kWakePending, std::memory_order_acq_rel) &
            kWakePending) != 0;
  }

  // Driving thread, before arming a poll: empties the counter, then Consume.
  bool Drain();

  // Driving thread, right before a wait that may block in the kernel (an
  // infinite or positive timeout). Returns false if a wake-up is pending:
  // the thread must not block then (poll without waiting instead) and counts
  // itself woken; the wake-up is consumed. Returns true if it may block;
  // EndBlockingWait must follow when the wait returns.
  bool BeginBlockingWait();
  void EndBlockingWait() {
    state_.fetch_and(~kBlocking, std::memory_order_acq_rel);
  }

 private:
  static constexpr uint8_t kWakePending = 1;  // the flag above
  static constexpr uint8_t kBlocking = 2;     // Wake() must write

  const int fd_;
  std::atomic<uint8_t> state_{0};
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_EVENTFD_WAKER_H_
