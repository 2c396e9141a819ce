/// \file
/// Sleep: an awaitable that completes at a deadline of std::chrono::
/// steady_clock, read on the runtime's clock (which a test may pause, see
/// runtime/paused_time.h); also a branch kind of select.
///
/// A Sleep registers with the driver of the thread that awaits it and
/// unregisters when destroyed, so a cancelled sleep (an aborted task, a select
/// branch that lost) leaves nothing behind.

#ifndef WEFT_RUNTIME_SLEEP_H_
#define WEFT_RUNTIME_SLEEP_H_

#include <chrono>
#include <coroutine>

#include "runtime/internal/driver/timer_queue.h"
#include "runtime/internal/task/exec_context.h"

namespace weft {

/// The clock of every deadline and period in weft, read through the runtime
/// (weft::time::now()) so that a test can pause it.
using Clock = std::chrono::steady_clock;

/// An awaitable that completes at a deadline; see sleep.h.
class [[nodiscard]] Sleep final : public internal::Pollable {
 public:
  /// Completes at `deadline` (what sleep_until() makes).
  explicit Sleep(Clock::time_point deadline) { entry_.deadline = deadline; }
  /// Only a Sleep that was never awaited may be moved.
  Sleep(Sleep&& other) noexcept { entry_.deadline = other.entry_.deadline; }
  Sleep& operator=(Sleep&&) = delete;
  ~Sleep();

  /// When it completes.
  Clock::time_point deadline() const { return entry_.deadline; }
  /// Moves the deadline (earlier or later), as if the Sleep had been made
  /// with it; the next await waits for the new one. Call it between awaits
  /// (a Sleep is awaited by one task, which cannot call this meanwhile).
  void reset(Clock::time_point deadline);
  /// On the runtime's clock (weft::time::now()).
  bool is_elapsed() const;

  /// The awaitable protocol: `co_await` calls these, select() polls
  /// IsReady.
  ///@{
  bool await_ready();
  void await_suspend(std::coroutine_handle<> handle);
  void await_resume() const noexcept {}
  bool IsReady() override;
  ///@}

 private:
  internal::TimerEntry entry_;
};

/// Until `deadline` on the runtime's clock; a deadline in the past completes
/// at once (after a budget check).
inline Sleep sleep_until(Clock::time_point deadline) { return Sleep(deadline); }

/// Until weft::time::now() + duration. A zero or negative duration completes
/// at once (after a budget check).
Sleep sleep(Clock::duration duration);

}  // namespace weft

#endif  // WEFT_RUNTIME_SLEEP_H_
