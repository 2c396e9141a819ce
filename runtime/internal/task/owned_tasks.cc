#include "runtime/internal/task/owned_tasks.h"

#include <vector>

namespace weft::internal {

bool OwnedTasks::Bind(TaskHeader* task) {
  uint32_t index = static_cast<uint32_t>(task->id().value() % kShards);
  Shard& shard = shards_[index];
  std::lock_guard lock(shard.mu);
  if (shard.closed) return false;
  task->owned_shard = index;
  task->owned_prev = nullptr;
  task->owned_next = shard.head;
  if (shard.head != nullptr) shard.head->owned_prev = task;
  shard.head = task;
  shard.size.store(shard.size.load(std::memory_order_relaxed) + 1,
                   std::memory_order_relaxed);
  return true;
}

void OwnedTasks::Remove(TaskHeader* task) {
  {
    Shard& shard = shards_[task->owned_shard];
    std::lock_guard lock(shard.mu);
    if (task->owned_prev != nullptr) {
      task->owned_prev->owned_next = task->owned_next;
    } else {
      shard.head = task->owned_next;
    }
    if (task->owned_next != nullptr) {
      task->owned_next->owned_prev = task->owned_prev;
    }
    task->owned_prev = task->owned_next = nullptr;
    shard.size.store(shard.size.load(std::memory_order_relaxed) - 1,
                     std::memory_order_relaxed);
  }
  task->Unref();
}

size_t OwnedTasks::Size() const {
  size_t size = 0;
  for (const Shard& shard : shards_) {
    size += shard.size.load(std::memory_order_relaxed);
  }
  return size;
}

void OwnedTasks::CloseAndShutdownAll() {
  // Once every shard is closed no task can join, so one snapshot holds them
  // all. Tasks are cancelled outside the locks: their destructors may wake or
  // complete other tasks.
  std::vector<TaskHeader*> live;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    shard.closed = true;
    for (TaskHeader* task = shard.head; task != nullptr;
         task = task->owned_next) {
      task->Ref();
      live.push_back(task);
    }
  }
  for (TaskHeader* task : live) {
    // A task running right now (a blocking closure, or a task whose thread
    // left its worker in block_in_place) is only flagged; it completes on its
    // own thread.
    task->Shutdown(/*owned=*/true);
    task->Unref();
  }
}

void OwnedTasks::ForEach(const std::function<void(TaskHeader&)>& visit) {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (TaskHeader* task = shard.head; task != nullptr;
         task = task->owned_next) {
      visit(*task);
    }
  }
}

}  // namespace weft::internal
