/// \file
/// Time built on Sleep: timeout and Interval, on std::chrono::steady_clock.

#ifndef WEFT_RUNTIME_TIME_H_
#define WEFT_RUNTIME_TIME_H_

#include <chrono>
#include <coroutine>
#include <expected>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "runtime/select.h"
#include "runtime/sleep.h"
#include "runtime/task.h"

namespace weft {

/// The error of timeout(): the deadline passed before the task finished.
struct Elapsed {
  /// "deadline has elapsed", as tokio's Elapsed prints.
  std::string_view message() const { return "deadline has elapsed"; }
  /// Every Elapsed is equal to every other.
  friend bool operator==(Elapsed, Elapsed) = default;
};

namespace internal {

template <typename T>
Task<std::expected<T, Elapsed>> TimeoutWith(Task<T> work, Sleep deadline) {
  // The work is polled before the deadline (tokio's Timeout): work that is
  // ready when the deadline passes still wins.
  auto outcome = co_await select_biased(std::move(work), std::move(deadline));
  if (outcome.index() == 1) co_return std::unexpected(Elapsed{});
  if constexpr (std::is_void_v<T>) {
    co_return std::expected<void, Elapsed>();
  } else {
    co_return std::move(std::get<0>(outcome));
  }
}

}  // namespace internal

/// Awaits `work` for at most `duration`; on expiry the work is cancelled (its
/// frame destroyed) and the result is Elapsed. `work` is anything select
/// takes: a Task<T>, a JoinHandle<T>& (yields JoinResult<T>; on expiry the
/// task keeps running and the handle keeps its output), or an awaitable by
/// value (a channel recv, Notify::notified(), ...).
template <typename Awaitable>
auto timeout(Clock::duration duration, Awaitable&& work) {
  return internal::TimeoutWith(
      internal::AsBranch(std::forward<Awaitable>(work)), sleep(duration));
}

/// Same, with a deadline instead of a duration.
template <typename Awaitable>
auto timeout_at(Clock::time_point deadline, Awaitable&& work) {
  return internal::TimeoutWith(
      internal::AsBranch(std::forward<Awaitable>(work)), sleep_until(deadline));
}

/// What an Interval does with the ticks it missed because tick() was called
/// late (tokio's MissedTickBehavior). A tick counts as missed when it is
/// more than kIntervalTolerance late.
enum class MissedTickBehavior {
  /// Delivers the missed ticks at once, one per tick() call, until it has
  /// caught up: the ticks keep their schedule. The default.
  kBurst,
  /// The next tick is a period after the late one was delivered: the
  /// schedule shifts by the delay.
  kDelay,
  /// Drops the missed ticks: the next tick is the next one of the original
  /// schedule that is still ahead.
  kSkip,
};

/// How late a tick may be before it counts as missed.
inline constexpr Clock::duration kIntervalTolerance =
    std::chrono::milliseconds(5);

/// Ticks every `period` (tokio's time::Interval); made by interval() and
/// interval_at().
class Interval {
 public:
  /// The first tick at `start`, then one every `period`; throws UsageError
  /// for a zero or negative period.
  Interval(Clock::time_point start, Clock::duration period);

  /// Waits for the next tick; returns the time it was scheduled for.
  Task<Clock::time_point> tick();
  /// The next tick comes a period from now.
  void reset();
  /// The time between ticks.
  Clock::duration period() const { return period_; }

  /// What it does with missed ticks; kBurst unless set.
  ///@{
  MissedTickBehavior missed_tick_behavior() const { return behavior_; }
  void set_missed_tick_behavior(MissedTickBehavior behavior) {
    behavior_ = behavior;
  }
  ///@}

 private:
  Clock::time_point next_;
  Clock::duration period_;
  MissedTickBehavior behavior_ = MissedTickBehavior::kBurst;
};

/// First tick is immediate. Throws UsageError for a zero period.
Interval interval(Clock::duration period);
/// First tick at `start`. Throws UsageError for a zero or negative period.
Interval interval_at(Clock::time_point start, Clock::duration period);

}  // namespace weft

#endif  // WEFT_RUNTIME_TIME_H_
