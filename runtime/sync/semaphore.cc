#include "runtime/sync/semaphore.h"

#include <vector>

namespace weft {

SemaphorePermit& SemaphorePermit::operator=(SemaphorePermit&& other) noexcept {
  if (this != &other) {
    if (semaphore_ != nullptr && count_ > 0) semaphore_->Release(count_);
    semaphore_ = std::exchange(other.semaphore_, nullptr);
    count_ = std::exchange(other.count_, 0);
  }
  return *this;
}

SemaphorePermit::~SemaphorePermit() {
  if (semaphore_ != nullptr && count_ > 0) semaphore_->Release(count_);
}

Semaphore::Acquire::~Acquire() {
  std::vector<internal::Waker> wake;
  {
    std::lock_guard lock(semaphore_.mu_);
    if (node_.linked) {
      semaphore_.waiters_.Remove(&node_);
      // We may have been the head holding smaller requests back.
      semaphore_.GrantLocked(wake);
    } else if (node_.granted && !taken_) {
      semaphore_.permits_ += node_.needed;
      semaphore_.GrantLocked(wake);
    }
  }
  for (const internal::Waker& waker : wake) waker.wake();
}

bool Semaphore::Acquire::await_ready() {
  std::lock_guard lock(semaphore_.mu_);
  if (semaphore_.waiters_.empty() && semaphore_.permits_ >= node_.needed &&
      internal::TryConsumeBudget()) {
    semaphore_.permits_ -= node_.needed;
    node_.Grant();
    return true;
  }
  return false;
}

bool Semaphore::Acquire::await_suspend(std::coroutine_handle<> handle) {
  internal::ExecContext& context = internal::ContextFor("Semaphore::acquire");
  std::lock_guard lock(semaphore_.mu_);
  if (semaphore_.waiters_.empty() && semaphore_.permits_ >= node_.needed) {
    // Available, but the budget is spent: take the permits and yield.
    semaphore_.permits_ -= node_.needed;
    node_.Grant();
    internal::YieldFrom(handle);
    return true;
  }
  node_.waker = internal::Waker(context.waker_target);
  semaphore_.waiters_.PushBack(&node_);
  internal::SuspendOn(handle, this, internal::WaitKind::kOther);
  return true;
}

std::optional<SemaphorePermit> Semaphore::try_acquire(size_t count) {
  std::lock_guard lock(mu_);
  if (!waiters_.empty() || permits_ < count) return std::nullopt;
  permits_ -= count;
  return SemaphorePermit(this, count);
}

size_t Semaphore::available_permits() const {
  std::lock_guard lock(mu_);
  return permits_;
}

void Semaphore::Release(size_t count) {
  std::vector<internal::Waker> wake;
  {
    std::lock_guard lock(mu_);
    permits_ += count;
    GrantLocked(wake);
  }
  for (const internal::Waker& waker : wake) waker.wake();
}

void Semaphore::GrantLocked(std::vector<internal::Waker>& wake) {
  while (internal::WaitNode* head = waiters_.front()) {
    if (head->needed > permits_) return;
    permits_ -= head->needed;
    waiters_.Remove(head);
    wake.push_back(std::move(head->waker));
    head->Grant();
  }
}

}  // namespace weft
