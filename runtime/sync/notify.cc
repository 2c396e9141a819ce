#include "runtime/sync/notify.h"

#include <vector>

namespace weft {

// A node granted by notify_one has needed == 1; by notify_waiters, 0: only
// the former is passed on when dropped unconsumed.
Notify::Notified::~Notified() {
  bool forward = false;
  {
    std::lock_guard lock(notify_.mu_);
    if (node_.linked) {
      notify_.waiters_.Remove(&node_);
    } else if (node_.granted && !taken_ && node_.needed == 1) {
      forward = true;
    }
  }
  if (forward) notify_.notify_one();
}

bool Notify::Notified::await_ready() {
  std::lock_guard lock(notify_.mu_);
  if (notify_.permit_ && internal::TryConsumeBudget()) {
    notify_.permit_ = false;
    node_.needed = 1;
    node_.Grant();
    return true;
  }
  return false;
}

bool Notify::Notified::await_suspend(std::coroutine_handle<> handle) {
  internal::ExecContext& context = internal::ContextFor("Notify::notified");
  std::lock_guard lock(notify_.mu_);
  if (notify_.permit_) {
    notify_.permit_ = false;
    node_.needed = 1;
    node_.Grant();
    internal::YieldFrom(handle);  // Notified, but the budget is spent.
    return true;
  }
  node_.waker = internal::Waker(context.waker_target);
  notify_.waiters_.PushBack(&node_);
  internal::SuspendOn(handle, this, internal::WaitKind::kOther);
  return true;
}

void Notify::notify_one() { NotifyOne(/*last=*/false); }

void Notify::notify_last() { NotifyOne(/*last=*/true); }

void Notify::NotifyOne(bool last) {
  internal::Waker waker;
  {
    std::lock_guard lock(mu_);
    internal::WaitNode* node = last ? waiters_.back() : waiters_.front();
    if (node != nullptr) waiters_.Remove(node);
    if (node == nullptr) {
      permit_ = true;
      return;
    }
    node->needed = 1;
    waker = std::move(node->waker);
    node->Grant();
  }
  std::move(waker).wake_and_drop();
}

void Notify::notify_waiters() {
  std::vector<internal::Waker> wake;
  {
    std::lock_guard lock(mu_);
    while (internal::WaitNode* node = waiters_.PopFront()) {
      node->needed = 0;
      wake.push_back(std::move(node->waker));
      node->Grant();
    }
  }
  for (const internal::Waker& waker : wake) waker.wake();
}

}  // namespace weft
