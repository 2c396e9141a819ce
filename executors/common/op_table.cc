#include "executors/common/op_table.h"

#include <cstdint>

namespace weft::executors_common {
namespace {

uint32_t IndexOf(uint64_t token) { return static_cast<uint32_t>(token); }
uint32_t GenerationOf(uint64_t token) {
  return static_cast<uint32_t>(token >> 32);
}

}  // namespace

uint64_t OpTable::Add(IoOperation* op) {
  uint32_t index;
  if (free_head_ != kNoSlot) {
    index = free_head_;
    free_head_ = slots_[index].next_free;
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.op = op;
  ++live_;
  return uint64_t{slot.generation} << 32 | index;
}

IoOperation* OpTable::Find(uint64_t token) const {
  uint32_t index = IndexOf(token);
  if (index >= slots_.size()) return nullptr;
  const Slot& slot = slots_[index];
  return slot.generation == GenerationOf(token) ? slot.op : nullptr;
}

void OpTable::Release(uint64_t token) {
  uint32_t index = IndexOf(token);
  Slot& slot = slots_[index];
  slot.op = nullptr;
  // Skips 0 on wrap-around, so that token 0 stays never live.
  if (++slot.generation == 0) slot.generation = 1;
  slot.next_free = free_head_;
  free_head_ = index;
  --live_;
}

}  // namespace weft::executors_common
