/// \file
/// TaskTracker: counts tasks so that a server can wait, on shutdown, for the
/// connection tasks it spawned (tokio_util::task::TaskTracker). Unlike a
/// JoinSet it keeps no results and no handles, so tracking a million
/// short-lived tasks costs a counter, and a task that ends is forgotten.
///
///   weft::TaskTracker tracker;
///   while (auto conn = co_await accept()) {
///     tracker.spawn(Serve(std::move(*conn)));
///   }
///   tracker.close();        // no more tasks will come
///   co_await tracker.wait();  // every connection task has ended
///
/// wait() completes once the tracker is closed and empty: a wait before
/// close() does not complete even if nothing is tracked, and close() may be
/// undone with reopen(). A task counts as done when its body is gone:
/// it returned, panicked, or was aborted (its frame destroyed). The tracker
/// may be destroyed while tasks are tracked; they keep running.

#ifndef WEFT_RUNTIME_TASK_TRACKER_H_
#define WEFT_RUNTIME_TASK_TRACKER_H_

#include <coroutine>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/waker.h"
#include "runtime/join_handle.h"
#include "runtime/local_set.h"
#include "runtime/spawn.h"
#include "runtime/task.h"

namespace weft {
namespace internal {

struct TaskTrackerState {
  std::mutex mu;
  size_t tracked = 0;
  bool closed = false;
  std::vector<Waker> waiters;

  bool Done() const { return closed && tracked == 0; }
  /// Under `mu`: the waiters to wake now that Done() may hold.
  std::vector<Waker> TakeWaitersIfDone() {
    if (!Done()) return {};
    return std::exchange(waiters, {});
  }
};

}  // namespace internal

class TaskTracker;

/// Keeps one task counted in its TaskTracker while it exists. Copies count
/// again; a moved-from token counts nothing.
class TaskTrackerToken {
 public:
  /// Copyable (the copy counts as one more task) and movable.
  ///@{
  TaskTrackerToken(const TaskTrackerToken& other)
      : TaskTrackerToken(other.state_) {}
  TaskTrackerToken(TaskTrackerToken&& other) noexcept
      : state_(std::move(other.state_)) {}
  TaskTrackerToken& operator=(TaskTrackerToken other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~TaskTrackerToken() { Release(); }
  ///@}

 private:
  friend class TaskTracker;
  explicit TaskTrackerToken(std::shared_ptr<internal::TaskTrackerState> state)
      : state_(std::move(state)) {
    if (state_ == nullptr) return;
    std::lock_guard lock(state_->mu);
    ++state_->tracked;
  }
  void Release() {
    if (state_ == nullptr) return;
    std::vector<internal::Waker> waiters;
    {
      std::lock_guard lock(state_->mu);
      --state_->tracked;
      waiters = state_->TakeWaitersIfDone();
    }
    for (const internal::Waker& waker : waiters) waker.wake();
    state_.reset();
  }

  std::shared_ptr<internal::TaskTrackerState> state_;
};

/// Counts the tasks spawned or tracked through it, so that their owner can
/// wait for all of them to end (see the top of this file). Not copyable;
/// every member may be called from any thread.
class TaskTracker {
 public:
  TaskTracker() : state_(std::make_shared<internal::TaskTrackerState>()) {}
  TaskTracker(const TaskTracker&) = delete;
  TaskTracker& operator=(const TaskTracker&) = delete;

  /// Spawns `body` on the current runtime (spawn_local: on the current
  /// LocalSet), tracked until it ends.
  ///@{
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn(B&& body,
                                             SpawnOptions options = {}) {
    return weft::spawn(Tracked(std::forward<B>(body)), std::move(options));
  }
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn_local(B&& body,
                                                   SpawnOptions options = {}) {
    return weft::spawn_local(Tracked(std::forward<B>(body)),
                             std::move(options));
  }
  ///@}
  /// The same, on a given runtime.
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn_on(B&& body, const Handle& handle,
                                                SpawnOptions options = {}) {
    return handle.spawn(Tracked(std::forward<B>(body)), options);
  }

  /// `task`, counted from now until its frame is destroyed (it finished, or
  /// the task running it was cancelled), whoever runs it.
  template <typename T>
  Task<T> track(Task<T> task) {
    return TrackTask(token(), std::move(task));
  }
  /// A token counts as one tracked task for as long as it lives.
  TaskTrackerToken token() { return TaskTrackerToken(state_); }

  /// No more tasks are expected: wait() completes once the count is zero.
  /// Tasks may still be spawned or tracked after close().
  void close() {
    std::vector<internal::Waker> waiters;
    {
      std::lock_guard lock(state_->mu);
      state_->closed = true;
      waiters = state_->TakeWaitersIfDone();
    }
    for (const internal::Waker& waker : waiters) waker.wake();
  }
  /// Undoes close().
  void reopen() {
    std::lock_guard lock(state_->mu);
    state_->closed = false;
  }
  /// Whether close() was called (and not undone by reopen()).
  bool is_closed() const {
    std::lock_guard lock(state_->mu);
    return state_->closed;
  }
  /// Tasks (and tokens) tracked right now.
  size_t len() const {
    std::lock_guard lock(state_->mu);
    return state_->tracked;
  }
  /// len() == 0.
  bool is_empty() const { return len() == 0; }

  /// Awaitable: completes when the tracker is closed and tracks nothing.
  /// Cancel safe; any number of tasks may wait.
  class Wait final : public internal::Pollable {
   public:
    /// \cond
    explicit Wait(std::shared_ptr<internal::TaskTrackerState> state)
        : state_(std::move(state)) {}
    /// \endcond
    /// The awaitable protocol.
    ///@{
    bool await_ready() { return IsReady(); }
    bool await_suspend(std::coroutine_handle<> handle) {
      internal::ExecContext& context =
          internal::ContextFor("TaskTracker::wait");
      {
        std::lock_guard lock(state_->mu);
        if (state_->Done()) return false;
        internal::Waker waker(context.waker_target);
        bool known = false;
        for (const internal::Waker& waiter : state_->waiters) {
          known = known || waiter.will_wake(waker);
        }
        if (!known) state_->waiters.push_back(std::move(waker));
      }
      internal::SuspendOn(handle, this, internal::WaitKind::kOther);
      return true;
    }
    void await_resume() const noexcept {}
    bool IsReady() override {
      std::lock_guard lock(state_->mu);
      return state_->Done();
    }
    ///@}

   private:
    std::shared_ptr<internal::TaskTrackerState> state_;
  };
  /// Completes once the tracker is closed and empty (see Wait).
  Wait wait() const { return Wait(state_); }

 private:
  template <typename T>
  static Task<T> TrackTask(TaskTrackerToken token, Task<T> task) {
    // The token is a parameter: it lives in this frame, so it is released
    // when the frame is destroyed, finished or cancelled.
    (void)token;
    co_return co_await std::move(task);
  }

  /// A spawn body whose callable holds a token: the runtime destroys the
  /// callable with the task's frame (when it ends, or is cancelled, also
  /// before it ever ran), which releases the token.
  template <internal::SpawnBody B>
  auto Tracked(B&& body) {
    using Output = internal::SpawnOutput<B>;
    if constexpr (internal::IsTask<std::decay_t<B>>::value) {
      return
          [token = token(), task = std::move(body)]() mutable -> Task<Output> {
            return std::move(task);
          };
    } else {
      return [token = token(), make = std::decay_t<B>(std::forward<B>(
                                   body))]() mutable -> Task<Output> {
        return make();
      };
    }
  }

  std::shared_ptr<internal::TaskTrackerState> state_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_TASK_TRACKER_H_
