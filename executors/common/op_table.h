// The operations in flight in one reactor, each in a slot with a generation,
// so that a cancel request can name an operation without dereferencing it.
// Shared by every backend; a backend that keeps more per operation than
// backend_state holds (io_uring: its stage, whether a cancel was issued)
// puts it in the slot, as `SlotData`.
//
// Why: Cancel may be called from any thread, and may race with the delivery
// of the operation's completion (executor.h, item 3). By the time the
// driving thread handles the request the operation may have been delivered
// and freed, even reused for a new operation at the same address. So a
// request carries the token the operation got at Submit (slot index |
// generation << 32), and the driving thread acts on it only if that slot
// still holds that generation.
//
// Invariants: a live slot holds exactly one operation in flight, and its
// SlotData starts value-initialized at Add; releasing a slot bumps its
// generation, so every token handed out is unique until the 32-bit
// generation of that slot wraps; token 0 is never live. Driving thread only.

#ifndef WEFT_EXECUTORS_COMMON_OP_TABLE_H_
#define WEFT_EXECUTORS_COMMON_OP_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "executors/common/op_state.h"
#include "runtime/executor.h"

namespace weft::executors_common {

// SlotData of a backend that keeps nothing beside the operation.
struct NoSlotData {};

template <typename SlotData = NoSlotData>
class OpTable {
 public:
  // A slot's SlotData members are the slot's own (slot.stage, ...).
  struct Slot : SlotData {
    IoOperation* op = nullptr;
    uint32_t generation = 1;  // starts at 1 so that token 0 is never live
    uint32_t next_free = kNoSlot;
  };

  // Returns the token of `op`'s new slot.
  uint64_t Add(IoOperation* op) {
    uint32_t index;
    if (free_head_ != kNoSlot) {
      index = free_head_;
      free_head_ = slots_[index].next_free;
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    static_cast<SlotData&>(slot) = SlotData{};
    slot.op = op;
    ++live_;
    return uint64_t{slot.generation} << 32 | index;
  }

  // The live slot with this token, or null.
  Slot* FindSlot(uint64_t token) {
    const uint32_t index = IndexOf(token);
    if (index >= slots_.size()) return nullptr;
    Slot& slot = slots_[index];
    if (slot.op == nullptr || slot.generation != GenerationOf(token)) {
      return nullptr;
    }
    return &slot;
  }

  // The live operation with this token, or null.
  IoOperation* Find(uint64_t token) {
    Slot* slot = FindSlot(token);
    return slot != nullptr ? slot->op : nullptr;
  }

  // The slot of a live token.
  Slot& At(uint64_t token) { return slots_[IndexOf(token)]; }

  // Frees the slot of a live token.
  void Release(uint64_t token) {
    const uint32_t index = IndexOf(token);
    Slot& slot = slots_[index];
    slot.op = nullptr;
    // Skips 0 on wrap-around, so that token 0 stays never live.
    if (++slot.generation == 0) slot.generation = 1;
    slot.next_free = free_head_;
    free_head_ = index;
    --live_;
  }

  size_t size() const { return live_; }

  // Delivers the operations on `ready` (an OpList or OpQueue of completed
  // operations, taken whole first, so that those their callbacks submit
  // wait for the next delivery): frees each one's slot, then calls its
  // completion with `result_of(op)`; the backend must not touch it after.
  // Returns how many were delivered.
  template <typename List, typename ResultOf>
  int Deliver(List& ready, ResultOf result_of) {
    List batch = std::exchange(ready, List{});
    int delivered = 0;
    while (IoOperation* op = batch.PopFront()) {
      const int32_t result = result_of(op);
      Release(TokenOf(op));
      op->complete(op->context, result);  // may free `op`, or submit again
      ++delivered;
    }
    return delivered;
  }

  // Calls `fn(slot)` for every live slot; `fn` must not Add or Release.
  template <typename Fn>
  void ForEachSlot(Fn fn) {
    for (Slot& slot : slots_) {
      if (slot.op != nullptr) fn(slot);
    }
  }

  // Calls `fn(op)` for every live operation; `fn` must not Add or Release.
  template <typename Fn>
  void ForEach(Fn fn) {
    ForEachSlot([&fn](Slot& slot) { fn(slot.op); });
  }

 private:
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  static uint32_t IndexOf(uint64_t token) {
    return static_cast<uint32_t>(token);
  }
  static uint32_t GenerationOf(uint64_t token) {
    return static_cast<uint32_t>(token >> 32);
  }

  std::vector<Slot> slots_;
  uint32_t free_head_ = kNoSlot;  // a free list threaded through next_free
  size_t live_ = 0;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_OP_TABLE_H_
