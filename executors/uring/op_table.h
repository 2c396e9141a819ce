// The operations in flight in one reactor, each in a slot with a generation,
// so that a cancel request can name an operation without dereferencing it.
//
// Why: Cancel may be called from any thread, and may race with the delivery
// of the operation's completion (executor.h, item 3). By the time the driving
// thread handles the request the operation may have been delivered and freed,
// even reused for a new operation at the same address; an ASYNC_CANCEL keyed
// on that address would then cancel an innocent operation. So a request
// carries the token the operation got at Submit (slot index | generation <<
// 32), and the driving thread acts on it only if that slot still holds that
// generation.
//
// A slot also records where its operation is (the stage) and whether a
// cancel was asked of the kernel for it, which decides how its result is
// reported.
//
// Invariants: a live slot holds exactly one operation in flight; releasing a
// slot bumps its generation, so every token handed out is unique until the
// 32-bit generation of that slot wraps. Driving thread only.

#ifndef WEFT_EXECUTORS_URING_OP_TABLE_H_
#define WEFT_EXECUTORS_URING_OP_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/executor.h"

namespace weft::uring {

enum class OpStage : uint8_t {
  kBacklog,  // submitted, waiting for a submission queue slot
  kKernel,   // an SQE carries it (submitted to the kernel or about to be)
  kReady,    // completed without the kernel, waiting for delivery
};

class OpTable {
 public:
  struct Slot {
    IoOperation* op = nullptr;
    uint32_t generation = 1;  // starts at 1 so that token 0 is never live
    uint32_t next_free = 0;
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

  // Returns the token of `op`'s new slot, in stage kBacklog.
  uint64_t Add(IoOperation* op);

  // The live slot with this token, or null.
  Slot* Find(uint64_t token);

  // The slot of a live token.
  Slot& At(uint64_t token) { return slots_[static_cast<uint32_t>(token)]; }

  // Frees the slot of a live token.
  void Release(uint64_t token);

  size_t size() const { return live_; }

  // Calls `fn(slot)` for every live slot; `fn` must not Add or Release.
  template <typename Fn>
  void ForEach(Fn fn) {
    for (Slot& slot : slots_) {
      if (slot.op != nullptr) fn(slot);
    }
  }

 private:
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  std::vector<Slot> slots_;
  uint32_t free_head_ = kNoSlot;  // a free list threaded through next_free
  size_t live_ = 0;
};

}  // namespace weft::uring

#endif  // WEFT_EXECUTORS_URING_OP_TABLE_H_
