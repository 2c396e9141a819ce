/// \file
/// RuntimeDump: a snapshot of a runtime's live tasks (Handle::dump()), for
/// debugging a program that hangs: which tasks exist, where they were spawned
/// and what each is doing.

#ifndef WEFT_RUNTIME_RUNTIME_DUMP_H_
#define WEFT_RUNTIME_RUNTIME_DUMP_H_

#include <source_location>
#include <string>
#include <vector>

#include "runtime/task_id.h"
#include "runtime/task_state.h"

namespace weft {

/// One live task in a RuntimeDump.
struct TaskDump {
  /// The task's id.
  TaskId id;
  /// Its SpawnOptions::name; empty when it has none.
  std::string name;
  /// Where it was spawned.
  std::source_location location;
  /// What it is doing: running, idle, or what it is blocked on.
  TaskState state = TaskState::kIdle;
  /// A LocalSet's task (it runs only on the thread driving its set); the
  /// dump of a runtime lists the tasks of the LocalSets driven on its threads.
  bool local = false;
};

/// A snapshot of a runtime's live tasks, from Handle::dump().
struct RuntimeDump {
  /// The live tasks, the runtime's own and its threads' LocalSets'.
  std::vector<TaskDump> tasks;
  /// One line per task: "task 7 (name, file.cc:12): blocked on timer",
  /// "local task 9 (file.cc:40): idle".
  std::string ToString() const;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_RUNTIME_DUMP_H_
