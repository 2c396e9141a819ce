// An intrusive FIFO of operations, linked through their backend_state (see
// op_state.h), so that queueing an operation never allocates. Used for each
// fd's waiter lists (epoll) or FdWatch's (uv), and for the ready queue.
//
// Invariants: an operation is on at most one OpList at a time; head and tail
// are both null or both non-null; the list does not own its operations.

#ifndef WEFT_EXECUTORS_COMMON_OP_LIST_H_
#define WEFT_EXECUTORS_COMMON_OP_LIST_H_

#include "executors/common/op_state.h"
#include "runtime/executor.h"

namespace weft::executors_common {

class OpList {
 public:
  bool empty() const { return head_ == nullptr; }
  IoOperation* front() const { return head_; }

  void PushBack(IoOperation* op) {
    SetNext(op, nullptr);
    SetPrev(op, tail_);
    if (tail_ != nullptr) {
      SetNext(tail_, op);
    } else {
      head_ = op;
    }
    tail_ = op;
  }

  // Returns null when empty.
  IoOperation* PopFront() {
    IoOperation* op = head_;
    if (op != nullptr) Remove(op);
    return op;
  }

  // `op` must be on this list.
  void Remove(IoOperation* op) {
    IoOperation* next = NextOf(op);
    IoOperation* prev = PrevOf(op);
    if (prev != nullptr) {
      SetNext(prev, next);
    } else {
      head_ = next;
    }
    if (next != nullptr) {
      SetPrev(next, prev);
    } else {
      tail_ = prev;
    }
  }

 private:
  IoOperation* head_ = nullptr;
  IoOperation* tail_ = nullptr;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_OP_LIST_H_
