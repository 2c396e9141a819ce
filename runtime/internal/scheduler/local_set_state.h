// LocalSetState: the scheduler behind a LocalSet. Its tasks run only on the
// thread that drives the set (inside run_until or `co_await local_set`).
//
// Queues: `local_` is touched only by the driving thread while it runs the
// set (tls "current local set" is this); wakes from anywhere else go to
// `remote_` and wake the driver's waker. A task woken on the driving thread
// while the set is not being run also goes through `remote_`, so the driver
// always hears about it.

#ifndef WEFT_RUNTIME_INTERNAL_SCHEDULER_LOCAL_SET_STATE_H_
#define WEFT_RUNTIME_INTERNAL_SCHEDULER_LOCAL_SET_STATE_H_

#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/internal/scheduler/task_list.h"
#include "runtime/internal/task/owned_tasks.h"
#include "runtime/internal/task/scheduler.h"
#include "runtime/internal/task/waker.h"

namespace weft::internal {

class LocalSetState final : public Scheduler,
                            public std::enable_shared_from_this<LocalSetState> {
 public:
  ~LocalSetState();

  void Schedule(TaskHeader* task, bool yielded) override;
  void Release(TaskHeader* task) override { owned_.Remove(task); }

  // Binds and queues a new task; a closed set cancels it.
  void Spawn(TaskHeader* task);

  // Called by the driver on each turn: checks that the set is driven from
  // one thread only (throws UsageError otherwise).
  void EnterDriver();
  // Runs up to `budget` ready tasks; returns true if more are ready.
  bool RunReady(int budget);
  bool HasReady() const;
  bool Empty() const { return owned_.Size() == 0; }
  // Registers the waker of the context driving the set.
  void SetDriverWaker(Waker waker);

  // Cancels every task (the LocalSet is being destroyed).
  void Close();

 private:
  OwnedTasks owned_;
  std::deque<TaskHeader*> local_;
  // Yielded on the driving thread: run again only on the next turn.
  std::vector<TaskHeader*> deferred_;
  TaskList remote_;
  mutable std::mutex mu_;
  Waker driver_waker_;
  std::thread::id driving_thread_;
};

// The LocalSet being run on this thread, or nullptr; the second form throws
// UsageError naming `operation` instead of returning nullptr.
LocalSetState* CurrentLocalSet();
LocalSetState& CurrentLocalSetOrThrow(const char* operation);
class LocalSetScope {
 public:
  explicit LocalSetScope(LocalSetState* state);
  ~LocalSetScope();
  LocalSetScope(const LocalSetScope&) = delete;
  LocalSetScope& operator=(const LocalSetScope&) = delete;

 private:
  LocalSetState* saved_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_SCHEDULER_LOCAL_SET_STATE_H_
