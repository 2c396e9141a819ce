/// \file
/// RuntimeMetrics: counters of a runtime at one moment (Handle::metrics()),
/// for the runtime as a whole and for each of its workers.
///
///   RuntimeMetrics m = rt.handle().metrics();
///   for (size_t i = 0; i < m.worker_metrics.size(); ++i) {
///     const WorkerMetrics& w = m.worker_metrics[i];
///     std::cout << "worker " << i << ": " << w.poll_count << " polls, "
///               << w.park_count << " parks, " << w.steal_count
///               << " tasks stolen, busy " << w.busy_duration << "\n";
///   }
///
/// Counters only grow; compare two snapshots to see a rate. Each worker
/// writes its own counters without synchronising with readers, so a
/// snapshot's numbers may be a moment apart from one another.

#ifndef WEFT_RUNTIME_RUNTIME_METRICS_H_
#define WEFT_RUNTIME_RUNTIME_METRICS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace weft {

/// One worker's counters (tokio's per-worker RuntimeMetrics). A
/// current_thread runtime has one worker: whichever thread is inside
/// block_on driving its tasks.
struct WorkerMetrics {
  /// Times the worker parked: blocked waiting for work, I/O or a timer.
  uint64_t park_count = 0;
  /// Parks plus unparks: an odd number means the worker is parked now.
  uint64_t park_unpark_count = 0;
  /// Times the worker woke up and parked again without polling a task.
  uint64_t noop_count = 0;
  /// Tasks this worker stole from other workers' queues, and how many times
  /// it stole (a steal takes up to half of another queue). Always 0 on
  /// current_thread.
  ///@{
  uint64_t steal_count = 0;
  uint64_t steal_operations = 0;
  ///@}
  /// Task polls on this worker.
  uint64_t poll_count = 0;
  /// Time the worker spent not parked, up to its last park (a worker that
  /// has been busy since then has that stretch added when it next parks).
  std::chrono::nanoseconds busy_duration{0};
  /// Tasks in the worker's own run queue now.
  size_t local_queue_depth = 0;
};

/// A snapshot of a runtime's counters (Handle::metrics), in the spirit of
/// tokio's RuntimeMetrics. Gauges are the value at the time of the call;
/// totals count since the runtime was built.
struct RuntimeMetrics {
  /// Worker threads (1 for current_thread).
  size_t workers = 0;
  /// Tasks spawned and not yet released, blocking closures included. As in
  /// tokio, a task is released just after its JoinHandle learns that it
  /// finished, so on a multi-thread runtime this count may still include a
  /// task that was just joined, for a moment.
  size_t alive_tasks = 0;
  /// Threads of the blocking pool now, and how many of them are idle.
  ///@{
  size_t blocking_threads = 0;
  size_t idle_blocking_threads = 0;
  ///@}
  /// Tasks waiting in the scheduler's run queues (the global queue and every
  /// worker's own), not blocking closures.
  size_t queued_tasks = 0;
  /// Tasks and blocking closures spawned so far.
  uint64_t total_spawned = 0;
  /// Task polls so far, over every worker.
  uint64_t total_polls = 0;
  /// Polls longer than Runtime::Builder::slow_poll_threshold (0 when it is
  /// not set).
  uint64_t slow_polls = 0;
  /// Times a backend's reactor failed to wait for events, and the last such
  /// failure (OK when there was none). A driver backs off after a failure
  /// rather than spin; a count that keeps growing means the backend is broken.
  ///@{
  uint64_t reactor_failures = 0;
  absl::Status last_reactor_failure;
  ///@}
  /// One entry per worker (`workers` of them).
  std::vector<WorkerMetrics> worker_metrics;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_RUNTIME_METRICS_H_
