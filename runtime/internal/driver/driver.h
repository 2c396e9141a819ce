// Driver: what a runtime thread parks on — the backend's Reactor plus the
// timers registered by the tasks that ran on it.
//
// There is one driver per worker core, one for a current_thread runtime's
// core, and one per thread that calls block_on on a multi_thread runtime.
// A driver lives as long as its runtime, so timers and I/O registered on it
// stay valid while any task could still be waiting on them.
//
// One thread at a time drives a driver (parks on it); the backend's reactor
// accepts operations only from that thread, so the driver queues those
// submitted elsewhere and the driving thread hands them over when it parks.

#ifndef WEFT_RUNTIME_INTERNAL_DRIVER_DRIVER_H_
#define WEFT_RUNTIME_INTERNAL_DRIVER_DRIVER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/executor.h"
#include "runtime/internal/driver/reactor_health.h"
#include "runtime/internal/driver/runtime_clock.h"
#include "runtime/internal/driver/timer_queue.h"

namespace weft::internal {

class Driver {
 public:
  // Timer deadlines are on `clock`; reactor failures are counted in
  // `health` (both the runtime's; they outlive the driver).
  Driver(std::unique_ptr<Reactor> reactor, RuntimeClock& clock,
         ReactorHealth& health)
      : reactor_(std::move(reactor)), clock_(clock), health_(health) {}

  // Waits for I/O, a Wake, or the next timer — and no later than `limit`
  // (real steady_clock time; std::nullopt: no limit; now or earlier: do not
  // block) — then delivers completions and fires the timers that are due.
  // While the clock is paused, timers come due only when it is advanced.
  // When the reactor fails to wait, the failure is recorded in the health
  // and the next waits back off (up to kMaxFailureBackoff, never past
  // `limit` or the next timer) instead of spinning.
  void Park(std::optional<Clock::time_point> limit);
  // Polls without blocking.
  void Poll() { Park(Clock::now()); }
  // Paused clock only: moves it to the earliest pending timer and fires the
  // timers due then. Returns false (doing nothing) when no timer is pending.
  bool AdvanceClockToNextTimer();

  // Any thread. Starts `op` on the reactor: at once on the driving thread;
  // from any other thread (a task finishing its poll after block_in_place
  // gave its worker away, a block_on body on a current_thread runtime whose
  // core another thread holds) through a queue that the driving thread
  // submits from at its next Park, which the queueing wakes.
  void Submit(IoOperation* op);
  // Driving thread only (see OnDrivingThread): Reactor::SubmitEager.
  std::optional<int32_t> SubmitEager(IoOperation* op) {
    return reactor_->SubmitEager(op);
  }
  // Whether the calling thread drives this driver (its Submits go to the
  // reactor at once).
  bool OnDrivingThread() const {
    return driving_thread_.load(std::memory_order_acquire) ==
           std::this_thread::get_id();
  }
  // Any thread. Cancels `op` (Reactor::Cancel's protocol); an operation
  // still queued completes with -ECANCELED at the next Park instead.
  void Cancel(IoOperation* op);
  // Any thread.
  void Wake() { reactor_->Wake(); }
  // Any thread. Whether the backend runs file operations natively
  // (Reactor::SupportsFileOps); constant for the driver's life.
  bool SupportsFileOps() const { return reactor_->SupportsFileOps(); }

  // The calling thread drives this driver from now on (it will Park).
  void BecomeDrivingThread();
  // The calling thread stops driving (if it was the driving thread): its
  // Submits are queued from now on.
  void StopDriving();

  // Any thread.
  void AddTimer(TimerEntry* entry) {
    if (timers_.Insert(entry)) reactor_->Wake();
  }
  static void CancelTimer(TimerEntry* entry) {
    if (entry->queue != nullptr) entry->queue->Cancel(entry);
  }

  // Completes the I/O still in flight or queued with -ECANCELED (shutdown).
  void Drain();

 private:
  // Driving thread: submits the queued operations and completes the queued
  // ones that were cancelled.
  void SubmitQueued();

  // Sleeps after a failed reactor wait, doubling per failure in a row.
  void BackOffAfterFailure(std::optional<Clock::time_point> deadline);

  static constexpr std::chrono::milliseconds kMaxFailureBackoff{100};

  std::unique_ptr<Reactor> reactor_;
  RuntimeClock& clock_;
  ReactorHealth& health_;
  TimerQueue timers_;
  int failures_in_a_row_ = 0;  // driving thread only

  std::atomic<std::thread::id> driving_thread_{};
  // Set while queued_ or cancelled_queued_ holds an operation, so that the
  // common paths (Park, Cancel) need not take queue_mu_.
  std::atomic<bool> has_queued_{false};
  std::mutex queue_mu_;
  std::vector<IoOperation*> queued_;            // guarded by queue_mu_
  std::vector<IoOperation*> cancelled_queued_;  // guarded by queue_mu_
};

// The driver of this thread (set while it runs a worker, a current_thread
// core or a block_on call), or nullptr.
Driver* CurrentDriver();
// Makes `driver` this thread's driver for the scope; `driving`: this thread
// also drives it (parks on it) for the scope.
class DriverScope {
 public:
  DriverScope(Driver* driver, bool driving);
  ~DriverScope();
  DriverScope(const DriverScope&) = delete;
  DriverScope& operator=(const DriverScope&) = delete;

 private:
  Driver* saved_;
  Driver* driving_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_DRIVER_DRIVER_H_
