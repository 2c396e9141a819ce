// The clock of the runtime this thread belongs to: what sleep, interval and
// time::now measure against. Kept apart from RuntimeClock (driver/) because
// finding "this thread's runtime" needs the scheduler, which needs drivers.

#ifndef WEFT_RUNTIME_INTERNAL_SCHEDULER_CURRENT_CLOCK_H_
#define WEFT_RUNTIME_INTERNAL_SCHEDULER_CURRENT_CLOCK_H_

#include "runtime/internal/driver/runtime_clock.h"

namespace weft::internal {

// The clock of this thread's runtime, or nullptr outside any runtime.
const RuntimeClock* CurrentClock();
// CurrentClock()->Now(), or steady_clock::now() outside any runtime.
RuntimeClock::Clock::time_point ClockNow();

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_SCHEDULER_CURRENT_CLOCK_H_
