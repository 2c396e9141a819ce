// TaskHeader: the type-erased part of a spawned task — its state word,
// reference count, identity and links — and the state machine that every
// scheduler, JoinHandle and AbortHandle drive.
//
// State word (bits of `state_`):
//   kRunning      a thread is polling the task (or cancelling it) right now.
//   kNotified     the task must run again: it is in a run queue, or it was
//                 woken while running and the runner will queue it.
//   kComplete     the output is stored and the body (coroutine frame and
//                 spawned callable) has been destroyed. Final.
//   kCancelled    abort() was requested; the next run cancels instead of
//                 polling (a poll in progress that completes still wins).
//   kJoinInterest a JoinHandle exists; without it the output is dropped.
//   kJoinWaker    `join_waker_` holds the JoinHandle's waker. While the bit is
//                 set only the completing thread may take it (the JoinHandle
//                 only compares it); while it is clear only the JoinHandle
//                 may write it.
//   schedulers    (bits 16-31, a count) Wake or Abort calls that are
//                 handing the task to its scheduler right now. Wakes come
//                 from any thread, also while the runtime is being torn
//                 down; a finishing task waits for the count to drop to zero
//                 before it is released from its owner, so that no wake can
//                 still reach a scheduler that its owner is about to free.
//   references    (bits 32-63, a count) one for the owner (the runtime's or
//                 LocalSet's set of live tasks) until completion, one for
//                 each queue entry (a Notified task), one per JoinHandle,
//                 AbortHandle and Waker. The last Unref deletes the task.
//
// The references share the word with the flags, as in tokio, so that the
// transitions that also take or drop one (a wake that queues the task, a
// poll that ends pending or completes) are one atomic operation, not two.
//
// Order of observation: the body is destroyed (with this task's context
// current, so task-locals and current_task_id() work in destructors) before
// kComplete is published; a JoinHandle seeing kComplete sees the output. An
// output that nobody takes (a detached task's, or one left in a dropped
// JoinHandle) is destroyed with this task's context current too, on
// whichever thread drops it.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_TASK_HEADER_H_
#define WEFT_RUNTIME_INTERNAL_TASK_TASK_HEADER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <source_location>
#include <string>

#include "runtime/internal/memory/task_memory.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/scheduler.h"
#include "runtime/internal/task/waker.h"
#include "runtime/spawn_options.h"
#include "runtime/task_id.h"
#include "runtime/task_state.h"

namespace weft::internal {

class SlowPollDetector;

class TaskHeader : public Wakeable, public InTaskMemory {
 public:
  static constexpr uint64_t kRunning = 1u << 0;
  static constexpr uint64_t kNotified = 1u << 1;
  static constexpr uint64_t kComplete = 1u << 2;
  static constexpr uint64_t kCancelled = 1u << 3;
  static constexpr uint64_t kJoinInterest = 1u << 4;
  static constexpr uint64_t kJoinWaker = 1u << 5;
  static constexpr uint64_t kOneScheduler = uint64_t{1} << 16;
  static constexpr uint64_t kSchedulerMask = uint64_t{0xffff} << 16;
  static constexpr int kRefShift = 32;
  static constexpr uint64_t kOneRef = uint64_t{1} << kRefShift;

  TaskHeader(const TaskHeader&) = delete;
  TaskHeader& operator=(const TaskHeader&) = delete;

  // Wakeable.
  void Wake() final;
  void WakeAndUnref() final;
  void Ref() final { state_.fetch_add(kOneRef, std::memory_order_relaxed); }
  void Unref() final {
    if ((state_.fetch_sub(kOneRef, std::memory_order_acq_rel) >> kRefShift) ==
        1) {
      delete this;
    }
  }

  TaskId id() const { return id_; }
  std::string_view name_view() const {
    return name_ != nullptr ? std::string_view(*name_) : std::string_view();
  }
  // The name for a JoinError (which shares its name between copies): a copy,
  // made only when a named task fails, so that the task keeps one pointer.
  std::shared_ptr<const std::string> SharedName() const {
    return name_ != nullptr ? std::make_shared<const std::string>(*name_)
                            : nullptr;
  }
  std::source_location location() const { return location_; }

  // Binds the task to the scheduler that will run it and own it.
  void set_scheduler(Scheduler* scheduler) { scheduler_ = scheduler; }
  Scheduler* scheduler() const { return scheduler_; }

  // Runs the task once, consuming the reference its queue entry held.
  void Run();
  // Cancels a task that will never be run (its runtime is shut down or
  // never accepted it). Consumes nothing; the owner reference is released
  // through Scheduler::Release only if the task had been bound (`owned`).
  void Shutdown(bool owned);

  void Abort();
  bool IsComplete() const {
    return state_.load(std::memory_order_acquire) & kComplete;
  }
  // Registers the JoinHandle's waker; false when the task is already complete.
  bool SetJoinWaker(Waker waker);
  // The JoinHandle is gone: drop the output now if the task is complete,
  // else let the task drop it when it completes.
  void DropJoinInterest();
  // What the task is doing right now, for a RuntimeDump (a snapshot: it may
  // have changed by the time the caller looks at it).
  TaskState State() const;

  // Intrusive links, each owned by one structure (see its header).
  TaskHeader* queue_next = nullptr;  // run queues of LocalSet/current_thread
  TaskHeader* owned_prev = nullptr;  // OwnedTasks
  TaskHeader* owned_next = nullptr;

 protected:
  TaskHeader(SpawnOptions options, bool async);
  virtual ~TaskHeader();

  // Runs the body once: a coroutine resumes, a blocking closure is called.
  // Returns true once the body has finished.
  virtual bool PollBody() = 0;
  // Stores the finished body's output and destroys the body; returns false
  // when the output is a panic.
  virtual bool CompleteBody() = 0;
  // Destroys a body that did not finish; stores a cancelled error, or a
  // panic if a destructor threw.
  virtual void CancelBody() = 0;
  virtual void DropOutput() = 0;
  // Abort or shutdown reached the task (while it runs, or before): a
  // blocking closure that takes a std::stop_token sees stop requested.
  virtual void RequestStop() {}

  ExecContext context_;

 private:
  // PollBody, timed: a poll longer than the detector's threshold is
  // reported to it.
  bool TimedPollBody(SlowPollDetector& detector);
  // Stores the output (through CompleteBody/CancelBody) and publishes
  // kComplete, dropping the run's queue reference in the same step when
  // `drop_queue_reference`. Called with kRunning held by this thread.
  void Finish(bool cancel, bool drop_queue_reference);
  // Destroys the stored output with this task's context current.
  void DropOutputInContext();
  // Sets kNotified unless the task is complete or notified already. Returns
  // true when the caller must queue it (it was not running): the caller is
  // then counted in the state word and calls ScheduleCounted, and the queue
  // entry has its reference — the caller's own when `give_reference`, else
  // one taken in the same step. A caller that gives its reference and need
  // not queue has it dropped.
  bool NotifyForWake(bool give_reference);
  // Queues the task on its scheduler from a Wake or Abort that counted
  // itself in the state word (kOneScheduler) and took the queue entry's
  // reference, and uncounts it.
  void ScheduleCounted();

  std::atomic<uint64_t> state_;
  std::atomic<WaitKind> wait_kind_{WaitKind::kNone};

 public:
  // OwnedTasks' shard of this task (here, to fill the padding before id_).
  uint32_t owned_shard = 0;

 private:
  TaskId id_;
  Scheduler* scheduler_ = nullptr;
  // Immutable once made; null for an unnamed task.
  std::unique_ptr<const std::string> name_;
  std::source_location location_;
  // The JoinHandle's waker: a reference owned as a Waker's (see
  // Waker::Adopt). kJoinWaker says who may write it; it is atomic because a
  // JoinHandle compares it (SetJoinWaker) while the completing thread may be
  // taking it.
  std::atomic<Wakeable*> join_waker_{nullptr};
};

// The task whose context is current on this thread (or being cancelled), or
// nullptr.
TaskHeader* CurrentTask();

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_TASK_HEADER_H_
