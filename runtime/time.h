// Time built on Sleep: timeout and Interval, on std::chrono::steady_clock.

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

// The error of timeout(): the deadline passed before the task finished.
struct Elapsed {
  std::string_view message() const { return "deadline has elapsed"; }
  friend bool operator==(Elapsed, Elapsed) = default;
};

// Runs `task` for at most `duration`; on expiry the task is cancelled (its
// frame destroyed) and the result is Elapsed.
template <typename T>
Task<std::expected<T, Elapsed>> timeout(Clock::duration duration,
                                        Task<T> task) {
  auto outcome = co_await select(std::move(task), sleep(duration));
  if (outcome.index() == 1) co_return std::unexpected(Elapsed{});
  if constexpr (std::is_void_v<T>) {
    co_return std::expected<void, Elapsed>();
  } else {
    co_return std::move(std::get<0>(outcome));
  }
}

// Ticks every `period`. Missed ticks are delivered at once, one per tick()
// call, until it has caught up (tokio's MissedTickBehavior::Burst).
class Interval {
 public:
  Interval(Clock::time_point start, Clock::duration period);

  // Waits for the next tick; returns the time it was scheduled for.
  Task<Clock::time_point> tick();
  void reset();
  Clock::duration period() const { return period_; }

 private:
  Clock::time_point next_;
  Clock::duration period_;
};

// First tick is immediate. Throws UsageError for a zero period.
Interval interval(Clock::duration period);
Interval interval_at(Clock::time_point start, Clock::duration period);

}  // namespace weft

#endif  // WEFT_RUNTIME_TIME_H_
