// An intrusive FIFO of operations, linked through backend_state[1] (see
// op_state.h), so that queueing an operation never allocates. The reactor
// keeps two: the backlog (operations waiting for a submission slot) and the
// completions made without the kernel.
//
// Invariants: an operation is on at most one OpQueue at a time; head and
// tail are both null or both non-null; the queue does not own its operations.

#ifndef WEFT_EXECUTORS_URING_OP_QUEUE_H_
#define WEFT_EXECUTORS_URING_OP_QUEUE_H_

#include "executors/uring/op_state.h"
#include "runtime/executor.h"

namespace weft::uring {

class OpQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  IoOperation* front() const { return head_; }

  void PushBack(IoOperation* op) {
    SetNext(op, nullptr);
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
    if (op == nullptr) return nullptr;
    head_ = NextOf(op);
    if (head_ == nullptr) tail_ = nullptr;
    SetNext(op, nullptr);
    return op;
  }

 private:
  IoOperation* head_ = nullptr;
  IoOperation* tail_ = nullptr;
};

}  // namespace weft::uring

#endif  // WEFT_EXECUTORS_URING_OP_QUEUE_H_
