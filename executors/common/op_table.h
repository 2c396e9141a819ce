// The operations in flight in one reactor (shared by the epoll and uv
// backends), each in a slot with a generation,
// so that a cancel request can name an operation without dereferencing it.
//
// Why: Cancel may be called from any thread, and by the time the driving
// thread handles the request the operation may have completed and been freed
// (even reused for a new operation at the same address). A request carries
// the token the operation got at Submit (slot index | generation << 32); the
// driving thread looks the token up here and touches the operation only if
// that slot still holds that generation.
//
// Invariants: a live slot holds exactly one operation in flight; releasing a
// slot bumps its generation, so every token handed out is unique until the
// 32-bit generation of that slot wraps; token 0 is never live. Driving
// thread only.

#ifndef WEFT_EXECUTORS_COMMON_OP_TABLE_H_
#define WEFT_EXECUTORS_COMMON_OP_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/executor.h"

namespace weft::executors_common {

class OpTable {
 public:
  // Returns the token of `op`'s new slot.
  uint64_t Add(IoOperation* op);

  // The live operation with this token, or null.
  IoOperation* Find(uint64_t token) const;

  // Frees the slot of a live token.
  void Release(uint64_t token);

  size_t size() const { return live_; }

  // Calls `fn(op)` for every live operation; `fn` must not Add or Release.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Slot& slot : slots_) {
      if (slot.op != nullptr) fn(slot.op);
    }
  }

 private:
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  struct Slot {
    IoOperation* op = nullptr;
    uint32_t generation = 1;  // starts at 1 so that token 0 is never live
    uint32_t next_free = kNoSlot;
  };

  std::vector<Slot> slots_;
  uint32_t free_head_ = kNoSlot;  // a free list threaded through next_free
  size_t live_ = 0;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_OP_TABLE_H_
