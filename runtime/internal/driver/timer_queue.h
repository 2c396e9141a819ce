// TimerQueue: the pending timers of one driver, as an indexed binary min-heap
// (insert, cancel and pop are O(log n); 100,000 pending timers cost a few
// megabytes and ~17 comparisons per operation).
//
// Any thread may insert or cancel; the driving thread fires. Entries belong
// to their owners (a Sleep); the queue only links them. An entry's
// heap_index is kNotQueued when it is not in the heap; it is only read or
// written under the queue's mutex. `fired` is published (release) before the
// waker is called, outside the lock.

#ifndef WEFT_RUNTIME_INTERNAL_DRIVER_TIMER_QUEUE_H_
#define WEFT_RUNTIME_INTERNAL_DRIVER_TIMER_QUEUE_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "runtime/internal/task/waker.h"

namespace weft::internal {

using Clock = std::chrono::steady_clock;

class TimerQueue;

struct TimerEntry {
  static constexpr size_t kNotQueued = static_cast<size_t>(-1);

  Clock::time_point deadline;
  Waker waker;
  size_t heap_index = kNotQueued;
  TimerQueue* queue = nullptr;
  std::atomic<bool> fired{false};
};

class TimerQueue {
 public:
  // Queues `entry`. Returns true if the driver is parked past the entry's
  // deadline and must be woken to re-arm its wait.
  bool Insert(TimerEntry* entry);
  // Removes `entry` if it is still queued (it may have fired meanwhile).
  void Cancel(TimerEntry* entry);
  // Fires every timer due at `now`; returns how many.
  size_t FireExpired(Clock::time_point now);
  std::optional<Clock::time_point> NextDeadline();
  size_t Size();

  // Parking protocol with the driver: between BeginPark (which returns the
  // deadline to wait for) and EndPark, an earlier Insert asks for a wake.
  std::optional<Clock::time_point> BeginPark();
  void EndPark();

 private:
  void SiftUp(size_t index);
  void SiftDown(size_t index);
  void Swap(size_t a, size_t b);
  void RemoveAt(size_t index);

  std::mutex mu_;
  std::vector<TimerEntry*> heap_;
  bool parked_ = false;
  std::optional<Clock::time_point> parked_until_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_DRIVER_TIMER_QUEUE_H_
