// The epoll backend's stages and flags of one operation; the layout of
// IoOperation::backend_state is executors/common/op_state.h's.
// Invariant: an operation in flight is in exactly one place, named by its
// stage: a fd's waiter list (kWaiting), the timer heap (kTimer) or the ready
// queue (kReady).

#ifndef WEFT_EXECUTORS_EPOLL_OP_STATE_H_
#define WEFT_EXECUTORS_EPOLL_OP_STATE_H_

#include <cstdint>

#include "executors/common/readiness_op_state.h"
#include "runtime/executor.h"

namespace weft::epoll {

enum class OpStage : uint8_t {
  kWaiting = 1,  // on a fd's waiter list, waiting for readiness
  kTimer = 2,    // a kTimeout in the timer heap
  kReady = 3,    // completed, in the ready queue, not yet delivered
};

// Flags of the non-blocking emulation of one operation.
enum OpFlag : uint8_t {
  // The fd refused RWF_NOWAIT (EOPNOTSUPP), so it was made O_NONBLOCK and
  // plain read(2)/write(2) are used for this operation from then on.
  kPlainIo = 1,
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

}  // namespace weft::epoll

#endif  // WEFT_EXECUTORS_EPOLL_OP_STATE_H_
