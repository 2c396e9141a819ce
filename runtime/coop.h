/// \file
/// The cooperative budget (tokio's task::coop): each poll of a task may
/// complete a bounded number of already-ready awaits before it must yield, so
/// that a task whose awaits are always ready (a busy channel, finished
/// JoinHandles) cannot starve the other tasks of its worker. weft's own
/// awaitables spend the budget; these functions let a user's code take part.
///
///   // A loop over a source that is often ready at once:
///   while (auto item = co_await weft::cooperative(source.next())) { ... }
///
///   // Work that must not be interrupted by the budget:
///   co_await weft::unconstrained(flush_all());

#ifndef WEFT_RUNTIME_COOP_H_
#define WEFT_RUNTIME_COOP_H_

#include <coroutine>
#include <type_traits>
#include <utility>

#include "runtime/internal/task/exec_context.h"
#include "runtime/select.h"
#include "runtime/task.h"

namespace weft {

/// True while the current poll may still complete ready awaits without
/// yielding; true outside a task and inside unconstrained().
inline bool has_budget_remaining() { return internal::HasBudgetRemaining(); }

/// Awaitable: spends one unit of the cooperative budget, yielding if it is
/// exhausted.
struct ConsumeBudget {
  /// The awaitable protocol: `co_await` calls these.
  ///@{
  bool await_ready() const { return internal::TryConsumeBudget(); }
  void await_suspend(std::coroutine_handle<> handle) const {
    internal::ContextFor("weft::consume_budget");
    internal::YieldFrom(handle);
  }
  void await_resume() const noexcept {}
  ///@}
};

/// Spends one unit of the cooperative budget, yielding if it is exhausted
/// (tokio's coop::consume_budget): `co_await weft::consume_budget();`.
inline ConsumeBudget consume_budget() { return {}; }

/// Runs `task` with the cooperative budget switched off.
template <typename T>
Task<T> unconstrained(Task<T> task) {
  internal::ExecContext& context = internal::ContextFor("weft::unconstrained");
  ++context.unconstrained_depth;
  struct Restore {
    internal::ExecContext& context;
    ~Restore() { --context.unconstrained_depth; }
  } restore{context};
  Task<T> inner = std::move(task);
  co_return co_await std::move(inner);
}

namespace internal {

/// Awaitable: yields when the budget is spent, without spending any.
struct YieldIfBudgetSpent {
  bool await_ready() const { return HasBudgetRemaining(); }
  void await_suspend(std::coroutine_handle<> handle) const {
    ContextFor("weft::cooperative");
    YieldFrom(handle);
  }
  void await_resume() const noexcept {}
};

template <typename T>
Task<T> Cooperative(Task<T> inner) {
  co_await YieldIfBudgetSpent{};
  if constexpr (std::is_void_v<T>) {
    co_await std::move(inner);
    TryConsumeBudget();
  } else {
    T value = co_await std::move(inner);
    TryConsumeBudget();
    co_return value;
  }
}

}  // namespace internal

/// Makes any awaitable (a Task, a Sleep, a JoinHandle, a user's own) take
/// part in the budget, as tokio's coop::cooperative does: when the budget is
/// spent the task yields before awaiting it, and its completion spends one
/// unit. Lvalue JoinHandles are awaited in place; anything else is moved in.
template <typename Awaitable>
auto cooperative(Awaitable&& awaitable) {
  return internal::Cooperative(
      internal::AsBranch(std::forward<Awaitable>(awaitable)));
}

}  // namespace weft

#endif  // WEFT_RUNTIME_COOP_H_
