// OwnedTasks: every live task of a runtime (or LocalSet), so that shutdown
// can cancel them all, and metrics() and dump() can see them.
//
// Sharded by task id to keep spawns on different workers off each other's
// lock. Once closed, Bind refuses new tasks: spawning onto a runtime that shut
// down yields a cancelled JoinHandle. Each bound task holds its owner
// reference until Remove.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_OWNED_TASKS_H_
#define WEFT_RUNTIME_INTERNAL_TASK_OWNED_TASKS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>

#include "runtime/internal/lock/spin_lock.h"
#include "runtime/internal/task/task_header.h"

namespace weft::internal {

class OwnedTasks {
 public:
  // False once closed; the task is then not linked.
  bool Bind(TaskHeader* task);
  // Unlinks a task bound here and releases its owner reference.
  void Remove(TaskHeader* task);

  // Refuses further binds, then cancels (on this thread) every linked task
  // that is not running at this moment.
  void CloseAndShutdownAll();

  size_t Size() const;
  // Calls `visit` for each live task, under the shard's lock.
  void ForEach(const std::function<void(TaskHeader&)>& visit);

 private:
  static constexpr size_t kShards = 32;
  // A cache line each: a Bind on one worker and a Remove on another touch
  // different shards without bouncing a line between them.
  struct alignas(64) Shard {
    SpinLock mu;
    TaskHeader* head = nullptr;
    // Written under `mu`, read without it by Size().
    std::atomic<size_t> size{0};
    bool closed = false;
  };
  std::array<Shard, kShards> shards_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_OWNED_TASKS_H_
