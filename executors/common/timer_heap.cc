#include "executors/common/timer_heap.h"

#include <utility>

#include "executors/common/op_state.h"

namespace weft::executors_common {

void TimerHeap::Push(IoOperation* op, TimePoint deadline) {
  heap_.push_back({deadline, op});
  SetHeapIndex(op, heap_.size() - 1);
  SiftUp(heap_.size() - 1);
}

void TimerHeap::Remove(IoOperation* op) {
  size_t index = HeapIndexOf(op);
  Entry last = heap_.back();
  heap_.pop_back();
  if (index == heap_.size()) return;  // `op` was the last entry
  Place(index, last);
  // The moved entry may belong above or below its new place, not both.
  SiftUp(index);
  SiftDown(HeapIndexOf(last.op));
}

IoOperation* TimerHeap::PopExpired(TimePoint now) {
  if (heap_.empty() || heap_.front().deadline > now) return nullptr;
  IoOperation* op = heap_.front().op;
  Remove(op);
  return op;
}

void TimerHeap::Place(size_t index, Entry entry) {
  SetHeapIndex(entry.op, index);
  heap_[index] = entry;
}

void TimerHeap::SiftUp(size_t index) {
  Entry entry = heap_[index];
  while (index > 0) {
    size_t parent = (index - 1) / 2;
    if (!(entry.deadline < heap_[parent].deadline)) break;
    Place(index, heap_[parent]);
    index = parent;
  }
  Place(index, entry);
}

void TimerHeap::SiftDown(size_t index) {
  Entry entry = heap_[index];
  size_t size = heap_.size();
  for (;;) {
    size_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && heap_[child + 1].deadline < heap_[child].deadline) {
      ++child;
    }
    if (!(heap_[child].deadline < entry.deadline)) break;
    Place(index, heap_[child]);
    index = child;
  }
  Place(index, entry);
}

}  // namespace weft::executors_common
