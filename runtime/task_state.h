/// \file
/// TaskState: what a live task is doing at the moment it is looked at, as a
/// RuntimeDump reports it (and as the task state machine derives it from its
/// state word).

#ifndef WEFT_RUNTIME_TASK_STATE_H_
#define WEFT_RUNTIME_TASK_STATE_H_

#include <string_view>

namespace weft {

/// The state of one task in a RuntimeDump.
enum class TaskState {
  kIdle,            ///< Not queued, not waiting on I/O or a timer.
  kScheduled,       ///< Woken, in a run queue.
  kRunning,         ///< Being polled right now.
  kBlockedOnIo,     ///< Suspended on an I/O operation.
  kBlockedOnTimer,  ///< Suspended on a timer (sleep, timeout, interval).
  /// A spawn_blocking closure waiting for a thread of the blocking pool.
  kBlockingQueued,
  /// A spawn_blocking closure running on a thread of the blocking pool.
  kBlockingRunning
};

/// "idle", "scheduled", "running", "blocked on I/O", "blocked on timer",
/// "blocking, queued", "blocking, running".
std::string_view TaskStateName(TaskState state);

}  // namespace weft

#endif  // WEFT_RUNTIME_TASK_STATE_H_
