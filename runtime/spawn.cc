#include "runtime/spawn.h"

#include "runtime/errors.h"
#include "runtime/internal/blocking/blocking_pool.h"
#include "runtime/internal/scheduler/local_set_state.h"

namespace weft {
namespace internal {

void PrepareBlockInPlace() {
  if (OnBlockingThread()) return;
  if (CurrentLocalSet() != nullptr) {
    throw UsageError(
        "block_in_place inside a LocalSet: its tasks must stay on this "
        "thread, so no other thread can take over; use spawn_blocking");
  }
  RuntimeCore* runtime = CurrentRuntime();
  if (runtime == nullptr) return;
  runtime->scheduler().HandOffWorker();
}

}  // namespace internal

TaskId current_task_id() {
  internal::TaskHeader* task = internal::CurrentTask();
  if (task == nullptr) {
    throw UsageError(
        "weft::current_task_id called outside a task: use "
        "try_current_task_id() where there may be none");
  }
  return task->id();
}

std::optional<TaskId> try_current_task_id() {
  internal::TaskHeader* task = internal::CurrentTask();
  if (task == nullptr) return std::nullopt;
  return task->id();
}

}  // namespace weft
