// Driver: what a runtime thread parks on — the backend's Reactor plus the
// timers registered by the tasks that ran on it.
//
// There is one driver per worker core, one for a current_thread runtime's
// core, and one per thread that calls block_on on a multi_thread runtime.
// A driver lives as long as its runtime, so timers and I/O registered on it
// stay valid while any task could still be waiting on them.

#ifndef WEFT_RUNTIME_INTERNAL_DRIVER_H_
#define WEFT_RUNTIME_INTERNAL_DRIVER_H_

#include <memory>
#include <optional>

#include "runtime/executor.h"
#include "runtime/internal/runtime_clock.h"
#include "runtime/internal/timer_queue.h"

namespace weft::internal {

class Driver {
 public:
  // Timer deadlines are on `clock` (the runtime's; it outlives the driver).
  Driver(std::unique_ptr<Reactor> reactor, RuntimeClock& clock)
      : reactor_(std::move(reactor)), clock_(clock) {}

  // Waits for I/O, a Wake, or the next timer — and no later than `limit`
  // (real steady_clock time; std::nullopt: no limit; now or earlier: do not
  // block) — then delivers completions and fires the timers that are due.
  // While the clock is paused, timers come due only when it is advanced.
  void Park(std::optional<Clock::time_point> limit);
  // Polls without blocking.
  void Poll() { Park(Clock::now()); }
  // Paused clock only: moves it to the earliest pending timer and fires the
  // timers due then. Returns false (doing nothing) when no timer is pending.
  bool AdvanceClockToNextTimer();

  // Any thread.
  void Wake() { reactor_->Wake(); }
  void AddTimer(TimerEntry* entry) {
    if (timers_.Insert(entry)) reactor_->Wake();
  }
  static void CancelTimer(TimerEntry* entry) {
    if (entry->queue != nullptr) entry->queue->Cancel(entry);
  }
  size_t PendingTimers() { return timers_.Size(); }

  Reactor& reactor() { return *reactor_; }

  // Completes the I/O still in flight with -ECANCELED (shutdown).
  void Drain();

 private:
  std::unique_ptr<Reactor> reactor_;
  RuntimeClock& clock_;
  TimerQueue timers_;
};

// The driver of this thread (set while it runs a worker, a current_thread
// core or a block_on call), or nullptr.
Driver* CurrentDriver();
class DriverScope {
 public:
  explicit DriverScope(Driver* driver);
  ~DriverScope();
  DriverScope(const DriverScope&) = delete;
  DriverScope& operator=(const DriverScope&) = delete;

 private:
  Driver* saved_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_DRIVER_H_
