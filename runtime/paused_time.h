/// \file
/// Paused time for tests, as tokio's time::pause: on a current_thread runtime,
/// weft::time::pause() stops the runtime's clock. From then on sleeps,
/// timeouts and intervals see time move only when
///   * a task calls weft::time::advance(d), or
///   * the runtime has nothing else to do — no task ready, no I/O ready, no
///     spawn_blocking closure queued or running — and a timer is pending: the
///     clock jumps to that timer's deadline (auto-advance).
/// So a test of an hour-long timeout runs in microseconds and
/// deterministically. Runtime::Builder::start_paused(true) builds a runtime
/// whose clock is paused from the start.
///
/// weft::time::now() is the runtime's time; std::chrono::steady_clock::now()
/// is the machine's and keeps running. Deadlines passed to sleep_until and
/// interval_at are read on the runtime's clock.

#ifndef WEFT_RUNTIME_PAUSED_TIME_H_
#define WEFT_RUNTIME_PAUSED_TIME_H_

#include "runtime/sleep.h"
#include "runtime/task.h"

namespace weft::time {

/// The current time of this thread's runtime: steady_clock::now() unless the
/// clock is paused or was advanced. Outside a runtime, steady_clock::now().
Clock::time_point now();

/// Stops the clock. Throws UsageError outside a runtime, on a multi_thread
/// runtime, or when the clock is already paused.
void pause();

/// Lets the clock run again at real speed, from where it stands. Throws
/// UsageError outside a runtime or when the clock is not paused.
void resume();

/// Moves the paused clock forward by `duration`, then yields so that the
/// tasks whose timers came due run before the caller continues. Throws
/// UsageError (when awaited) outside a runtime or when the clock is not
/// paused.
Task<void> advance(Clock::duration duration);

}  // namespace weft::time

#endif  // WEFT_RUNTIME_PAUSED_TIME_H_
