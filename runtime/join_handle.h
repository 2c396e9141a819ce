/// \file
/// JoinHandle<T>: owned permission to await a spawned task's output;
/// AbortHandle: a copyable, thread-safe permission to cancel it.
///
/// Awaiting a JoinHandle (lvalue or rvalue) yields JoinResult<T>. The output
/// is taken only when the await completes, so a JoinHandle& awaited inside
/// select that loses the race keeps it for the next await. Awaiting again
/// after the output was taken throws UsageError. Destroying a JoinHandle
/// detaches the task: it keeps running and its output is dropped.
///
/// An output nobody takes (a detached task's, or one left in a JoinHandle
/// that is destroyed) is destroyed with the finished task as the current task
/// (current_task_id() in its destructors is that task's id), on whichever
/// thread drops it, as in tokio.

#ifndef WEFT_RUNTIME_JOIN_HANDLE_H_
#define WEFT_RUNTIME_JOIN_HANDLE_H_

#include <coroutine>
#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/task_cell.h"
#include "runtime/join_error.h"
#include "runtime/task_id.h"

namespace weft {

/// A copyable, thread-safe permission to cancel a task (tokio's AbortHandle).
class AbortHandle {
 public:
  /// Copyable and movable; every copy refers to the same task.
  ///@{
  AbortHandle(const AbortHandle& other) : AbortHandle(other.task_) {}
  AbortHandle(AbortHandle&& other) noexcept
      : task_(std::exchange(other.task_, nullptr)) {}
  AbortHandle& operator=(AbortHandle other) noexcept {
    std::swap(task_, other.task_);
    return *this;
  }
  ///@}
  ~AbortHandle() {
    if (task_ != nullptr) task_->Unref();
  }

  /// Requests cancellation; see JoinHandle::abort.
  void abort() const { task_->Abort(); }
  /// See JoinHandle::is_finished.
  bool is_finished() const { return task_->IsComplete(); }
  /// The task's id.
  TaskId id() const { return task_->id(); }
  /// The task's SpawnOptions::name ("" when it has none).
  std::string_view name() const { return task_->name_view(); }

  /// \cond
  /// Takes a new reference to `task`.
  explicit AbortHandle(internal::TaskHeader* task) : task_(task) {
    task_->Ref();
  }
  /// \endcond

 private:
  internal::TaskHeader* task_;
};

/// Owned permission to await a spawned task's output (a JoinResult<T>); see
/// join_handle.h.
template <typename T>
class JoinHandle {
 public:
  /// An empty handle; using it throws UsageError.
  JoinHandle() = default;
  /// Move-only; the moved-from handle is empty. Assigning over a handle
  /// detaches its task.
  ///@{
  JoinHandle(JoinHandle&& other) noexcept
      : task_(std::exchange(other.task_, nullptr)) {}
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      Detach();
      task_ = std::exchange(other.task_, nullptr);
    }
    return *this;
  }
  ///@}
  /// Detaches the task: it keeps running and its output is dropped.
  ~JoinHandle() { Detach(); }

  /// Requests cancellation at the task's next suspension point (its frame is
  /// destroyed there). A task that completes before reaching one keeps its
  /// result; aborting a finished task does nothing. Idempotent; any thread.
  void abort() const { Checked().Abort(); }
  /// A copyable handle that can only abort the task.
  AbortHandle abort_handle() const { return AbortHandle(&Checked()); }
  /// True once the task completed, panicked or was cancelled and its frame
  /// is destroyed.
  bool is_finished() const { return Checked().IsComplete(); }
  /// The task's id.
  TaskId id() const { return Checked().id(); }
  /// The task's SpawnOptions::name ("" when it has none).
  std::string_view name() const { return Checked().name_view(); }

  /// What `co_await handle` awaits; yields the task's JoinResult<T>.
  class Awaiter final : public internal::Pollable {
   public:
    /// \cond
    explicit Awaiter(internal::JoinableTask<T>& task) : task_(task) {}
    /// \endcond
    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready() {
      return task_.IsComplete() && internal::TryConsumeBudget();
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      internal::ExecContext& context = internal::ContextFor("JoinHandle");
      if (task_.IsComplete()) {
        internal::YieldFrom(handle);  // Ready, but the budget is spent.
        return true;
      }
      if (!task_.SetJoinWaker(internal::Waker(context.waker_target))) {
        if (internal::TryConsumeBudget()) return false;
        internal::YieldFrom(handle);
        return true;
      }
      internal::SuspendOn(handle, this, internal::WaitKind::kOther);
      return true;
    }
    JoinResult<T> await_resume() { return task_.TakeOutput(); }
    bool IsReady() override { return task_.IsComplete(); }
    ///@}

   private:
    internal::JoinableTask<T>& task_;
  };

  /// Awaits the task's output; see join_handle.h.
  ///@{
  Awaiter operator co_await() & { return Awaiter(Checked()); }
  Awaiter operator co_await() && { return Awaiter(Checked()); }
  ///@}

  /// \cond
  /// Adopts one reference to `task`.
  explicit JoinHandle(internal::JoinableTask<T>* task) : task_(task) {}
  internal::JoinableTask<T>* raw() const { return task_; }
  /// \endcond

 private:
  internal::JoinableTask<T>& Checked() const {
    if (task_ == nullptr) {
      throw UsageError(
          "use of an empty JoinHandle (moved-from or default-constructed): "
          "keep the handle that spawn returned");
    }
    return *task_;
  }
  void Detach() {
    if (task_ == nullptr) return;
    task_->DropJoinInterest();
    std::exchange(task_, nullptr)->Unref();
  }

  internal::JoinableTask<T>* task_ = nullptr;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_JOIN_HANDLE_H_
