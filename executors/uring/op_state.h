// The io_uring backend's bookkeeping for one operation, kept inside
// IoOperation::backend_state so that an operation in flight costs no
// allocation. Words [0] (the token) and [1] (the OpQueue link: the backlog
// of operations waiting for a submission slot, or the queue of completions
// made without the kernel) are executors/common/op_state.h's; [2] and [3]
// depend on the opcode and the stage:
//   kTimeout in the kernel: a __kernel_timespec (tv_sec, tv_nsec), which
//     the kernel reads when it consumes the SQE;
//   an operation on an fd: [2] is the fd's close generation at Submit, so
//     that an operation cancelled because a kClose closed its fd can report
//     -EBADF (see uring_reactor.h);
//   completed without the kernel: [2] is the result.
// Only the driving thread touches words [1] to [3]. The rest of what the
// reactor keeps per operation is in its OpTable slot (SlotData below).

#ifndef WEFT_EXECUTORS_URING_OP_STATE_H_
#define WEFT_EXECUTORS_URING_OP_STATE_H_

#include <linux/time_types.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "executors/common/op_list.h"
#include "executors/common/op_state.h"
#include "executors/common/op_table.h"
#include "runtime/executor.h"

namespace weft::uring {

static_assert(sizeof(__kernel_timespec) == 2 * sizeof(void*),
              "a timespec must fit in backend_state[2] and [3]");
// The reactor's own requests use user_data values with the low three bits
// set; operations, at least 8-aligned, never have them.
static_assert(alignof(IoOperation) >= 8);

using executors_common::InitOpState;
using executors_common::OpQueue;
using executors_common::TokenOf;

enum class OpStage : uint8_t {
  kBacklog,  // submitted, waiting for a submission queue slot
  kKernel,   // an SQE carries it (submitted to the kernel or about to be)
  kReady,    // completed without the kernel, waiting for delivery
};

// What an OpTable slot records beside its operation: where the operation
// is, and whether a cancel was asked of the kernel for it, which decides how
// its result is reported.
struct SlotData {
  OpStage stage = OpStage::kBacklog;
  // An ASYNC_CANCEL naming this operation was issued (Cancel or the
  // destructor): -ECANCELED then means what it says.
  bool cancel_issued = false;
  // kAccept: its readiness poll completed; the accept itself is next.
  bool accept_polled = false;
  // Resubmissions after the kernel cancelled it because its submitting
  // thread exited (bounded, so that it cannot cycle forever).
  uint8_t restarts = 0;
};

using OpTable = executors_common::OpTable<SlotData>;

inline uint32_t CloseGenerationOf(const IoOperation* op) {
  return static_cast<uint32_t>(executors_common::OpWord(op, 2));
}
inline void SetCloseGeneration(IoOperation* op, uint32_t generation) {
  executors_common::SetOpWord(op, 2, generation);
}

inline int32_t ResultOf(const IoOperation* op) {
  return static_cast<int32_t>(executors_common::OpWord(op, 2));
}
inline void SetResult(IoOperation* op, int32_t result) {
  executors_common::SetOpWord(op, 2, static_cast<uint32_t>(result));
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
