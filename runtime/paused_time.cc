#include "runtime/paused_time.h"

#include "runtime/errors.h"
#include "runtime/internal/scheduler/current_clock.h"
#include "runtime/internal/scheduler/runtime_core.h"
#include "runtime/spawn.h"

namespace weft::time {

Clock::time_point now() { return internal::ClockNow(); }

void pause() {
  internal::RuntimeCore& runtime =
      internal::CurrentRuntimeOrThrow("weft::time::pause");
  if (runtime.options().multi_thread) {
    throw UsageError(
        "weft::time::pause on a multi_thread runtime: pausing time needs the "
        "current_thread flavor (Runtime::Builder::current_thread())");
  }
  if (!runtime.clock().Pause()) {
    throw UsageError(
        "weft::time::pause while time is already paused: call "
        "weft::time::resume() first");
  }
}

void resume() {
  internal::RuntimeCore& runtime =
      internal::CurrentRuntimeOrThrow("weft::time::resume");
  if (!runtime.clock().Resume()) {
    throw UsageError(
        "weft::time::resume while time is not paused: only a paused clock "
        "can be resumed");
  }
}

Task<void> advance(Clock::duration duration) {
  internal::RuntimeCore& runtime =
      internal::CurrentRuntimeOrThrow("weft::time::advance");
  if (!runtime.clock().Advance(duration)) {
    throw UsageError(
        "weft::time::advance while time is not paused: call "
        "weft::time::pause() first, or build the runtime with "
        "Runtime::Builder::start_paused(true)");
  }
  co_await yield_now();
}

}  // namespace weft::time
