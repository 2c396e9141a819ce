#include "runtime/internal/task/task_header.h"

#include <chrono>
#include <thread>
#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/task/slow_poll_detector.h"

namespace weft::internal {

TaskHeader::TaskHeader(SpawnOptions options, bool async)
    // A new task is queued (kNotified) and joinable; its three references
    // are the owner's, the queue entry's and the JoinHandle's.
    : state_(kNotified | kJoinInterest | 3 * kOneRef),
      id_(TaskId::Next()),
      name_(options.name.empty()
                ? nullptr
                : std::make_unique<const std::string>(options.name)),
      location_(options.location) {
  context_.waker_target = this;
  context_.in_task = true;
  context_.in_async_task = async;
}

TaskHeader::~TaskHeader() {
  // Drops a join waker that no completion took.
  Waker::Adopt(join_waker_.load(std::memory_order_relaxed));
}

bool TaskHeader::NotifyForWake(bool give_reference) {
  uint64_t state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state & (kComplete | kNotified)) {
      if (give_reference) Unref();
      return false;
    }
    // A running task is queued again by its runner, with the reference of
    // the queue entry it runs from.
    bool schedule = !(state & kRunning);
    uint64_t next = state | kNotified;
    if (schedule) {
      next += kOneScheduler + (give_reference ? 0 : kOneRef);
    } else if (give_reference) {
      // Not the last: the owner's reference lasts until completion.
      next -= kOneRef;
    }
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      return schedule;
    }
  }
}

void TaskHeader::Wake() {
  if (NotifyForWake(/*give_reference=*/false)) ScheduleCounted();
}

void TaskHeader::WakeAndUnref() {
  if (NotifyForWake(/*give_reference=*/true)) ScheduleCounted();
}

void TaskHeader::Abort() {
  uint64_t state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state & (kComplete | kCancelled)) return;
    bool schedule = !(state & (kRunning | kNotified));
    uint64_t next = (state | kCancelled | kNotified) +
                    (schedule ? kOneScheduler + kOneRef : 0);
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      if (state & kRunning) RequestStop();
      if (schedule) ScheduleCounted();
      return;
    }
  }
}

void TaskHeader::ScheduleCounted() {
  // The task may run and end on another thread before this returns: it
  // waits in Finish for the count to drop before its owner lets it go, so
  // the owner's reference keeps it alive until then.
  scheduler_->Schedule(this, /*yielded=*/false);
  state_.fetch_sub(kOneScheduler, std::memory_order_release);
}

void TaskHeader::Run() {
  uint64_t state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state & (kComplete | kRunning)) {
      // Completed (e.g. by shutdown) while queued; drop the queue's ref.
      Unref();
      return;
    }
    uint64_t next = (state & ~kNotified) | kRunning;
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      break;
    }
  }
  wait_kind_.store(WaitKind::kNone, std::memory_order_relaxed);
  if (state & kCancelled) {
    Finish(/*cancel=*/true, /*drop_queue_reference=*/true);
    return;
  }
  ResetBudget();
  bool done;
  SlowPollDetector* detector =
      context_.in_async_task ? CurrentSlowPollDetector() : nullptr;
  if (detector == nullptr) {
    ContextScope scope(&context_);
    done = PollBody();
  } else {
    done = TimedPollBody(*detector);
  }
  if (done) {
    Finish(/*cancel=*/false, /*drop_queue_reference=*/true);
    return;
  }
  bool yielded = context_.Yielded();
  wait_kind_.store(context_.wait_kind, std::memory_order_relaxed);
  state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state & kCancelled) {
      Finish(/*cancel=*/true, /*drop_queue_reference=*/true);
      return;
    }
    bool again = yielded || (state & kNotified);
    // Either the queue reference passes to the new queue entry, or it is
    // dropped here (not the last: the owner's lasts until completion).
    uint64_t next =
        again ? (state & ~kRunning) | kNotified : (state & ~kRunning) - kOneRef;
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      if (again) scheduler_->Schedule(this, yielded);
      return;
    }
  }
}

bool TaskHeader::TimedPollBody(SlowPollDetector& detector) {
  bool enclosing_excused = BeginExcusablePoll();
  const auto start = std::chrono::steady_clock::now();
  bool done;
  {
    ContextScope scope(&context_);
    done = PollBody();
  }
  const auto duration = std::chrono::steady_clock::now() - start;
  bool excused = EndExcusablePoll(enclosing_excused);
  if (duration > detector.threshold() && !excused) {
    detector.Report(*this, duration);
  }
  return done;
}

void TaskHeader::Shutdown(bool owned) {
  uint64_t state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state & (kComplete | kRunning)) {
      // Its runner will see kCancelled at the next suspension point; a
      // blocking closure is asked to stop.
      if (!(state_.fetch_or(kCancelled, std::memory_order_acq_rel) &
            kComplete)) {
        RequestStop();
      }
      return;
    }
    uint64_t next = state | kRunning | kCancelled;
    if (state_.compare_exchange_weak(state, next, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      break;
    }
  }
  Ref();  // Finish may release the last other reference.
  if (!owned) {
    scheduler_ = nullptr;
  }
  Finish(/*cancel=*/true, /*drop_queue_reference=*/false);
  Unref();
}

void TaskHeader::Finish(bool cancel, bool drop_queue_reference) {
  bool panicked = false;
  {
    ContextScope scope(&context_);
    if (cancel) {
      CancelBody();
    } else {
      panicked = !CompleteBody();
    }
  }
  // The queue reference is not the last: the owner's is released below.
  const uint64_t dropped = drop_queue_reference ? kOneRef : 0;
  uint64_t previous = state_.load(std::memory_order_relaxed);
  while (!state_.compare_exchange_weak(
      previous, ((previous | kComplete) & ~(kRunning | kNotified)) - dropped,
      std::memory_order_acq_rel, std::memory_order_relaxed)) {
  }
  if (!(previous & kJoinInterest)) {
    DropOutputInContext();
  } else if (previous & kJoinWaker) {
    // Nobody writes the slot once kComplete is set.
    Waker::Adopt(join_waker_.exchange(nullptr, std::memory_order_relaxed))
        .wake_and_drop();
  }
  if (scheduler_ != nullptr) {
    // A wake from another thread may still be inside its call into the
    // scheduler (it counted itself before this task ran). An owner frees
    // its scheduler only after every task it owns was released, so let
    // that call finish first: a queue push and a driver wake-up, which
    // never wait for this thread.
    while (state_.load(std::memory_order_acquire) & kSchedulerMask) {
      std::this_thread::yield();
    }
    if (panicked) scheduler_->OnPanic(this);
    scheduler_->Release(this);
  } else {
    Unref();  // The owner reference of a task no scheduler accepted.
  }
}

void TaskHeader::DropOutputInContext() {
  // As in tokio: whichever thread drops the output, its destructors see the
  // finished task as current (its id; its locals are gone with its frame).
  ContextScope scope(&context_);
  DropOutput();
}

bool TaskHeader::SetJoinWaker(Waker waker) {
  uint64_t state = state_.load(std::memory_order_acquire);
  if (state & kComplete) return false;
  if (state & kJoinWaker) {
    if (waker.will_wake(join_waker_.load(std::memory_order_relaxed))) {
      return true;
    }
    // Take the slot back before rewriting it.
    while (true) {
      if (state & kComplete) return false;
      if (state_.compare_exchange_weak(state, state & ~kJoinWaker,
                                       std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        break;
      }
    }
  }
  // Drops the waker it replaces (when this returns).
  Waker replaced = Waker::Adopt(join_waker_.exchange(
      std::move(waker).release(), std::memory_order_relaxed));
  state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state & kComplete) return false;
    if (state_.compare_exchange_weak(state, state | kJoinWaker,
                                     std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      return true;
    }
  }
}

void TaskHeader::DropJoinInterest() {
  uint64_t state = state_.load(std::memory_order_acquire);
  while (true) {
    if (state & kComplete) {
      DropOutputInContext();
      return;
    }
    if (state_.compare_exchange_weak(state, state & ~kJoinInterest,
                                     std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      return;
    }
  }
}

TaskState TaskHeader::State() const {
  uint64_t state = state_.load(std::memory_order_acquire);
  if (state & kRunning) return TaskState::kRunning;
  if (state & kNotified) return TaskState::kScheduled;
  switch (wait_kind_.load(std::memory_order_relaxed)) {
    case WaitKind::kTimer:
      return TaskState::kBlockedOnTimer;
    case WaitKind::kIo:
      return TaskState::kBlockedOnIo;
    default:
      return TaskState::kIdle;
  }
}

TaskHeader* CurrentTask() {
  ExecContext* context = CurrentContext();
  if (context == nullptr || !context->in_task) return nullptr;
  return static_cast<TaskHeader*>(context->waker_target);
}

}  // namespace weft::internal
