// The bookkeeping of one operation for the backends that emulate
// completion-shaped I/O over readiness (epoll, uv), kept inside
// IoOperation::backend_state so that an operation in flight costs no
// allocation. Each backend names its own stages and flags (its op_state.h);
// the layout is the same:
//   [0] token: the operation's OpTable slot and generation (op_table.h).
//       Written once by Submit and only read afterwards, also by Cancel on
//       other threads, so no other word of backend_state may ever share its
//       memory location.
//   [1] next, [2] prev: links of the one OpList the operation is on
//       (op_list.h). While a kTimeout waits in the TimerHeap
//       (timer_heap.h), [2] is its heap index instead.
//   [3] stage (bits 0-7), flags (bits 8-15) and, once completed, the result
//       (bits 32-63).
// Only the driving thread touches words [1] to [3].

#ifndef WEFT_EXECUTORS_COMMON_OP_STATE_H_
#define WEFT_EXECUTORS_COMMON_OP_STATE_H_

#include <cstddef>
#include <cstdint>

#include "runtime/executor.h"

namespace weft::executors_common {

static_assert(sizeof(void*) == sizeof(uint64_t),
              "backend_state holds 64-bit words");

namespace op_state_internal {

inline uint64_t Word(const IoOperation* op, int i) {
  return reinterpret_cast<uintptr_t>(op->backend_state[i]);
}

inline void SetWord(IoOperation* op, int i, uint64_t value) {
  op->backend_state[i] = reinterpret_cast<void*>(static_cast<uintptr_t>(value));
}

}  // namespace op_state_internal

inline uint64_t TokenOf(const IoOperation* op) {
  return op_state_internal::Word(op, 0);
}

// Starts the bookkeeping of a newly submitted operation.
inline void InitOpState(IoOperation* op, uint64_t token) {
  op_state_internal::SetWord(op, 0, token);
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
  return static_cast<size_t>(op_state_internal::Word(op, 2));
}
inline void SetHeapIndex(IoOperation* op, size_t index) {
  op_state_internal::SetWord(op, 2, index);
}

// The stage and flags as the backend's enums (uint8_t-based).
template <typename Stage>
Stage StageOf(const IoOperation* op) {
  return static_cast<Stage>(op_state_internal::Word(op, 3) & 0xff);
}
template <typename Stage>
void SetStage(IoOperation* op, Stage stage) {
  uint64_t word = op_state_internal::Word(op, 3);
  op_state_internal::SetWord(
      op, 3, (word & ~uint64_t{0xff}) | static_cast<uint64_t>(stage));
}

inline bool HasFlagBits(const IoOperation* op, uint8_t flag) {
  return (op_state_internal::Word(op, 3) >> 8) & flag;
}
inline void SetFlagBits(IoOperation* op, uint8_t flag) {
  op_state_internal::SetWord(
      op, 3, op_state_internal::Word(op, 3) | (uint64_t{flag} << 8));
}

inline int32_t ResultOf(const IoOperation* op) {
  return static_cast<int32_t>(op_state_internal::Word(op, 3) >> 32);
}
inline void SetResult(IoOperation* op, int32_t result) {
  uint64_t low = op_state_internal::Word(op, 3) & 0xffffffff;
  op_state_internal::SetWord(
      op, 3, low | (uint64_t{static_cast<uint32_t>(result)} << 32));
}

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_OP_STATE_H_
