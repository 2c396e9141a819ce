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
  if (semaphore_.closed_) return true;  // await_resume throws
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
  if (semaphore_.closed_) return false;  // await_resume throws
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
  if (closed_ || !waiters_.empty() || permits_ < count) return std::nullopt;
  permits_ -= count;
  return SemaphorePermit(this, count);
}

Semaphore::AcquireOwned Semaphore::acquire_owned(
    std::shared_ptr<Semaphore> semaphore, size_t count) {
  return AcquireOwned(std::move(semaphore), count);
}

std::optional<OwnedSemaphorePermit> Semaphore::try_acquire_owned(
    std::shared_ptr<Semaphore> semaphore, size_t count) {
  std::optional<SemaphorePermit> permit = semaphore->try_acquire(count);
  if (!permit.has_value()) return std::nullopt;
  return OwnedSemaphorePermit(std::move(semaphore), std::move(*permit));
}

size_t Semaphore::forget_permits(size_t count) {
  std::lock_guard lock(mu_);
  size_t removed = count < permits_ ? count : permits_;
  permits_ -= removed;
  return removed;
}

void Semaphore::close() {
  std::vector<internal::Waker> wake;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    // Woken without a grant: await_resume sees `granted` false and throws.
    while (internal::WaitNode* node = waiters_.PopFront()) {
      wake.push_back(std::move(node->waker));
      node->ready.store(true, std::memory_order_release);
    }
  }
  for (const internal::Waker& waker : wake) waker.wake();
}

bool Semaphore::is_closed() const {
  std::lock_guard lock(mu_);
  return closed_;
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
  if (closed_) return;
  while (internal::WaitNode* head = waiters_.front()) {
    if (head->needed > permits_) return;
    permits_ -= head->needed;
    waiters_.Remove(head);
    wake.push_back(std::move(head->waker));
    head->Grant();
  }
}

}  // namespace weft
