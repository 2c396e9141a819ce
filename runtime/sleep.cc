#include "runtime/sleep.h"

#include "runtime/errors.h"
#include "runtime/internal/driver/driver.h"
#include "runtime/internal/driver/runtime_clock.h"
#include "runtime/internal/scheduler/current_clock.h"

namespace weft {

Sleep sleep(Clock::duration duration) {
  Clock::time_point now = internal::ClockNow();
  if (duration <= Clock::duration::zero()) return Sleep(now);
  // Saturates rather than overflows for "forever"-like durations.
  return Sleep(internal::SaturatingAdd(now, duration));
}

bool Sleep::is_elapsed() const {
  return internal::ClockNow() >= entry_.deadline;
}

Sleep::~Sleep() { internal::Driver::CancelTimer(&entry_); }

void Sleep::reset(Clock::time_point deadline) {
  internal::Driver::CancelTimer(&entry_);
  entry_.deadline = deadline;
  entry_.fired.store(false, std::memory_order_relaxed);
}

bool Sleep::await_ready() {
  return internal::ClockNow() >= entry_.deadline &&
         internal::TryConsumeBudget();
}

void Sleep::await_suspend(std::coroutine_handle<> handle) {
  internal::ExecContext& context = internal::ContextFor("weft::sleep");
  if (internal::ClockNow() >= entry_.deadline) {
    internal::YieldFrom(handle);  // Elapsed, but the budget is spent.
    return;
  }
  internal::Driver* driver = internal::CurrentDriver();
  if (driver == nullptr) {
    throw UsageError(
        "weft::sleep awaited on a thread without a weft driver: await it in "
        "a task or inside Runtime::block_on");
  }
  internal::Driver::CancelTimer(&entry_);  // Awaited before: re-arm.
  entry_.waker = internal::Waker(context.waker_target);
  driver->AddTimer(&entry_);
  internal::SuspendOn(handle, this, internal::WaitKind::kTimer);
}

bool Sleep::IsReady() {
  return entry_.fired.load(std::memory_order_acquire) ||
         internal::ClockNow() >= entry_.deadline;
}

}  // namespace weft
