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
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/internal/scheduler/runtime_core.h"
#include "runtime/internal/scheduler/task_list.h"
#include "runtime/internal/task/owned_tasks.h"
#include "runtime/internal/task/scheduler.h"
#include "runtime/internal/task/waker.h"
#include "runtime/unhandled_panic.h"

namespace weft::internal {

class LocalSetState final : public Scheduler,
                            public ForeignTasks,
                            public std::enable_shared_from_this<LocalSetState> {
 public:
  ~LocalSetState();

  void Schedule(TaskHeader* task, bool yielded) override;
  void Release(TaskHeader* task) override { owned_.Remove(task); }
  // The set's own UnhandledPanic when one was given; otherwise the runtime
  // driving the set decides, as for its own tasks.
  void OnPanic(TaskHeader* task) override;
  void ForEachTask(const std::function<void(TaskHeader&)>& visit) override {
    owned_.ForEach(visit);
  }

  // Binds and queues a new task; a closed set cancels it.
  void Spawn(TaskHeader* task);

  // Called by the driver on each turn: checks that the set is driven from
  // one thread only (throws UsageError otherwise), and joins the dumps of
  // the runtime driving it.
  void EnterDriver();
  // Called by the driver after running tasks: when a task panicked under
  // the set's own kShutdownRuntime, closes the set and throws RuntimeError
  // (ABORTED) out of run_until.
  void ThrowIfPanicShutdown();
  void SetUnhandledPanic(UnhandledPanic behavior);
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
  std::optional<UnhandledPanic> unhandled_panic_;  // guarded by mu_
  std::optional<std::string> panic_message_;       // guarded by mu_
  // The runtime whose dumps list this set's tasks (guarded by mu_).
  std::weak_ptr<RuntimeCore> dumped_by_;
  RuntimeCore* dumped_by_raw_ = nullptr;
};

// The LocalSet being run on this thread, or nullptr; the second form throws
// UsageError naming `operation` instead of returning nullptr.
LocalSetState* CurrentLocalSet();
// The set spawn_local adds to: the one being driven on this thread, else the
// one entered with LocalSet::enter.
LocalSetState& CurrentLocalSetOrThrow(const char* operation);

// LocalSet::enter: makes `state` the set that spawn_local adds to on this
// thread while the scope lives (tasks spawned so run once the set is
// driven).
class LocalSetEnterScope {
 public:
  explicit LocalSetEnterScope(std::shared_ptr<LocalSetState> state);
  ~LocalSetEnterScope();
  LocalSetEnterScope(const LocalSetEnterScope&) = delete;
  LocalSetEnterScope& operator=(const LocalSetEnterScope&) = delete;

 private:
  std::shared_ptr<LocalSetState> state_;
  LocalSetState* saved_;
};
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
