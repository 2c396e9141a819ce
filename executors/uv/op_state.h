// The uv backend's bookkeeping for one operation, kept inside
// IoOperation::backend_state so that waiting costs the operation no
// allocation of its own (a regular-file operation's uv_fs_t is the one
// exception: libuv owns that request until its callback).
//
// Layout of backend_state while an operation is in flight:
//   [0] token: the operation's OpTable slot and generation. Written once by
//       Submit and only read afterwards, also by Cancel on other threads, so
//       no other word may ever share its memory location.
//   [1] next: link of the one OpList the operation is on (a watch's waiter
//       list or the ready queue). While kFile, the FsRequest instead.
//   [2] prev: the other link. While kTimer, the TimerHeap index instead.
//   [3] stage (bits 0-7), flags (bits 8-15) and, once kReady, the result
//       (bits 32-63).
// Invariant: an operation in flight is in exactly one place, named by its
// stage: a fd's FdWatch (kWaiting), the timer heap (kTimer), libuv's thread
// pool (kFile) or the ready queue (kReady). Only the driving thread touches
// words [1] to [3].

#ifndef WEFT_EXECUTORS_UV_OP_STATE_H_
#define WEFT_EXECUTORS_UV_OP_STATE_H_

#include <cstddef>
#include <cstdint>

#include "runtime/executor.h"

namespace weft::uv {

static_assert(sizeof(void*) >= sizeof(uint64_t),
              "the uv backend packs 64-bit words into backend_state");

enum class OpStage : uint8_t {
  kWaiting = 1,  // on its fd's FdWatch, waiting for readiness
  kTimer = 2,    // a kTimeout in the timer heap
  kFile = 3,     // a regular-file kRead/kWrite in libuv's thread pool
  kReady = 4,    // completed, in the ready queue, not yet delivered
};

enum OpFlag : uint8_t {
  // A kRead/kWrite on a socket: done with recv/send, which take per-call
  // flags (no blocking, no SIGPIPE) instead of the fd's O_NONBLOCK.
  kSocketIo = 1,
  // A kFile operation whose uv_cancel was already tried: it is not tried
  // twice (a second uv_cancel of a finished request is harmless, but a
  // request can only be cancelled before a thread-pool thread takes it).
  kCancelTried = 2,
};

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

// While kFile: the request libuv holds (uv_reactor.cc's FsRequest).
inline void* FileRequestOf(const IoOperation* op) {
  return op->backend_state[1];
}
inline void SetFileRequest(IoOperation* op, void* request) {
  op->backend_state[1] = request;
}

inline size_t HeapIndexOf(const IoOperation* op) {
  return static_cast<size_t>(op_state_internal::Word(op, 2));
}
inline void SetHeapIndex(IoOperation* op, size_t index) {
  op_state_internal::SetWord(op, 2, index);
}

inline OpStage StageOf(const IoOperation* op) {
  return static_cast<OpStage>(op_state_internal::Word(op, 3) & 0xff);
}
inline void SetStage(IoOperation* op, OpStage stage) {
  uint64_t word = op_state_internal::Word(op, 3);
  op_state_internal::SetWord(
      op, 3, (word & ~uint64_t{0xff}) | static_cast<uint64_t>(stage));
}

inline bool HasFlag(const IoOperation* op, OpFlag flag) {
  return (op_state_internal::Word(op, 3) >> 8) & flag;
}
inline void SetFlag(IoOperation* op, OpFlag flag) {
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

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_OP_STATE_H_
