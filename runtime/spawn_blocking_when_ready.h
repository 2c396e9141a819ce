/// \file
/// spawn_blocking_when_ready: spawn_blocking with back-pressure. Awaiting it
/// waits (asynchronously: the task yields its thread) until the blocking pool
/// has room for one more closure, then spawns it and yields its JoinHandle.
///
/// Room: a thread is idle, or one may still start (max_blocking_threads), or
/// the queue holds fewer than Builder::blocking_queue_limit(n) closures. With
/// no limit (the default, as in tokio) there is always room and the await
/// completes at once. Waiters get room in FIFO order as threads go idle or
/// take closures from the queue. A waiter that goes away (its task aborted,
/// or it lost a select) leaves the line without costing anyone a place; if
/// room had just been granted to it, the next waiter gets it. After the
/// runtime shut down the await completes with a JoinHandle that yields a
/// cancelled JoinError, as spawn_blocking's does.
///
///   Runtime rt = *%Runtime::Builder::multi_thread()
///                     .max_blocking_threads(4)
///                     .blocking_queue_limit(64)
///                     .build();
///   rt.block_on([&]() -> Task<void> {
///     for (const std::string& path : paths) {
///       auto hash = [path] { return HashFile(path); };
///       JoinHandle<Digest> handle =
///           co_await weft::spawn_blocking_when_ready(std::move(hash));
///       pending.push_back(std::move(handle));
///     }
///   });
///
/// (Make the closure a named local before the co_await: g++ 12 mishandles a
/// lambda temporary inside a co_await expression.)

#ifndef WEFT_RUNTIME_SPAWN_BLOCKING_WHEN_READY_H_
#define WEFT_RUNTIME_SPAWN_BLOCKING_WHEN_READY_H_

#include <atomic>
#include <coroutine>
#include <memory>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "runtime/internal/blocking/blocking_pool.h"
#include "runtime/internal/scheduler/runtime_core.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/waker.h"
#include "runtime/join_handle.h"
#include "runtime/spawn.h"
#include "runtime/spawn_options.h"

namespace weft {
namespace internal {

/// The awaitable; `F` is the decayed closure type.
template <typename F>
class [[nodiscard]] SpawnBlockingWhenReady final : public Pollable {
 public:
  using Output = BlockingOutput<F>;

  SpawnBlockingWhenReady(std::shared_ptr<RuntimeCore> runtime, F function,
                         SpawnOptions options)
      : runtime_(std::move(runtime)),
        function_(std::move(function)),
        name_(options.name),
        location_(options.location) {}
  SpawnBlockingWhenReady(const SpawnBlockingWhenReady&) = delete;
  SpawnBlockingWhenReady& operator=(const SpawnBlockingWhenReady&) = delete;
  ~SpawnBlockingWhenReady() {
    if (!spawned_) runtime_->blocking_pool().LeaveLine(waiter_);
  }

  bool await_ready() {
    return runtime_->blocking_pool().ReserveOrWait(waiter_, nullptr);
  }
  bool await_suspend(std::coroutine_handle<> handle) {
    ExecContext& context = ContextFor("weft::spawn_blocking_when_ready");
    const Waker waker(context.waker_target);
    if (runtime_->blocking_pool().ReserveOrWait(waiter_, &waker)) return false;
    SuspendOn(handle, this, WaitKind::kOther);
    return true;
  }
  JoinHandle<Output> await_resume() {
    JoinableTask<Output>* task =
        NewBlockingTask(std::move(function_),
                        SpawnOptions{.name = name_, .location = location_});
    JoinHandle<Output> join(task);
    spawned_ = true;
    runtime_->SpawnBlockingReserved(task, waiter_);
    return join;
  }
  bool IsReady() override {
    return waiter_.ready.load(std::memory_order_acquire);
  }

 private:
  std::shared_ptr<RuntimeCore> runtime_;
  F function_;
  /// A copy: the caller's name may be gone by the time there is room.
  std::string name_;
  std::source_location location_;
  BlockingPool::RoomWaiter waiter_;
  bool spawned_ = false;
};

template <typename F>
SpawnBlockingWhenReady<std::decay_t<F>> MakeSpawnBlockingWhenReady(
    std::shared_ptr<RuntimeCore> runtime, F&& function, SpawnOptions options) {
  return SpawnBlockingWhenReady<std::decay_t<F>>(
      std::move(runtime), std::decay_t<F>(std::forward<F>(function)),
      std::move(options));
}

}  // namespace internal

/// Awaitable of a JoinHandle: spawn_blocking on the current runtime once its
/// blocking pool has room (see above). Throws UsageError outside a runtime.
/// SpawnOptions (name, location) as for spawn_blocking; the second overload
/// takes only the caller's location.
///@{
template <internal::BlockingFunction F>
internal::SpawnBlockingWhenReady<std::decay_t<F>> spawn_blocking_when_ready(
    F&& function, SpawnOptions options) {
  return internal::MakeSpawnBlockingWhenReady(
      internal::CurrentRuntimeOrThrow("weft::spawn_blocking_when_ready")
          .shared_from_this(),
      std::forward<F>(function), std::move(options));
}
template <internal::BlockingFunction F>
internal::SpawnBlockingWhenReady<std::decay_t<F>> spawn_blocking_when_ready(
    F&& function,
    std::source_location location = std::source_location::current()) {
  return spawn_blocking_when_ready(
      std::forward<F>(function),
      SpawnOptions{.name = {}, .location = location});
}
///@}

}  // namespace weft

#endif  // WEFT_RUNTIME_SPAWN_BLOCKING_WHEN_READY_H_
