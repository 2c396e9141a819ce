// Scheduler: where a task goes when it is woken, and who owns it while it
// lives. Implemented by the multi_thread and current_thread schedulers, by
// LocalSet and by the blocking pool.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_SCHEDULER_H_
#define WEFT_RUNTIME_INTERNAL_TASK_SCHEDULER_H_

namespace weft::internal {

class TaskHeader;

class Scheduler {
 public:
  // Queues `task` to run. Takes over one reference to it. `yielded` tasks
  // run after the other ready tasks and after the reactor was polled. After
  // shutdown the task is dropped (its reference released) instead.
  virtual void Schedule(TaskHeader* task, bool yielded) = 0;

  // `task` completed: remove it from the set of live tasks (releasing the
  // reference that set held).
  virtual void Release(TaskHeader* task) = 0;

  // An exception escaped `task` (see UnhandledPanic).
  virtual void OnPanic(TaskHeader* task) { (void)task; }

 protected:
  ~Scheduler() = default;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_SCHEDULER_H_
