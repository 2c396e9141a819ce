// The io_uring backend's bookkeeping for one operation, kept inside
// IoOperation::backend_state so that an operation in flight costs no
// allocation.
//
// Layout of backend_state while an operation is in flight:
//   [0] token: the operation's OpTable slot and generation (op_table.h).
//       Written once by Submit and only read afterwards, also by Cancel on
//       other threads, so no other word may ever share its memory location.
//   [1] next: the link of the one OpQueue the operation is on (the backlog
//       of operations waiting for a submission slot, or the queue of
//       completions made without the kernel); null when on none.
//   [2], [3] depend on the opcode and the stage:
//       kTimeout in the kernel: a __kernel_timespec (tv_sec, tv_nsec), which
//         the kernel reads when it consumes the SQE;
//       an operation on an fd: [2] is the fd's close generation at Submit,
//         so that an operation cancelled because a kClose closed its fd can
//         report -EBADF (see uring_reactor.h);
//       completed without the kernel: [2] is the result.
// Only the driving thread touches words [1] to [3].

#ifndef WEFT_EXECUTORS_URING_OP_STATE_H_
#define WEFT_EXECUTORS_URING_OP_STATE_H_

#include <linux/time_types.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "runtime/executor.h"

namespace weft::uring {

static_assert(sizeof(void*) == sizeof(uint64_t),
              "the uring backend packs 64-bit words into backend_state");
static_assert(sizeof(__kernel_timespec) == 2 * sizeof(void*),
              "a timespec must fit in backend_state[2] and [3]");
// The reactor's own requests use user_data values with the low three bits
// set; operations, at least 8-aligned, never have them.
static_assert(alignof(IoOperation) >= 8);

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

inline uint32_t CloseGenerationOf(const IoOperation* op) {
  return static_cast<uint32_t>(op_state_internal::Word(op, 2));
}
inline void SetCloseGeneration(IoOperation* op, uint32_t generation) {
  op_state_internal::SetWord(op, 2, generation);
}

inline int32_t ResultOf(const IoOperation* op) {
  return static_cast<int32_t>(op_state_internal::Word(op, 2));
}
inline void SetResult(IoOperation* op, int32_t result) {
  op_state_internal::SetWord(op, 2, static_cast<uint32_t>(result));
}

// Stores `duration` (clamped at zero) as the operation's timespec and returns
// its address for the SQE. The bytes are copied, never accessed through a
// __kernel_timespec in C++, so the kernel is the only reader of that type.
inline __kernel_timespec* StoreTimespec(IoOperation* op,
                                        std::chrono::nanoseconds duration) {
  const int64_t ns = duration.count() > 0 ? duration.count() : 0;
  const __kernel_timespec ts{.tv_sec = ns / 1'000'000'000,
                             .tv_nsec = ns % 1'000'000'000};
  std::memcpy(&op->backend_state[2], &ts, sizeof ts);
  return reinterpret_cast<__kernel_timespec*>(&op->backend_state[2]);
}

}  // namespace weft::uring

#endif  // WEFT_EXECUTORS_URING_OP_STATE_H_
