// TaskList: a FIFO of tasks linked through TaskHeader::queue_next, guarded by
// a mutex, with a lock-free length for quick emptiness checks. Used for the
// injection queue of the multi_thread scheduler and the remote queues of the
// current_thread scheduler and LocalSet. A task is in at most one queue at a
// time (kNotified guarantees it), so one link per task suffices.

#ifndef WEFT_RUNTIME_INTERNAL_SCHEDULER_TASK_LIST_H_
#define WEFT_RUNTIME_INTERNAL_SCHEDULER_TASK_LIST_H_

#include <atomic>
#include <cstddef>
#include <mutex>
#include <span>

#include "runtime/internal/task/task_header.h"

namespace weft::internal {

class TaskList {
 public:
  // Returns false (and takes nothing) once closed.
  bool Push(TaskHeader* task) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    Append(task);
    return true;
  }

  bool PushBatch(std::span<TaskHeader* const> tasks) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    for (TaskHeader* task : tasks) Append(task);
    return true;
  }

  TaskHeader* Pop() {
    if (length_.load(std::memory_order_acquire) == 0) return nullptr;
    std::lock_guard lock(mu_);
    TaskHeader* task = head_;
    if (task == nullptr) return nullptr;
    head_ = task->queue_next;
    if (head_ == nullptr) tail_ = nullptr;
    task->queue_next = nullptr;
    length_.store(length_.load(std::memory_order_relaxed) - 1,
                  std::memory_order_release);
    return task;
  }

  // Refuses further pushes; returns the tasks still queued, as a list linked
  // through queue_next.
  TaskHeader* Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    TaskHeader* all = head_;
    head_ = tail_ = nullptr;
    length_.store(0, std::memory_order_release);
    return all;
  }

  // Close(), dropping the queue's reference to each task still queued
  // (shutdown: their owners cancel them).
  void CloseAndDrop() {
    for (TaskHeader* task = Close(); task != nullptr;) {
      TaskHeader* next = task->queue_next;
      task->queue_next = nullptr;
      task->Unref();
      task = next;
    }
  }

  size_t Size() const { return length_.load(std::memory_order_acquire); }
  bool IsEmpty() const { return Size() == 0; }

 private:
  void Append(TaskHeader* task) {
    task->queue_next = nullptr;
    if (tail_ == nullptr) {
      head_ = task;
    } else {
      tail_->queue_next = task;
    }
    tail_ = task;
    length_.store(length_.load(std::memory_order_relaxed) + 1,
                  std::memory_order_release);
  }

  std::mutex mu_;
  TaskHeader* head_ = nullptr;
  TaskHeader* tail_ = nullptr;
  bool closed_ = false;
  std::atomic<size_t> length_{0};
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_SCHEDULER_TASK_LIST_H_
