#include "runtime/time.h"

#include "runtime/errors.h"
#include "runtime/internal/driver/runtime_clock.h"
#include "runtime/internal/scheduler/current_clock.h"

namespace weft {

Interval::Interval(Clock::time_point start, Clock::duration period)
    : next_(start), period_(period) {
  if (period <= Clock::duration::zero()) {
    throw UsageError(
        "weft::interval with a zero or negative period: pass a "
        "positive duration");
  }
}

Task<Clock::time_point> Interval::tick() {
  co_await sleep_until(next_);
  const Clock::time_point scheduled = next_;
  const Clock::time_point now = internal::ClockNow();
  if (now <= scheduled + kIntervalTolerance) {
    next_ = scheduled + period_;
    co_return scheduled;
  }
  switch (behavior_) {
    case MissedTickBehavior::kBurst:
      next_ = scheduled + period_;
      break;
    case MissedTickBehavior::kDelay:
      next_ = internal::SaturatingAdd(now, period_);
      break;
    case MissedTickBehavior::kSkip:
      // The first tick of the original schedule after now.
      next_ =
          internal::SaturatingAdd(now, period_ - (now - scheduled) % period_);
      break;
  }
  co_return scheduled;
}

void Interval::reset() {
  next_ = internal::SaturatingAdd(internal::ClockNow(), period_);
}

Interval interval(Clock::duration period) {
  return Interval(internal::ClockNow(), period);
}

Interval interval_at(Clock::time_point start, Clock::duration period) {
  return Interval(start, period);
}

}  // namespace weft
