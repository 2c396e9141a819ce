#include "runtime/task_state.h"

#include <string_view>

namespace weft {

std::string_view TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kIdle:
      return "idle";
    case TaskState::kScheduled:
      return "scheduled";
    case TaskState::kRunning:
      return "running";
    case TaskState::kBlockedOnIo:
      return "blocked on I/O";
    case TaskState::kBlockedOnTimer:
      return "blocked on timer";
    case TaskState::kBlockingQueued:
      return "blocking, queued";
    case TaskState::kBlockingRunning:
      return "blocking, running";
  }
  return "unknown";
}

}  // namespace weft
