// Plain types of the runtime's public surface: backend information, metrics
// and the task dump.

#ifndef WEFT_RUNTIME_RUNTIME_TYPES_H_
#define WEFT_RUNTIME_RUNTIME_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <source_location>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/task_id.h"

namespace weft {

// Which backend runs, and why. `requested` is what was asked for ("auto"
// when nothing was), `running` the backend that started, `fallback_reason`
// empty unless the requested backend could not start.
struct BackendInfo {
  std::string requested;
  std::string running;
  std::string fallback_reason;
};

enum class UnhandledPanic { kIgnore, kShutdownRuntime };

struct RuntimeMetrics {
  size_t workers = 0;
  size_t alive_tasks = 0;
  size_t blocking_threads = 0;
  size_t idle_blocking_threads = 0;
  size_t queued_tasks = 0;
  uint64_t total_spawned = 0;
  uint64_t total_polls = 0;
  // Times a backend's reactor failed to wait for events, and the last such
  // failure (OK when there was none). A driver backs off after a failure
  // rather than spin; a count that keeps growing means the backend is broken.
  uint64_t reactor_failures = 0;
  absl::Status last_reactor_failure;
};

enum class TaskState {
  kIdle,
  kScheduled,
  kRunning,
  kBlockedOnIo,
  kBlockedOnTimer
};

std::string_view TaskStateName(TaskState state);

struct TaskDump {
  TaskId id;
  std::string name;
  std::source_location location;
  TaskState state = TaskState::kIdle;
};

struct RuntimeDump {
  std::vector<TaskDump> tasks;
  // One line per task: "task 7 (name, file.cc:12): blocked on timer".
  std::string ToString() const;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_RUNTIME_TYPES_H_
