// The cross-thread wake-up of one epoll reactor: an eventfd in the reactor's
// epoll set, written by Wake() from any thread.
//
// The eventfd is registered edge-triggered, so every write that follows a
// delivered event produces a new event, and the driving thread never has to
// read the counter back (one system call saved per wake-up). A flag coalesces
// wake-ups: only the Wake() that sets it writes; it stays set until the
// driving thread has seen the event (Consumed), so wakes sent while one is
// already pending cost no system call.
//
// Invariant: whenever `pending_` is true, an event for the eventfd is pending
// in the epoll set or is being handled by the Run in progress (which returns
// promptly); a Wake() after Consumed() writes again.

#ifndef WEFT_EXECUTORS_EPOLL_WAKER_H_
#define WEFT_EXECUTORS_EPOLL_WAKER_H_

#include <atomic>

namespace weft::epoll {

class Waker {
 public:
  // Takes ownership of `event_fd` (an EFD_NONBLOCK eventfd).
  explicit Waker(int event_fd) : fd_(event_fd) {}
  ~Waker();

  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  int fd() const { return fd_; }

  // Any thread.
  void Wake();

  // Driving thread: the epoll event of fd() was delivered.
  void Consumed() { pending_.store(false, std::memory_order_release); }

 private:
  const int fd_;
  std::atomic<bool> pending_{false};
};

}  // namespace weft::epoll

#endif  // WEFT_EXECUTORS_EPOLL_WAKER_H_
