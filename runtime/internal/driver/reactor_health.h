// ReactorHealth: how often the reactors of one runtime failed to wait, and
// the last failure, for RuntimeMetrics. A reactor that keeps failing is
// reported here (and once on stderr), not looped on silently.

#ifndef WEFT_RUNTIME_INTERNAL_DRIVER_REACTOR_HEALTH_H_
#define WEFT_RUNTIME_INTERNAL_DRIVER_REACTOR_HEALTH_H_

#include <atomic>
#include <cstdint>
#include <mutex>

#include "absl/status/status.h"

namespace weft::internal {

class ReactorHealth {
 public:
  // Any thread. Returns true for the runtime's first failure (the one worth
  // a line on stderr).
  bool RecordFailure(absl::Status status) {
    std::lock_guard lock(mu_);
    last_failure_ = std::move(status);
    return failures_.fetch_add(1, std::memory_order_relaxed) == 0;
  }

  uint64_t failures() const {
    return failures_.load(std::memory_order_relaxed);
  }
  absl::Status last_failure() const {
    std::lock_guard lock(mu_);
    return last_failure_;
  }

 private:
  std::atomic<uint64_t> failures_{0};
  mutable std::mutex mu_;
  absl::Status last_failure_;  // guarded by mu_
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_DRIVER_REACTOR_HEALTH_H_
