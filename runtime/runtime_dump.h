// RuntimeDump: a snapshot of a runtime's live tasks (Handle::dump()), for
// debugging a program that hangs: which tasks exist, where they were spawned
// and what each is doing.

#ifndef WEFT_RUNTIME_RUNTIME_DUMP_H_
#define WEFT_RUNTIME_RUNTIME_DUMP_H_

#include <source_location>
#include <string>
#include <vector>

#include "runtime/task_id.h"
#include "runtime/task_state.h"

namespace weft {

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

#endif  // WEFT_RUNTIME_RUNTIME_DUMP_H_
