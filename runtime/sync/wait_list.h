/// \file
/// WaitList: the FIFO of tasks waiting on a sync primitive (Notify,
/// Semaphore, mpsc's senders), linked through nodes that live inside the
/// waiting awaiters (so waiting allocates nothing).
///
/// Protocol, shared by every primitive that uses it:
///   * Links, `waker`, `needed` and `granted` are read and written only under
///     the primitive's mutex.
///   * The primitive grants a node by unlinking it, setting `granted` and
///     then `ready` (release), and waking its waker after unlocking.
///   * The awaiter polls `ready` (acquire) without the lock. If the awaiter is
///     destroyed (its task aborted, or it lost a select) it unlinks its node,
///     or — if the node had been granted but the grant was not consumed —
///     hands the grant back to the primitive, so nothing is lost.

#ifndef WEFT_RUNTIME_SYNC_WAIT_LIST_H_
#define WEFT_RUNTIME_SYNC_WAIT_LIST_H_

#include <atomic>
#include <cstddef>

#include "runtime/internal/task/waker.h"

namespace weft::internal {

struct WaitNode {
  Waker waker;
  size_t needed = 0;
  bool linked = false;
  bool granted = false;
  std::atomic<bool> ready{false};
  WaitNode* prev = nullptr;
  WaitNode* next = nullptr;

  void Grant() {
    granted = true;
    ready.store(true, std::memory_order_release);
  }
  bool IsReady() const { return ready.load(std::memory_order_acquire); }
};

class WaitList {
 public:
  bool empty() const { return head_ == nullptr; }
  WaitNode* front() const { return head_; }
  WaitNode* back() const { return tail_; }

  void PushBack(WaitNode* node) {
    node->linked = true;
    node->next = nullptr;
    node->prev = tail_;
    if (tail_ != nullptr) {
      tail_->next = node;
    } else {
      head_ = node;
    }
    tail_ = node;
  }

  void Remove(WaitNode* node) {
    if (!node->linked) return;
    if (node->prev != nullptr) {
      node->prev->next = node->next;
    } else {
      head_ = node->next;
    }
    if (node->next != nullptr) {
      node->next->prev = node->prev;
    } else {
      tail_ = node->prev;
    }
    node->prev = node->next = nullptr;
    node->linked = false;
  }

  WaitNode* PopFront() {
    WaitNode* node = head_;
    if (node != nullptr) Remove(node);
    return node;
  }

 private:
  WaitNode* head_ = nullptr;
  WaitNode* tail_ = nullptr;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_SYNC_WAIT_LIST_H_
