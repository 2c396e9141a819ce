// Intrusive FIFOs of operations, linked through their backend_state (see
// op_state.h), so that queueing an operation never allocates.
//
//   OpList   links both ways (words [1] and [2]), so an operation can leave
//            from anywhere in O(1): the readiness core's per-fd waiter lists
//            and its ready queue.
//   OpQueue  links forward only (word [1]), leaving words [2] and [3] to the
//            backend: io_uring's backlog and its completions made without
//            the kernel.
//
// Invariants: an operation is on at most one list at a time; head and tail
// are both null or both non-null; a list does not own its operations.

#ifndef WEFT_EXECUTORS_COMMON_OP_LIST_H_
#define WEFT_EXECUTORS_COMMON_OP_LIST_H_

#include "executors/common/op_state.h"
#include "runtime/executor.h"

namespace weft::executors_common {

template <bool kRemovable>
class BasicOpList {
 public:
  bool empty() const { return head_ == nullptr; }
  IoOperation* front() const { return head_; }

  void PushBack(IoOperation* op) {
    SetNext(op, nullptr);
    if constexpr (kRemovable) SetPrev(op, tail_);
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
    if constexpr (kRemovable) {
      Remove(op);
    } else {
      head_ = NextOf(op);
      if (head_ == nullptr) tail_ = nullptr;
      SetNext(op, nullptr);
    }
    return op;
  }

  // `op` must be on this list.
  void Remove(IoOperation* op) requires kRemovable {
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

using OpList = BasicOpList</*kRemovable=*/true>;
using OpQueue = BasicOpList</*kRemovable=*/false>;

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_OP_LIST_H_
