// The layout of IoOperation::backend_state that every backend shares, so
// that an operation in flight costs no allocation:
//   [0] token: the operation's OpTable slot and generation (op_table.h).
//       Written once by Submit and only read afterwards, also by Cancel on
//       other threads, so no other word of backend_state may ever share its
//       memory location.
//   [1] next: the link of the one OpList or OpQueue the operation is on
//       (op_list.h).
//   [2] prev, on an OpList; while a kTimeout waits in the TimerHeap
//       (timer_heap.h), its heap index; otherwise the backend's.
//   [3] the backend's (the readiness core: readiness_op_state.h).
// Only the driving thread touches words [1] to [3].

#ifndef WEFT_EXECUTORS_COMMON_OP_STATE_H_
#define WEFT_EXECUTORS_COMMON_OP_STATE_H_

#include <cstddef>
#include <cstdint>

#include "runtime/executor.h"

namespace weft::executors_common {

static_assert(sizeof(void*) == sizeof(uint64_t),
              "backend_state holds 64-bit words");

// Word `i` of backend_state as a number, for the words a backend owns.
inline uint64_t OpWord(const IoOperation* op, int i) {
  return reinterpret_cast<uintptr_t>(op->backend_state[i]);
}
inline void SetOpWord(IoOperation* op, int i, uint64_t value) {
  op->backend_state[i] = reinterpret_cast<void*>(static_cast<uintptr_t>(value));
}

inline uint64_t TokenOf(const IoOperation* op) { return OpWord(op, 0); }

// Starts the bookkeeping of a newly submitted operation.
inline void InitOpState(IoOperation* op, uint64_t token) {
  SetOpWord(op, 0, token);
  op->backend_state[1] = nullptr;
  op->backend_state[2] = nullptr;
  op->backend_state[3] = nullptr;
}

inline IoOperation* NextOf(const IoOperation* op) {
  return static_cast<IoOperation*>(op->backend_state[1]);
}
inline void SetNext(IoOperation* op, IoOperation* next) {
  op->backend_state[1] = next;
}
inline IoOperation* PrevOf(const IoOperation* op) {
  return static_cast<IoOperation*>(op->backend_state[2]);
}
inline void SetPrev(IoOperation* op, IoOperation* prev) {
  op->backend_state[2] = prev;
}

inline size_t HeapIndexOf(const IoOperation* op) {
  return static_cast<size_t>(OpWord(op, 2));
}
inline void SetHeapIndex(IoOperation* op, size_t index) {
  SetOpWord(op, 2, index);
}

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_OP_STATE_H_
