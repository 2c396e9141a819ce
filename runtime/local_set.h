/// \file
/// LocalSet: a set of tasks that all run on one thread — the thread that
/// drives the set with run_until(task), block_on(runtime, task) or
/// `co_await local_set`. spawn_local adds to the LocalSet being run on this
/// thread (or entered with enter()); LocalSet::spawn_local adds to a given set
/// and may be called outside any runtime (the tasks run once the set is
/// driven). Destroying a LocalSet cancels its remaining tasks.
///
///   weft::LocalSet local;
///   local.unhandled_panic(weft::UnhandledPanic::kShutdownRuntime);
///   int n = local.block_on(runtime, [&]() -> weft::Task<int> {
///     auto a = weft::spawn_local(uses_thread_local_state());
///     co_return (co_await a).value();
///   });

#ifndef WEFT_RUNTIME_LOCAL_SET_H_
#define WEFT_RUNTIME_LOCAL_SET_H_

#include <coroutine>
#include <memory>
#include <source_location>
#include <string>
#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/scheduler/local_set_state.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/join_handle.h"
#include "runtime/runtime.h"
#include "runtime/select.h"
#include "runtime/spawn.h"
#include "runtime/task.h"
#include "runtime/unhandled_panic.h"

namespace weft {
namespace internal {

/// Tasks run per turn of a LocalSet driver before it yields to its own
/// scheduler.
inline constexpr int kLocalTasksPerTurn = 61;

template <typename B>
JoinHandle<SpawnOutput<B>> SpawnLocalOn(LocalSetState& state, B&& body,
                                        SpawnOptions options) {
  auto* task = NewCoroutineTask(std::forward<B>(body), std::move(options));
  JoinHandle<SpawnOutput<B>> handle(task);
  state.Spawn(task);
  return handle;
}

/// The driver's readiness: the main task can go on, or a local task is ready.
class LocalSetReady final : public Pollable {
 public:
  LocalSetReady(LocalSetState& state, ExecContext* main)
      : state_(state), main_(main) {}
  bool IsReady() override {
    return state_.HasReady() || (main_ != nullptr && main_->ReadyToResume());
  }

  /// Awaitable: suspends the driving context until IsReady, registering its
  /// waker with the set first so that no wake is lost.
  bool await_ready() { return IsReady(); }
  bool await_suspend(std::coroutine_handle<> handle) {
    state_.SetDriverWaker(CurrentWaker("LocalSet"));
    if (IsReady()) return false;
    SuspendOn(handle, this, WaitKind::kOther);
    return true;
  }
  void await_resume() const noexcept {}

 private:
  LocalSetState& state_;
  ExecContext* main_;
};

/// Drives `state` on this thread until `main` finishes (or, with no main,
/// until the set has no task left).
template <typename T>
Task<T> DriveLocalSet(std::shared_ptr<LocalSetState> state, Task<T> main,
                      bool has_main) {
  ExecContext& parent = ContextFor("LocalSet::run_until");
  ExecContext main_context = ExecContext::NestedIn(parent);
  if (has_main) main_context.resume = main.handle();
  LocalSetReady ready(*state, has_main ? &main_context : nullptr);
  while (true) {
    state->EnterDriver();
    if (has_main) {
      LocalSetScope scope(state.get());
      main_context.ResumeIfReady();
      if (main.done()) break;
    }
    bool more = state->RunReady(kLocalTasksPerTurn);
    state->ThrowIfPanicShutdown();
    if (!has_main && state->Empty()) break;
    if (more || main_context.Yielded()) {
      co_await yield_now();
    } else {
      co_await ready;
    }
  }
  if constexpr (!std::is_void_v<T>) {
    co_return main.promise().TakeResult();
  } else {
    if (has_main) main.promise().TakeResult();
  }
}

}  // namespace internal

/// A set of tasks that all run on the thread that drives the set (tokio's
/// LocalSet); see local_set.h.
class LocalSet {
 public:
  /// An empty set.
  LocalSet() : state_(std::make_shared<internal::LocalSetState>()) {}
  /// Movable; using a moved-from set throws UsageError.
  ///@{
  LocalSet(LocalSet&&) noexcept = default;
  LocalSet& operator=(LocalSet&&) noexcept = default;
  ///@}
  /// Cancels the tasks still in the set.
  ~LocalSet() {
    if (state_ != nullptr) state_->Close();
  }

  /// Adds a task to the set; it runs once the set is driven (run_until,
  /// block_on, `co_await local_set`), on that thread.
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn_local(B&& body,
                                                   SpawnOptions options = {}) {
    return internal::SpawnLocalOn(Checked("spawn_local"), std::forward<B>(body),
                                  std::move(options));
  }
  /// spawn_local with SpawnOptions{name, location}.
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn_named(
      std::string name, B&& body,
      std::source_location location = std::source_location::current()) {
    return internal::SpawnLocalOn(Checked("spawn_local"), std::forward<B>(body),
                                  {name, location});
  }

  /// What a panic (an exception escaping a task of this set, its JoinHandle
  /// aside) does: kIgnore leaves it to the JoinHandle; kShutdownRuntime
  /// cancels every task of the set and makes run_until / block_on throw
  /// RuntimeError (ABORTED) naming the task. Unset, the runtime driving the
  /// set decides, as Runtime::Builder::unhandled_panic says for its tasks.
  LocalSet& unhandled_panic(UnhandledPanic behavior) {
    Checked("unhandled_panic").SetUnhandledPanic(behavior);
    return *this;
  }

  /// While the guard lives, spawn_local on this thread adds to this set
  /// (tokio's LocalSet::enter); the tasks run once the set is driven.
  class [[nodiscard]] EnterGuard {
   public:
    EnterGuard(const EnterGuard&) = delete;
    EnterGuard& operator=(const EnterGuard&) = delete;

   private:
    friend class LocalSet;
    explicit EnterGuard(std::shared_ptr<internal::LocalSetState> state)
        : scope_(std::move(state)) {}
    internal::LocalSetEnterScope scope_;
  };
  /// Makes spawn_local on this thread add to this set while the guard lives.
  EnterGuard enter() const {
    Checked("enter");
    return EnterGuard(state_);
  }

  /// runtime.block_on(run_until(task)): drives the set and `task` on this
  /// thread, which must not be a runtime task's (see Handle::block_on).
  ///@{
  template <typename T>
  T block_on(Runtime& runtime, Task<T> task) {
    return runtime.block_on(run_until(std::move(task)));
  }
  /// The same with a function that makes the task (e.g. a coroutine lambda,
  /// which must outlive its task, as it does here).
  template <typename F>
  requires std::invocable < std::decay_t<F>
  & > &&internal::IsTask<std::invoke_result_t<std::decay_t<F>&>>::value auto
      block_on(Runtime& runtime, F&& make_task) {
    return runtime.block_on(run_until(std::forward<F>(make_task)));
  }
  ///@}

  /// Runs the set's tasks on this thread until `task` ends; yields its value.
  ///@{
  template <typename T>
  Task<T> run_until(Task<T> task) {
    Checked("run_until");
    return internal::DriveLocalSet<T>(state_, std::move(task), true);
  }
  /// The same with a function that makes the task; the set keeps the
  /// function alive until the task ends.
  template <typename F>
  requires std::invocable < std::decay_t<F>
  & > &&internal::IsTask<std::invoke_result_t<std::decay_t<F>&>>::value auto
      run_until(F&& make_task) {
    using T = typename std::invoke_result_t<std::decay_t<F>&>::value_type;
    Checked("run_until");
    return RunUntilWith<T>(std::decay_t<F>(std::forward<F>(make_task)));
  }
  ///@}

  /// `co_await local_set` runs its tasks until none is left.
  Task<void> operator co_await() {
    Checked("co_await");
    return internal::DriveLocalSet<void>(state_, Task<void>(), false);
  }

 private:
  template <typename T, typename F>
  Task<T> RunUntilWith(F make_task) {
    co_return co_await internal::DriveLocalSet<T>(state_, make_task(), true);
  }

  internal::LocalSetState& Checked(const char* operation) const {
    if (state_ == nullptr) {
      throw UsageError(std::string("LocalSet::") + operation +
                       " on a moved-from LocalSet: use the LocalSet it was "
                       "moved into");
    }
    return *state_;
  }

  std::shared_ptr<internal::LocalSetState> state_;
};

/// Spawns onto the LocalSet being run on this thread; throws UsageError
/// outside one.
template <internal::SpawnBody B>
JoinHandle<internal::SpawnOutput<B>> spawn_local(B&& body,
                                                 SpawnOptions options = {}) {
  return internal::SpawnLocalOn(
      internal::CurrentLocalSetOrThrow("weft::spawn_local"),
      std::forward<B>(body), std::move(options));
}

/// spawn_local with SpawnOptions{name, location}.
template <internal::SpawnBody B>
JoinHandle<internal::SpawnOutput<B>> spawn_local_named(
    std::string name, B&& body,
    std::source_location location = std::source_location::current()) {
  return internal::SpawnLocalOn(
      internal::CurrentLocalSetOrThrow("weft::spawn_local_named"),
      std::forward<B>(body), {name, location});
}

}  // namespace weft

#endif  // WEFT_RUNTIME_LOCAL_SET_H_
