// TaskState: what a live task is doing at the moment it is looked at, as a
// RuntimeDump reports it (and as the task state machine derives it from its
// state word).

#ifndef WEFT_RUNTIME_TASK_STATE_H_
#define WEFT_RUNTIME_TASK_STATE_H_

#include <string_view>

namespace weft {

enum class TaskState {
  kIdle,
  kScheduled,
  kRunning,
  kBlockedOnIo,
  kBlockedOnTimer,
  // A spawn_blocking closure waiting for a thread of the blocking pool, and
  // one running on it.
  kBlockingQueued,
  kBlockingRunning
};

// "idle", "scheduled", "running", "blocked on I/O", "blocked on timer",
// "blocking, queued", "blocking, running".
std::string_view TaskStateName(TaskState state);

}  // namespace weft

#endif  // WEFT_RUNTIME_TASK_STATE_H_
