// RuntimeClock: the time a runtime's timers run on. It is steady_clock until
// a test pauses it (weft::time::pause): then it stands still, moves only by
// advance() or, when the runtime has nothing else to do, by jumping to the
// next timer (auto-advance, in the current_thread scheduler). After resume()
// it runs on at real speed from where it stood (like tokio's resume: the
// paused stretch of real time is skipped, the advances are kept).
//
// Any thread may read it. A clock that was never paused costs one relaxed
// atomic load per Now() on top of steady_clock::now().

#ifndef WEFT_RUNTIME_INTERNAL_DRIVER_RUNTIME_CLOCK_H_
#define WEFT_RUNTIME_INTERNAL_DRIVER_RUNTIME_CLOCK_H_

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>

namespace weft::internal {

class RuntimeClock {
 public:
  using Clock = std::chrono::steady_clock;

  Clock::time_point Now() const;
  bool paused() const;

  // Each returns false, changing nothing, when the clock is in the wrong
  // state: Pause when already paused, the others when not paused.
  bool Pause();
  bool Resume();
  bool Advance(Clock::duration duration);
  // Moves a paused clock forward to `time` (never backward).
  bool AdvanceTo(Clock::time_point time);

  // The steady_clock time at which `deadline` (on this clock) comes, or
  // std::nullopt while the clock is paused: then it never comes by itself.
  std::optional<Clock::time_point> RealTimeOf(Clock::time_point deadline) const;

 private:
  // Set once, by the first Pause; until then Now() is steady_clock::now().
  std::atomic<bool> adjusted_{false};
  mutable std::mutex mu_;
  bool paused_ = false;          // guarded by mu_
  Clock::time_point frozen_at_;  // guarded by mu_; while paused
  // Now() - steady_clock::now() while running; guarded by mu_.
  Clock::duration ahead_by_{Clock::duration::zero()};
};

// `time + duration`, saturated at the clock's range instead of overflowing.
RuntimeClock::Clock::time_point SaturatingAdd(
    RuntimeClock::Clock::time_point time,
    RuntimeClock::Clock::duration duration);

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_DRIVER_RUNTIME_CLOCK_H_
