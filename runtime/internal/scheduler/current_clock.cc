#include "runtime/internal/scheduler/current_clock.h"

#include "runtime/internal/scheduler/runtime_core.h"

namespace weft::internal {

const RuntimeClock* CurrentClock() {
  RuntimeCore* runtime = CurrentRuntime();
  return runtime == nullptr ? nullptr : &runtime->clock();
}

RuntimeClock::Clock::time_point ClockNow() {
  const RuntimeClock* clock = CurrentClock();
  return clock == nullptr ? RuntimeClock::Clock::now() : clock->Now();
}

}  // namespace weft::internal
