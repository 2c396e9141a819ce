/// \file
/// TaskLocal<T>: a value bound for the duration of a task body (scope) or a
/// plain function call (sync_scope). The value follows its task across
/// threads and suspensions, and is not inherited by tasks that task spawns.
///
///   static weft::TaskLocal<int> kRequestId;
///   co_await kRequestId.scope(42, handle_request());  // get() == 42 inside
///
/// Bindings form a chain in the current execution context (a task, a select
/// branch, a block_on body). scope() destroys the inner task before it
/// restores the outer binding, so the inner task's destructors still see the
/// value, also when the task is aborted.

#ifndef WEFT_RUNTIME_TASK_LOCAL_H_
#define WEFT_RUNTIME_TASK_LOCAL_H_

#include <functional>
#include <type_traits>
#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/task.h"

namespace weft {
namespace internal {

/// The head of the binding chain of the current context (or of this thread
/// outside any context).
TaskLocalEntry*& CurrentLocalsHead();
const void* FindTaskLocal(const void* key);
[[noreturn]] void ThrowTaskLocalNotSet();

class TaskLocalBinding {
 public:
  TaskLocalBinding(const void* key, const void* value)
      : head_(CurrentLocalsHead()), entry_{key, value, head_} {
    head_ = &entry_;
  }
  ~TaskLocalBinding() { head_ = entry_.previous; }
  TaskLocalBinding(const TaskLocalBinding&) = delete;
  TaskLocalBinding& operator=(const TaskLocalBinding&) = delete;

 private:
  TaskLocalEntry*& head_;
  TaskLocalEntry entry_;
};

}  // namespace internal

/// A value bound per task for the duration of a scope (tokio's task_local!);
/// see task_local.h. Declare one as a static or global.
template <typename T>
class TaskLocal {
 public:
  /// Unbound until scope() or sync_scope() binds it.
  constexpr TaskLocal() = default;
  TaskLocal(const TaskLocal&) = delete;
  TaskLocal& operator=(const TaskLocal&) = delete;

  /// Runs `task` with this local bound to `value`.
  template <typename R>
  Task<R> scope(T value, Task<R> task) const {
    internal::TaskLocalBinding binding(this, &value);
    Task<R> inner = std::move(task);
    co_return co_await std::move(inner);
  }

  /// Calls `function` with this local bound to `value`.
  template <typename F>
  requires std::invocable<F> std::invoke_result_t<F> sync_scope(T value,
                                                                F&& function)
  const {
    internal::TaskLocalBinding binding(this, &value);
    return std::invoke(std::forward<F>(function));
  }

  /// The bound value; throws UsageError outside a scope.
  const T& get() const {
    const void* value = internal::FindTaskLocal(this);
    if (value == nullptr) internal::ThrowTaskLocalNotSet();
    return *static_cast<const T*>(value);
  }
  /// The bound value, or nullptr outside a scope.
  const T* try_get() const {
    return static_cast<const T*>(internal::FindTaskLocal(this));
  }
};

}  // namespace weft

#endif  // WEFT_RUNTIME_TASK_LOCAL_H_
