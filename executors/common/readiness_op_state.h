// Word [3] of backend_state (op_state.h) for the backends that emulate
// completion-shaped I/O over readiness: the operation's stage (bits 0-7),
// flags (bits 8-15) and, once completed, its result (bits 32-63).

#ifndef WEFT_EXECUTORS_COMMON_READINESS_OP_STATE_H_
#define WEFT_EXECUTORS_COMMON_READINESS_OP_STATE_H_

#include <cstdint>

#include "executors/common/op_state.h"
#include "runtime/executor.h"

namespace weft::executors_common {

// The stage and flags as the backend's enums (uint8_t-based).
template <typename Stage>
Stage StageOf(const IoOperation* op) {
  return static_cast<Stage>(OpWord(op, 3) & 0xff);
}
template <typename Stage>
void SetStage(IoOperation* op, Stage stage) {
  SetOpWord(op, 3,
            (OpWord(op, 3) & ~uint64_t{0xff}) | static_cast<uint64_t>(stage));
}

inline bool HasFlagBits(const IoOperation* op, uint8_t flag) {
  return (OpWord(op, 3) >> 8) & flag;
}
inline void SetFlagBits(IoOperation* op, uint8_t flag) {
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
