// The uv backend's stages and flags of one operation; the layout of
// IoOperation::backend_state is executors/common/op_state.h's, except that
// while kFile word [1] holds the FsRequest (libuv owns that uv_fs_t until its
// callback: the one allocation of an operation in flight).
// Invariant: an operation in flight is in exactly one place, named by its
// stage: a fd's FdWatch (kWaiting), the timer heap (kTimer), libuv's thread
// pool (kFile) or the ready queue (kReady).

#ifndef WEFT_EXECUTORS_UV_OP_STATE_H_
#define WEFT_EXECUTORS_UV_OP_STATE_H_

#include <cstdint>

#include "executors/common/readiness_op_state.h"
#include "runtime/executor.h"

namespace weft::uv {

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

using executors_common::HeapIndexOf;
using executors_common::InitOpState;
using executors_common::NextOf;
using executors_common::PrevOf;
using executors_common::ResultOf;
using executors_common::SetHeapIndex;
using executors_common::SetNext;
using executors_common::SetPrev;
using executors_common::SetResult;
using executors_common::TokenOf;

// While kFile: the request libuv holds (uv_reactor.cc's FsRequest).
inline void* FileRequestOf(const IoOperation* op) {
  return op->backend_state[1];
}
inline void SetFileRequest(IoOperation* op, void* request) {
  op->backend_state[1] = request;
}

inline OpStage StageOf(const IoOperation* op) {
  return executors_common::StageOf<OpStage>(op);
}
inline void SetStage(IoOperation* op, OpStage stage) {
  executors_common::SetStage(op, stage);
}
inline bool HasFlag(const IoOperation* op, OpFlag flag) {
  return executors_common::HasFlagBits(op, flag);
}
inline void SetFlag(IoOperation* op, OpFlag flag) {
  executors_common::SetFlagBits(op, flag);
}

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_OP_STATE_H_
