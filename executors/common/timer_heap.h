// The pending kTimeout operations of one reactor, earliest deadline first.
//
// A binary min-heap whose entries carry the deadline beside the operation (so
// sifting reads no operation), and each operation keeps its heap index in
// backend_state (op_state.h) so that a cancelled timeout leaves in O(log n).
// Equal deadlines fire in no particular order. The runtime keeps its own
// timers for sleeps; this heap only serves kTimeout operations, and the
// earliest deadline bounds the reactor's wait.
//
// Invariants: every entry's deadline is >= its parent's; HeapIndexOf(op) is
// the index of op's entry. Driving thread only.

#ifndef WEFT_EXECUTORS_COMMON_TIMER_HEAP_H_
#define WEFT_EXECUTORS_COMMON_TIMER_HEAP_H_

#include <chrono>
#include <cstddef>
#include <vector>

#include "runtime/executor.h"

namespace weft::executors_common {

class TimerHeap {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }

  // The earliest deadline; the heap must not be empty.
  TimePoint earliest() const { return heap_.front().deadline; }

  void Push(IoOperation* op, TimePoint deadline);

  // `op` must be in the heap.
  void Remove(IoOperation* op);

  // Removes and returns an operation whose deadline is <= now, or null.
  IoOperation* PopExpired(TimePoint now);

 private:
  struct Entry {
    TimePoint deadline;
    IoOperation* op;
  };

  void Place(size_t index, Entry entry);
  void SiftUp(size_t index);
  void SiftDown(size_t index);

  std::vector<Entry> heap_;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_TIMER_HEAP_H_
