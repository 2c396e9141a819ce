// Word [3] of backend_state (op_state.h) for the operations of the
// readiness core (readiness_reactor.h): the operation's stage (bits 0-7),
// flags (bits 8-15) and, once completed, its result (bits 32-63).
// Invariant: an operation in flight is in exactly one place, named by its
// stage.

#ifndef WEFT_EXECUTORS_COMMON_READINESS_OP_STATE_H_
#define WEFT_EXECUTORS_COMMON_READINESS_OP_STATE_H_

#include <cstdint>

#include "executors/common/op_state.h"
#include "runtime/executor.h"

namespace weft::executors_common {

enum class OpStage : uint8_t {
  kWaiting = 1,    // on its fd's waiter list, waiting for readiness
  kTimer = 2,      // a kTimeout in the timer heap
  kOffloaded = 3,  // run by the poller itself (Poller::Offload)
  kReady = 4,      // completed, in the ready queue, not yet delivered
};

enum OpFlag : uint8_t {
  // The fd refused RWF_NOWAIT (EOPNOTSUPP), so it was made O_NONBLOCK and
  // plain read(2)/write(2) are used for this operation from then on
  // (nonblocking_io.h).
  kPlainIo = 1,
  // The poller's own, for an operation it took (libuv: its uv_cancel was
  // tried).
  kPollerFlag = 2,
};

inline OpStage StageOf(const IoOperation* op) {
  return static_cast<OpStage>(OpWord(op, 3) & 0xff);
}
inline void SetStage(IoOperation* op, OpStage stage) {
  SetOpWord(op, 3,
            (OpWord(op, 3) & ~uint64_t{0xff}) | static_cast<uint64_t>(stage));
}

inline bool HasFlag(const IoOperation* op, OpFlag flag) {
  return (OpWord(op, 3) >> 8) & flag;
}
inline void SetFlag(IoOperation* op, OpFlag flag) {
  SetOpWord(op, 3, OpWord(op, 3) | (uint64_t{flag} << 8));
}

inline int32_t ResultOf(const IoOperation* op) {
  return static_cast<int32_t>(OpWord(op, 3) >> 32);
}
inline void SetResult(IoOperation* op, int32_t result) {
  SetOpWord(op, 3,
            (OpWord(op, 3) & 0xffffffff) |
                (uint64_t{static_cast<uint32_t>(result)} << 32));
}

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_READINESS_OP_STATE_H_
