// WorkerCounters: one worker's WorkerMetrics (runtime/runtime_metrics.h) as
// the worker keeps them. Only the thread running the worker writes them, so
// an increment is a relaxed load and store rather than a read-modify-write;
// metrics() reads them from any thread.

#ifndef WEFT_RUNTIME_INTERNAL_SCHEDULER_WORKER_COUNTERS_H_
#define WEFT_RUNTIME_INTERNAL_SCHEDULER_WORKER_COUNTERS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <type_traits>

#include "runtime/runtime_metrics.h"

namespace weft::internal {

class WorkerCounters {
 public:
  // The worker's thread starts (or resumes) being busy.
  void StartBusy() { busy_since_ = std::chrono::steady_clock::now(); }
  // The worker's thread stops being busy (it parks, or hands the worker to
  // another thread).
  void StopBusy() {
    Add(busy_nanos_, std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - busy_since_)
                         .count());
  }

  void AboutToPark() {
    StopBusy();
    Add(park_unpark_count_, 1);
    if (Load(poll_count_) == polls_at_unpark_) Add(noop_count_, 1);
  }
  void Unparked() {
    Add(park_unpark_count_, 1);
    polls_at_unpark_ = Load(poll_count_);
    StartBusy();
  }
  void Polled() { Add(poll_count_, 1); }
  void Stole(uint64_t tasks) {
    Add(steal_count_, tasks);
    Add(steal_operations_, 1);
  }

  uint64_t polls() const { return Load(poll_count_); }

  WorkerMetrics Snapshot(size_t local_queue_depth) const {
    WorkerMetrics metrics;
    // Both from one counter, so that a snapshot taken while the worker
    // parks or unparks is consistent: a park makes it odd, an unpark even.
    metrics.park_unpark_count = Load(park_unpark_count_);
    metrics.park_count = (metrics.park_unpark_count + 1) / 2;
    metrics.noop_count = Load(noop_count_);
    metrics.steal_count = Load(steal_count_);
    metrics.steal_operations = Load(steal_operations_);
    metrics.poll_count = Load(poll_count_);
    metrics.busy_duration = std::chrono::nanoseconds(Load(busy_nanos_));
    metrics.local_queue_depth = local_queue_depth;
    return metrics;
  }

 private:
  template <typename T>
  static void Add(std::atomic<T>& counter, std::type_identity_t<T> amount) {
    counter.store(counter.load(std::memory_order_relaxed) + amount,
                  std::memory_order_relaxed);
  }
  template <typename T>
  static T Load(const std::atomic<T>& counter) {
    return counter.load(std::memory_order_relaxed);
  }

  std::atomic<uint64_t> park_unpark_count_{0};
  std::atomic<uint64_t> noop_count_{0};
  std::atomic<uint64_t> steal_count_{0};
  std::atomic<uint64_t> steal_operations_{0};
  std::atomic<uint64_t> poll_count_{0};
  std::atomic<int64_t> busy_nanos_{0};
  // The worker's thread only.
  std::chrono::steady_clock::time_point busy_since_ =
      std::chrono::steady_clock::now();
  uint64_t polls_at_unpark_ = 0;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_SCHEDULER_WORKER_COUNTERS_H_
