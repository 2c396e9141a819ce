#include "runtime/internal/driver/runtime_clock.h"

namespace weft::internal {

using Clock = RuntimeClock::Clock;

Clock::time_point RuntimeClock::Now() const {
  if (!adjusted_.load(std::memory_order_acquire)) return Clock::now();
  std::lock_guard lock(mu_);
  return paused_ ? frozen_at_ : SaturatingAdd(Clock::now(), ahead_by_);
}

bool RuntimeClock::paused() const {
  if (!adjusted_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mu_);
  return paused_;
}

bool RuntimeClock::Pause() {
  std::lock_guard lock(mu_);
  if (paused_) return false;
  frozen_at_ = SaturatingAdd(Clock::now(), ahead_by_);
  paused_ = true;
  adjusted_.store(true, std::memory_order_release);
  return true;
}

bool RuntimeClock::Resume() {
  std::lock_guard lock(mu_);
  if (!paused_) return false;
  ahead_by_ = frozen_at_ - Clock::now();
  paused_ = false;
  return true;
}

bool RuntimeClock::Advance(Clock::duration duration) {
  std::lock_guard lock(mu_);
  if (!paused_) return false;
  if (duration > Clock::duration::zero()) {
    frozen_at_ = SaturatingAdd(frozen_at_, duration);
  }
  return true;
}

bool RuntimeClock::AdvanceTo(Clock::time_point time) {
  std::lock_guard lock(mu_);
  if (!paused_) return false;
  if (time > frozen_at_) frozen_at_ = time;
  return true;
}

std::optional<Clock::time_point> RuntimeClock::RealTimeOf(
    Clock::time_point deadline) const {
  if (!adjusted_.load(std::memory_order_acquire)) return deadline;
  std::lock_guard lock(mu_);
  if (paused_) return std::nullopt;
  return SaturatingAdd(deadline, -ahead_by_);
}

Clock::time_point SaturatingAdd(Clock::time_point time,
                                Clock::duration duration) {
  if (duration > Clock::duration::zero() &&
      time > Clock::time_point::max() - duration) {
    return Clock::time_point::max();
  }
  if (duration < Clock::duration::zero() &&
      time < Clock::time_point::min() - duration) {
    return Clock::time_point::min();
  }
  return time + duration;
}

}  // namespace weft::internal
