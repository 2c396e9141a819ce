#include "runtime/internal/scheduler/block_on_body.h"

namespace weft::internal {

BlockOnBody::BlockOnBody(std::coroutine_handle<> root) : root_(root) {
  context_.waker_target = this;
  context_.resume = root;
}

void BlockOnBody::Wake() {
  notified_.store(true, std::memory_order_release);
  std::lock_guard lock(mu_);
  if (driver_ != nullptr) {
    driver_->Wake();
  } else {
    woken_.notify_all();
  }
}

void BlockOnBody::Turn() {
  if (!notified_.exchange(false, std::memory_order_acq_rel)) return;
  ResetBudget();
  context_.ResumeIfReady();
  if (!root_.done() && context_.Yielded()) {
    notified_.store(true, std::memory_order_release);
  }
}

void BlockOnBody::SetDriver(Driver* driver) {
  std::lock_guard lock(mu_);
  driver_ = driver;
}

void BlockOnBody::WaitForWake() {
  std::unique_lock lock(mu_);
  woken_.wait(lock, [this] { return notified(); });
}

}  // namespace weft::internal
