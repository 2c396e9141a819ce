// ExecContext: what is being driven on this thread right now — a spawned
// task, one branch of a select, or the body of a block_on call — and the
// protocol by which a coroutine suspends in it.
//
// Protocol (every leaf awaitable follows it):
//   * A leaf that must wait calls SuspendOn(h, pollable, kind) from its
//     await_suspend, after handing CurrentWaker() to whatever will signal it.
//     The context records the coroutine to resume and the readiness check.
//   * Whoever drives the context (a task's Run, a select or LocalSet driver,
//     block_on) resumes the recorded coroutine only once pollable->IsReady()
//     says so; a spurious wake therefore never resumes anything.
//   * A pollable of nullptr means "ready now": the leaf yielded (yield_now, or
//     the cooperative budget ran out) and wants to run again after others.
//
// Coroutine chains (a Task awaiting a Task awaiting ...) do not grow the
// stack: awaiting a Task and finishing one hand the next coroutine to the
// trampoline of ResumeChain instead of resuming it from inside the current
// one. g++ does not turn symmetric transfer into a tail call at -O0 or under
// sanitizers, so the trampoline is what makes a 1,000,000-deep chain safe.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_EXEC_CONTEXT_H_
#define WEFT_RUNTIME_INTERNAL_TASK_EXEC_CONTEXT_H_

#include <coroutine>
#include <cstdint>

#include "runtime/internal/task/waker.h"

namespace weft::internal {

enum class WaitKind : uint8_t { kNone, kOther, kTimer, kIo };

// The readiness check of a suspended leaf.
class Pollable {
 public:
  virtual bool IsReady() = 0;

 protected:
  ~Pollable() = default;
};

// One binding of a TaskLocal in a context's chain (see task_local.h).
struct TaskLocalEntry {
  const void* key;
  const void* value;
  TaskLocalEntry* previous;
};

class ExecContext {
 public:
  // (The small fields come last so that every task's copy packs into 40
  // bytes.)

  // Woken when any leaf suspended in this context becomes ready. In a task's
  // context (and in the contexts nested in it) this is the task itself, which
  // is why there is no separate task pointer: see `in_task`.
  Wakeable* waker_target = nullptr;
  TaskLocalEntry* locals = nullptr;

  // The suspension, written by the leaf that suspended.
  std::coroutine_handle<> resume;
  Pollable* pollable = nullptr;
  WaitKind wait_kind = WaitKind::kNone;

  // Whether waker_target is the TaskHeader whose id and locals this context
  // reports (false in a block_on body), and whether that task is a coroutine
  // task (blocking tasks are not).
  bool in_task = false;
  bool in_async_task = false;
  int unconstrained_depth = 0;

  bool ReadyToResume() const {
    return resume && (pollable == nullptr || pollable->IsReady());
  }
  // True when the suspension is a yield (ready at once, but wants to let
  // others run first).
  bool Yielded() const { return resume && pollable == nullptr; }

  // Makes this the current context and resumes its suspended coroutine chain
  // if it is ready. Returns true if it resumed something.
  bool ResumeIfReady();

  // A context nested in `parent` (a select branch): same waker, task and
  // locals, its own suspension.
  static ExecContext NestedIn(const ExecContext& parent) {
    ExecContext nested;
    nested.waker_target = parent.waker_target;
    nested.in_task = parent.in_task;
    nested.in_async_task = parent.in_async_task;
    nested.locals = parent.locals;
    nested.unconstrained_depth = parent.unconstrained_depth;
    return nested;
  }
};

// The context being driven on this thread, or nullptr.
ExecContext* CurrentContext();

// Makes `context` current for its lifetime, restoring the previous one.
class ContextScope {
 public:
  explicit ContextScope(ExecContext* context);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  ExecContext* saved_;
};

// Runs `first` and every coroutine handed to the trampoline after it, until
// the chain suspends on a leaf or finishes.
void ResumeChain(std::coroutine_handle<> first);

// Hands `next` to the running trampoline and returns the handle that
// await_suspend/final_suspend must return: noop_coroutine() inside
// ResumeChain, `next` itself (symmetric transfer) elsewhere.
std::coroutine_handle<> TransferTo(std::coroutine_handle<> next);

// The leaf protocol. `operation` names the awaited call for the UsageError
// thrown when there is no current context (awaited outside a runtime).
ExecContext& ContextFor(const char* operation);
Waker CurrentWaker(const char* operation);
void SuspendOn(std::coroutine_handle<> handle, Pollable* pollable,
               WaitKind kind);
void YieldFrom(std::coroutine_handle<> handle);

// Cooperative budget (tokio's coop): each poll of a task may complete a
// bounded number of already-ready awaits before it must yield.
inline constexpr int kBudgetPerPoll = 128;
void ResetBudget();
// Spends one unit; false means the budget is exhausted and the caller should
// yield instead of completing immediately.
bool TryConsumeBudget();
// Ends the current poll's budget (used by drivers when a task yields).
bool BudgetExhausted();
// False when the next TryConsumeBudget would fail.
bool HasBudgetRemaining();

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_EXEC_CONTEXT_H_
