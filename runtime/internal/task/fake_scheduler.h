// FakeScheduler: a Scheduler whose run queue a test drains by hand (or from
// several threads), and which checks the promises the task state machine
// makes to schedulers: a task is never queued twice at once, never
// scheduled after it was released, and released only when no wake's
// Schedule call for it is still in progress. For unit tests without a
// runtime; tasks must outlive the checks (a test holds their JoinHandle
// references), since they are told apart by address.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_FAKE_SCHEDULER_H_
#define WEFT_RUNTIME_INTERNAL_TASK_FAKE_SCHEDULER_H_

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "runtime/internal/task/owned_tasks.h"
#include "runtime/internal/task/scheduler.h"
#include "runtime/internal/task/task_header.h"

namespace weft::internal {

class FakeScheduler final : public Scheduler {
 public:
  // Without `owned`, Release drops the owner reference itself.
  explicit FakeScheduler(OwnedTasks* owned = nullptr) : owned_(owned) {}

  struct Entry {
    TaskHeader* task;
    bool yielded;
  };

  // A runner queueing its task again is the scheduler's own thread; a wake
  // from elsewhere must have left this call before the task is released.
  void Schedule(TaskHeader* task, bool yielded) override {
    Queue(task, yielded, /*checked=*/!tls_running_, /*spawn=*/false);
  }

  // Queues a new task, as a spawn does. Neither check applies: a spawner
  // holds the scheduler alive by other means, and a shutdown may cancel and
  // release a task between its binding and this call (its queue entry then
  // only drops a reference when it runs).
  void Spawn(TaskHeader* task) {
    Queue(task, /*yielded=*/false, /*checked=*/false, /*spawn=*/true);
  }

  void Release(TaskHeader* task) override {
    {
      std::lock_guard lock(mu_);
      if (in_flight_[task] != 0) Violation("released inside a wake", task);
      if (!released_.insert(task).second) Violation("released twice", task);
    }
    released_count_.fetch_add(1);
    if (owned_ != nullptr) {
      owned_->Remove(task);
    } else {
      task->Unref();
    }
  }

  void OnPanic(TaskHeader* task) override {
    (void)task;
    panics_.fetch_add(1);
  }

  // Takes the oldest queue entry (the caller owns its reference), or returns
  // {nullptr, false}.
  Entry Pop() {
    std::lock_guard lock(mu_);
    if (queue_.empty()) return {nullptr, false};
    Entry entry = queue_.front();
    queue_.pop_front();
    queued_.erase(entry.task);
    return entry;
  }
  // Runs the oldest queued task; false when the queue was empty.
  bool RunOne() {
    Entry entry = Pop();
    if (entry.task == nullptr) return false;
    tls_running_ = true;
    entry.task->Run();
    tls_running_ = false;
    return true;
  }
  // Runs queued tasks until none is left; returns how many runs there were.
  int RunAll() {
    int runs = 0;
    while (RunOne()) ++runs;
    return runs;
  }

  size_t Queued() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }
  int scheduled() const { return scheduled_.load(); }
  int released() const { return released_count_.load(); }
  int panics() const { return panics_.load(); }
  int violations() {
    std::lock_guard lock(mu_);
    return violations_;
  }
  // The first few violations, one per line.
  std::string ViolationLog() {
    std::lock_guard lock(mu_);
    return violation_log_;
  }

 private:
  void Queue(TaskHeader* task, bool yielded, bool checked, bool spawn) {
    {
      std::lock_guard lock(mu_);
      if (checked) ++in_flight_[task];
      if (!spawn && released_.contains(task)) {
        Violation("scheduled after release", task);
      }
      if (!queued_.insert(task).second) Violation("queued twice", task);
      queue_.push_back({task, yielded});
      scheduled_.fetch_add(1);
    }
    if (!checked) return;
    // The window after the push (a real scheduler wakes a worker here) in
    // which another thread may run the task to completion.
    std::this_thread::yield();
    std::lock_guard lock(mu_);
    --in_flight_[task];
  }

  void Violation(const char* what, TaskHeader* task) {
    if (++violations_ <= 10) {
      violation_log_ += std::string(what) + ": task " +
                        std::to_string(task->id().value()) + "\n";
    }
  }

  // Set while this thread runs a task for RunOne.
  static inline thread_local bool tls_running_ = false;

  OwnedTasks* owned_;
  std::mutex mu_;
  std::deque<Entry> queue_;                         // guarded by mu_
  std::unordered_set<TaskHeader*> queued_;          // guarded by mu_
  std::unordered_set<TaskHeader*> released_;        // guarded by mu_
  std::unordered_map<TaskHeader*, int> in_flight_;  // guarded by mu_
  int violations_ = 0;                              // guarded by mu_
  std::string violation_log_;                       // guarded by mu_
  std::atomic<int> scheduled_{0};
  std::atomic<int> released_count_{0};
  std::atomic<int> panics_{0};
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_FAKE_SCHEDULER_H_
