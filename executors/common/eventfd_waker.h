// EventfdWaker: the cross-thread wake-up of one reactor that waits in the
// kernel (epoll, io_uring): an EFD_NONBLOCK eventfd, written by Wake() from
// any thread, that the reactor watches — registered edge-triggered in the
// epoll set, or polled by the ring (a multishot POLL_ADD where the kernel
// has it, else a one-shot POLL_ADD re-armed after each event).
//
// Either way each write produces a new event whatever the counter holds, so
// the driving thread never reads the counter back in the common case (one
// system call saved per wake-up). Wake() writes only when WakeState says it
// must (wake_state.h): once per pending wake-up, and only while the
// driving thread blocks in the kernel or is about to.
//
// Before a one-shot or multishot poll is (re-)armed the counter is drained
// (Drain), because a poll armed on a readable eventfd fires at once (a
// level-triggered poll(2) set, as the test backend poll's, drains it after
// each event for the same reason); Drain also clears the flag and reports
// whether a wake was pending, which the reactor then answers by returning,
// since the write that would have woken it was just consumed.

#ifndef WEFT_EXECUTORS_COMMON_EVENTFD_WAKER_H_
#define WEFT_EXECUTORS_COMMON_EVENTFD_WAKER_H_

#include "executors/common/wake_state.h"

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
  // pending (WakeState::Consume).
  bool Consume() { return state_.Consume(); }

  // Driving thread, before arming a poll: empties the counter, then Consume.
  bool Drain();

  // Driving thread, around a wait that may block in the kernel (an
  // infinite or positive timeout): see WakeState.
  bool BeginBlockingWait() { return state_.BeginBlockingWait(); }
  void EndBlockingWait() { state_.EndBlockingWait(); }

 private:
  const int fd_;
  WakeState state_;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_EVENTFD_WAKER_H_
