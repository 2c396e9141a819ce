/// \file
/// Spawning and the other free functions of the task model: spawn,
/// spawn_named, spawn_blocking, block_in_place and yield_now (the cooperative
/// budget's functions are in runtime/coop.h).
///
/// Every spawn goes through one path: the body and a SpawnOptions
/// (runtime/spawn_options.h: name, location) make the task, which a runtime,
/// its blocking pool or a LocalSet then takes.
///
/// A spawn body is either a Task<T> or a callable returning Task<T> (typically
/// a capturing lambda). The runtime keeps the callable alive for the whole
/// life of the task, so the lambda's captures never dangle even though the
/// lambda object passed to spawn is a temporary.

#ifndef WEFT_RUNTIME_SPAWN_H_
#define WEFT_RUNTIME_SPAWN_H_

#include <concepts>
#include <functional>
#include <memory>
#include <source_location>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>

#include "runtime/internal/scheduler/runtime_core.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/task_cell.h"
#include "runtime/join_handle.h"
#include "runtime/spawn_options.h"
#include "runtime/task.h"

namespace weft {
namespace internal {

template <typename B>
struct SpawnBodyTraits {
  using Callable = std::decay_t<B>;
  using Made = std::invoke_result_t<Callable&>;
  static_assert(IsTask<Made>::value,
                "spawn takes a weft::Task<T> or a callable returning one");
  using Output = typename Made::value_type;
};

template <typename T>
struct SpawnBodyTraits<Task<T>> {
  using Callable = Task<T>;
  using Output = T;
};

template <typename B>
using SpawnOutput = typename SpawnBodyTraits<std::decay_t<B>>::Output;

template <typename B>
concept SpawnBody = IsTask<std::decay_t<B>>::value ||
    (std::invocable<std::decay_t<B>&>&&
         IsTask<std::invoke_result_t<std::decay_t<B>&>>::value);

/// Makes the task for `body` (not yet bound to any scheduler).
template <typename B>
JoinableTask<SpawnOutput<B>>* NewCoroutineTask(B&& body, SpawnOptions options) {
  using Callable = typename SpawnBodyTraits<std::decay_t<B>>::Callable;
  return new CoroutineTask<SpawnOutput<B>, Callable>(
      Callable(std::forward<B>(body)), std::move(options));
}

template <typename B>
JoinHandle<SpawnOutput<B>> SpawnOn(RuntimeCore& runtime, B&& body,
                                   SpawnOptions options) {
  auto* task = NewCoroutineTask(std::forward<B>(body), std::move(options));
  JoinHandle<SpawnOutput<B>> handle(task);
  runtime.Spawn(task);
  return handle;
}

/// A spawn_blocking closure: callable with no arguments, or with a
/// std::stop_token (preferred when both work).
template <typename F>
concept BlockingFunction = std::invocable < std::decay_t<F>
& > || TakesStopToken<std::decay_t<F>>;

template <typename F>
struct BlockingOutputOf {};
template <typename F>
requires TakesStopToken<std::decay_t<F>>
struct BlockingOutputOf<F> {
  using type = std::invoke_result_t<std::decay_t<F>&, std::stop_token>;
};
template <typename F>
requires(!TakesStopToken<std::decay_t<F>> &&
         std::invocable<std::decay_t<F>&>) struct BlockingOutputOf<F> {
  using type = std::invoke_result_t<std::decay_t<F>&>;
};
template <typename F>
using BlockingOutput = typename BlockingOutputOf<F>::type;

/// Makes the task for `function` (not yet given to any pool).
template <typename F>
JoinableTask<BlockingOutput<F>>* NewBlockingTask(F&& function,
                                                 SpawnOptions options) {
  return new BlockingTask<BlockingOutput<F>, std::decay_t<F>>(
      std::forward<F>(function), std::move(options));
}

template <typename F>
JoinHandle<BlockingOutput<F>> SpawnBlockingOn(RuntimeCore& runtime,
                                              F&& function,
                                              SpawnOptions options) {
  auto* task = NewBlockingTask(std::forward<F>(function), std::move(options));
  JoinHandle<BlockingOutput<F>> handle(task);
  runtime.SpawnBlocking(task);
  return handle;
}

/// block_in_place's preparation: throws where blocking is not allowed, and
/// hands this thread's worker (if any) to another thread.
void PrepareBlockInPlace();

}  // namespace internal

/// Runs `body` concurrently on the current runtime.
template <internal::SpawnBody B>
JoinHandle<internal::SpawnOutput<B>> spawn(B&& body,
                                           SpawnOptions options = {}) {
  return internal::SpawnOn(internal::CurrentRuntimeOrThrow("weft::spawn"),
                           std::forward<B>(body), std::move(options));
}

/// spawn(body, {.name = name}): the name appears in JoinError messages and
/// task dumps.
template <internal::SpawnBody B>
JoinHandle<internal::SpawnOutput<B>> spawn_named(
    std::string name, B&& body,
    std::source_location location = std::source_location::current()) {
  return internal::SpawnOn(internal::CurrentRuntimeOrThrow("weft::spawn_named"),
                           std::forward<B>(body), {name, location});
}

/// Runs the plain function `function` on the blocking thread pool. Aborting
/// it before it starts cancels it. Once it runs it cannot be cancelled (a
/// thread cannot be interrupted), but a closure that takes a std::stop_token
/// sees stop requested when its JoinHandle or an AbortHandle aborts it and
/// when the runtime shuts down (destructor, shutdown_timeout,
/// shutdown_background, a panic shutdown), so that it can end early:
///
///   JoinHandle<int> scan = weft::spawn_blocking([](std::stop_token stop) {
///     int files = 0;
///     while (!stop.stop_requested() && ScanOneMoreFile()) ++files;
///     return files;
///   });
///   scan.abort();  // the loop ends at its next check
///
/// As in tokio, where aborting a running blocking task has no effect, what
/// the closure returns after a stop request is its output: the JoinHandle
/// yields that value, not a cancelled JoinError (return e.g. an
/// std::optional or absl::Status to say "stopped early"). A stop request runs
/// the token's std::stop_callbacks on the thread that aborts.
///
/// With Builder::unhandled_panic(kShutdownRuntime) an exception escaping the
/// closure shuts the runtime down as a task's panic does.
///
/// The pool's queue is unbounded unless Builder::blocking_queue_limit(n) is
/// set; even then spawn_blocking, which cannot wait, queues past the limit
/// rather than fail or drop the closure (tokio's spawn_blocking always
/// accepts work, and a new error here would break every caller that relies
/// on that). The limit is enforced by spawn_blocking_when_ready
/// (runtime/spawn_blocking_when_ready.h), which waits for room: use it where
/// back-pressure matters.
template <internal::BlockingFunction F>
JoinHandle<internal::BlockingOutput<F>> spawn_blocking(
    F&& function, SpawnOptions options = {}) {
  return internal::SpawnBlockingOn(
      internal::CurrentRuntimeOrThrow("weft::spawn_blocking"),
      std::forward<F>(function), std::move(options));
}

/// Runs `function` on this thread. On a multi_thread worker, the worker's
/// queued tasks move to another thread first so that they keep running.
/// Outside any runtime, or on a blocking-pool thread, it simply calls
/// `function`. On a current_thread runtime or inside a LocalSet it throws
/// UsageError.
template <typename F>
requires std::invocable<F> std::invoke_result_t<F> block_in_place(
    F&& function) {
  internal::PrepareBlockInPlace();
  internal::BlockInPlaceScope scope;
  return std::invoke(std::forward<F>(function));
}

/// Awaitable: the task goes to the back of its scheduler's queue; other ready
/// tasks and the reactor run before it resumes.
struct YieldNow {
  /// The awaitable protocol.
  ///@{
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> handle) const {
    internal::ContextFor("weft::yield_now");
    internal::YieldFrom(handle);
  }
  void await_resume() const noexcept {}
  ///@}
};
/// `co_await weft::yield_now();` lets other tasks run (tokio's yield_now).
inline YieldNow yield_now() { return {}; }

}  // namespace weft

#endif  // WEFT_RUNTIME_SPAWN_H_
