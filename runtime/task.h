/// \file
/// Task<T>: weft's lazy, move-only coroutine type.
///
/// Nothing runs until the Task is awaited or spawned; a Task destroyed before
/// it ran never runs. `co_await task` runs it inline in the awaiting task and
/// yields its value (or rethrows its exception).
///
/// Invariants of the frame chain (what destruction relies on):
///   * While a Task frame awaits a child Task, `awaiting_child` points to the
///     child's promise and the child's `owner_slot` points to the handle stored
///     in the parent's Task object; both are cleared when the child finishes.
///   * Destroying a chain goes from the innermost frame outwards, iteratively,
///     so that destroying a 1,000,000-deep chain (an aborted deep recursion)
///     does not overflow the stack. The order in which locals are destroyed is
///     the same as recursive destruction would give.

#ifndef WEFT_RUNTIME_TASK_H_
#define WEFT_RUNTIME_TASK_H_

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/memory/task_memory.h"
#include "runtime/internal/task/exec_context.h"

namespace weft {

template <typename T = void>
class Task;

namespace internal {

class TaskPromiseBase;

/// Where a destructor's exception goes while DestroyTaskChain destroys the
/// frame of `promise` on this thread; nullptr when it is not doing so.
std::exception_ptr* DestroyErrorSlotFor(
    const TaskPromiseBase* promise) noexcept;

// Frames live in task memory (one pool with the task cells).
class TaskPromiseBase : public InTaskMemory {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(
        std::coroutine_handle<Promise> handle) noexcept {
      TaskPromiseBase& promise = handle.promise();
      if (promise.parent != nullptr) promise.parent->awaiting_child = nullptr;
      if (promise.continuation) return TransferTo(promise.continuation);
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  /// g++ also calls this when a local's destructor throws while the frame is
  /// destroyed; that exception goes to DestroyTaskChain's slot instead. The
  /// slot is found through a thread-local rather than a pointer here, so that
  /// every frame does not carry 8 bytes that only a frame being destroyed
  /// uses.
  void unhandled_exception() noexcept {
    if (std::exception_ptr* slot = DestroyErrorSlotFor(this)) {
      if (!*slot) *slot = std::current_exception();
    } else {
      exception = std::current_exception();
    }
  }

  std::coroutine_handle<> continuation;
  std::exception_ptr exception;
  TaskPromiseBase* parent = nullptr;
  TaskPromiseBase* awaiting_child = nullptr;
  std::coroutine_handle<>* owner_slot = nullptr;
};

/// Destroys the frame `root` (whose promise is `root_promise`) and every frame
/// it awaits, innermost first. Rethrows the first exception a destructor threw,
/// after destroying everything.
void DestroyTaskChain(std::coroutine_handle<> root,
                      TaskPromiseBase* root_promise);

template <typename T>
class TaskPromise : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;

  template <typename U>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) { value_.emplace(std::forward<U>(value)); }

  T TakeResult() {
    if (exception) std::rethrow_exception(exception);
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class TaskPromise<void> : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void TakeResult() {
    if (exception) std::rethrow_exception(exception);
  }
};

}  // namespace internal

/// A lazy, move-only coroutine that yields a T; see task.h.
template <typename T>
class [[nodiscard]] Task {
 public:
  /// The promise C++ makes the frame with, and the type `co_await` yields.
  ///@{
  using promise_type = internal::TaskPromise<T>;
  using value_type = T;
  ///@}

  /// An empty Task; awaiting it throws UsageError.
  Task() = default;
  /// Move-only; the moved-from Task is empty. Assigning over a Task destroys
  /// the frame it held.
  ///@{
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  ///@}
  /// Destroys the frame, and with it the frames it awaits (which cancels a
  /// Task that has not finished).
  ~Task() { Reset(); }

  /// True unless empty (default-constructed or moved-from).
  bool valid() const { return static_cast<bool>(handle_); }
  /// True once the coroutine ran to the end.
  bool done() const { return handle_ && handle_.done(); }

  /// Awaiting: the child runs inline, on the trampoline.
  ///@{
  bool await_ready() const noexcept { return false; }
  template <typename Promise>
  std::coroutine_handle<> await_suspend(
      std::coroutine_handle<Promise> awaiter) {
    if (!handle_) {
      throw UsageError(
          "co_await on an empty weft::Task (moved-from or default-"
          "constructed): await each Task once");
    }
    promise_type& child = promise();
    child.continuation = awaiter;
    child.owner_slot = &handle_;
    if constexpr (std::is_base_of_v<internal::TaskPromiseBase, Promise>) {
      child.parent = &awaiter.promise();
      awaiter.promise().awaiting_child = &child;
    }
    return internal::TransferTo(handle_);
  }
  T await_resume() { return promise().TakeResult(); }
  ///@}

  /// For the runtime's drivers (spawn, select, block_on).
  ///@{
  std::coroutine_handle<> handle() const { return handle_; }
  promise_type& promise() const {
    return std::coroutine_handle<promise_type>::from_address(handle_.address())
        .promise();
  }
  ///@}
  /// Destroys the frame chain now; rethrows an exception a destructor threw.
  void Destroy() {
    if (!handle_) return;
    std::coroutine_handle<> handle = std::exchange(handle_, {});
    internal::DestroyTaskChain(
        handle,
        &std::coroutine_handle<promise_type>::from_address(handle.address())
             .promise());
  }

 private:
  friend class internal::TaskPromise<T>;
  explicit Task(std::coroutine_handle<> handle) : handle_(handle) {}

  void Reset() noexcept {
    try {
      Destroy();
    } catch (...) {
      // A destructor threw while an unobserved Task was dropped; there is
      // nobody to report it to. Cancellation paths call Destroy() instead.
    }
  }

  std::coroutine_handle<> handle_;
};

namespace internal {

template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}

inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(
      std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}

template <typename T>
struct IsTask : std::false_type {};
template <typename T>
struct IsTask<Task<T>> : std::true_type {};

}  // namespace internal
}  // namespace weft

#endif  // WEFT_RUNTIME_TASK_H_
