#include "runtime/internal/driver.h"

#include <atomic>
#include <cstdio>

#include "absl/status/status.h"

namespace weft::internal {
namespace {

thread_local Driver* tls_driver = nullptr;

}  // namespace

void Driver::Park(std::optional<Clock::time_point> limit) {
  std::optional<Clock::time_point> deadline = timers_.BeginPark();
  if (deadline.has_value()) deadline = clock_.RealTimeOf(*deadline);
  if (limit.has_value() && (!deadline.has_value() || *limit < *deadline)) {
    deadline = limit;
  }
  absl::StatusOr<int> delivered = reactor_->Run(deadline);
  timers_.EndPark();
  if (!delivered.ok()) {
    // The reactor failed to wait (it already retried EINTR); say so once
    // rather than spin silently.
    static std::atomic<bool> reported{false};
    if (!reported.exchange(true)) {
      std::fprintf(stderr, "weft: reactor wait failed: %s\n",
                   delivered.status().ToString().c_str());
    }
  }
  timers_.FireExpired(clock_.Now());
}

bool Driver::AdvanceClockToNextTimer() {
  std::optional<Clock::time_point> next = timers_.NextDeadline();
  if (!next.has_value() || !clock_.AdvanceTo(*next)) return false;
  timers_.FireExpired(clock_.Now());
  return true;
}

void Driver::Drain() {
  for (int round = 0; round < 1000 && reactor_->InFlight() > 0; ++round) {
    (void)reactor_->Run(Clock::now() + std::chrono::milliseconds(1));
  }
}

Driver* CurrentDriver() { return tls_driver; }

DriverScope::DriverScope(Driver* driver) : saved_(tls_driver) {
  tls_driver = driver;
}

DriverScope::~DriverScope() { tls_driver = saved_; }

}  // namespace weft::internal
