#include "runtime/internal/driver/driver.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <thread>

#include "absl/status/status.h"

namespace weft::internal {
namespace {

thread_local Driver* tls_driver = nullptr;

}  // namespace

void Driver::Submit(IoOperation* op) {
  if (OnDrivingThread()) {
    reactor_->Submit(op);
    return;
  }
  {
    std::lock_guard lock(queue_mu_);
    queued_.push_back(op);
    has_queued_.store(true, std::memory_order_release);
  }
  reactor_->Wake();
}

void Driver::Cancel(IoOperation* op) {
  // Without anything queued, `op` went to the reactor: a queued operation
  // keeps has_queued_ set until SubmitQueued has handed it over.
  if (has_queued_.load(std::memory_order_acquire)) {
    std::lock_guard lock(queue_mu_);
    auto it = std::find(queued_.begin(), queued_.end(), op);
    if (it != queued_.end()) {
      queued_.erase(it);
      cancelled_queued_.push_back(op);
      reactor_->Wake();
      return;
    }
  }
  reactor_->Cancel(op);
}

void Driver::SubmitQueued() {
  if (!has_queued_.load(std::memory_order_acquire)) return;
  std::vector<IoOperation*> cancelled;
  {
    // Submitting under the lock: a Cancel that does not find its operation
    // queued must find it in the reactor.
    std::lock_guard lock(queue_mu_);
    for (IoOperation* op : queued_) reactor_->Submit(op);
    queued_.clear();
    cancelled.swap(cancelled_queued_);
    has_queued_.store(false, std::memory_order_release);
  }
  for (IoOperation* op : cancelled) op->complete(op->context, -ECANCELED);
}

void Driver::BecomeDrivingThread() {
  driving_thread_.store(std::this_thread::get_id(), std::memory_order_release);
}

void Driver::StopDriving() {
  std::thread::id self = std::this_thread::get_id();
  driving_thread_.compare_exchange_strong(self, std::thread::id(),
                                          std::memory_order_acq_rel);
}

void Driver::Park(std::optional<Clock::time_point> limit) {
  SubmitQueued();
  std::optional<Clock::time_point> deadline = timers_.BeginPark();
  if (deadline.has_value()) deadline = clock_.RealTimeOf(*deadline);
  if (limit.has_value() && (!deadline.has_value() || *limit < *deadline)) {
    deadline = limit;
  }
  absl::StatusOr<int> delivered = reactor_->Run(deadline);
  timers_.EndPark();
  if (delivered.ok()) {
    failures_in_a_row_ = 0;
  } else {
    // The reactor already retried EINTR: this is a real failure.
    if (health_.RecordFailure(delivered.status())) {
      std::fprintf(stderr,
                   "weft: reactor wait failed: %s (further failures are "
                   "counted in RuntimeMetrics::reactor_failures)\n",
                   delivered.status().ToString().c_str());
    }
    BackOffAfterFailure(deadline);
  }
  timers_.FireExpired(clock_.Now());
}

void Driver::BackOffAfterFailure(std::optional<Clock::time_point> deadline) {
  failures_in_a_row_ = std::min(failures_in_a_row_ + 1, 8);
  const auto pause = std::min<Clock::duration>(
      std::chrono::milliseconds(1 << (failures_in_a_row_ - 1)),
      kMaxFailureBackoff);
  Clock::time_point until = Clock::now() + pause;
  if (deadline.has_value()) until = std::min(until, *deadline);
  std::this_thread::sleep_until(until);
}

bool Driver::AdvanceClockToNextTimer() {
  std::optional<Clock::time_point> next = timers_.NextDeadline();
  if (!next.has_value() || !clock_.AdvanceTo(*next)) return false;
  timers_.FireExpired(clock_.Now());
  return true;
}

void Driver::Drain() {
  {
    std::lock_guard lock(queue_mu_);
    for (IoOperation* op : queued_) cancelled_queued_.push_back(op);
    queued_.clear();
  }
  SubmitQueued();
  for (int round = 0; round < 1000 && reactor_->InFlight() > 0; ++round) {
    (void)reactor_->Run(Clock::now() + std::chrono::milliseconds(1));
  }
}

Driver* CurrentDriver() { return tls_driver; }

DriverScope::DriverScope(Driver* driver, bool driving)
    : saved_(tls_driver), driving_(driving ? driver : nullptr) {
  tls_driver = driver;
  if (driving_ != nullptr) driving_->BecomeDrivingThread();
}

DriverScope::~DriverScope() {
  if (driving_ != nullptr) driving_->StopDriving();
  tls_driver = saved_;
}

}  // namespace weft::internal
