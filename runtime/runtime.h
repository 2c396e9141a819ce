/// \file
/// Runtime, Runtime::Builder and Handle: building a runtime of either flavor,
/// driving work from outside with block_on, and shutting it down.
///
/// Flavors: multi_thread (a work-stealing pool of worker_threads workers,
/// default one per CPU) and current_thread (everything runs on the thread that
/// calls block_on). Destroying a Runtime cancels every task (frames destroyed,
/// destructors run) and waits for running blocking closures; it returns only
/// after every task frame is destroyed.
///
/// Tuning and observing a runtime (tokio's Builder knobs, plus slow-poll
/// detection):
///
///   std::atomic<int> parks{0};
///   absl::StatusOr<Runtime> rt =
///       Runtime::Builder::multi_thread()
///           .worker_threads(4)
///           .thread_name_fn([] {
///             static std::atomic<int> n{0};
///             return "app-rt-" + std::to_string(n++);
///           })
///           .thread_stack_size(4 << 20)
///           .event_interval(31)          // poll I/O and timers more often
///           .global_queue_interval(31)   // look at outside work more often
///           .on_thread_park([&parks] { ++parks; })
///           .slow_poll_threshold(std::chrono::milliseconds(5),
///                                [](const SlowPollReport& report) {
///                                  /* log report.task_id, report.location */
///                                })
///           .build();

#ifndef WEFT_RUNTIME_RUNTIME_H_
#define WEFT_RUNTIME_RUNTIME_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "runtime/backend_info.h"
#include "runtime/errors.h"
#include "runtime/internal/scheduler/runtime_core.h"
#include "runtime/join_handle.h"
#include "runtime/runtime_dump.h"
#include "runtime/runtime_flavor.h"
#include "runtime/runtime_id.h"
#include "runtime/runtime_metrics.h"
#include "runtime/slow_poll.h"
#include "runtime/spawn.h"
#include "runtime/spawn_blocking_when_ready.h"
#include "runtime/task.h"
#include "runtime/unhandled_panic.h"

namespace weft {

class Runtime;

/// A cheap, copyable reference to a runtime.
class Handle {
 public:
  /// The runtime of this thread; throws UsageError outside one.
  static Handle current();
  /// The runtime of this thread, or std::nullopt outside one.
  static std::optional<Handle> try_current();

  /// Makes this runtime the calling thread's until the guard is destroyed,
  /// so that spawn, Handle::current and the rest work on a thread the
  /// runtime does not own (tokio's Handle::enter). Guards nest; destroy them
  /// in the reverse order of their making.
  class [[nodiscard]] EnterGuard {
   public:
    EnterGuard(const EnterGuard&) = delete;
    EnterGuard& operator=(const EnterGuard&) = delete;

   private:
    friend class Handle;
    explicit EnterGuard(std::shared_ptr<internal::RuntimeCore> core)
        : core_(std::move(core)), scope_(core_.get()) {}

    std::shared_ptr<internal::RuntimeCore> core_;  ///< kept alive meanwhile
    internal::RuntimeScope scope_;
  };
  /// Enters this runtime on the calling thread (see EnterGuard).
  EnterGuard enter() const { return EnterGuard(core_); }

  /// multi_thread or current_thread, as it was built.
  RuntimeFlavor runtime_flavor() const {
    return core_->options().multi_thread ? RuntimeFlavor::kMultiThread
                                         : RuntimeFlavor::kCurrentThread;
  }
  /// Unique among the runtimes of this process.
  RuntimeId id() const { return core_->id(); }

  /// weft::spawn on this runtime, callable from any thread, also from
  /// outside the runtime (tokio's Handle::spawn).
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn(B&& body,
                                             SpawnOptions options = {}) const {
    return internal::SpawnOn(*core_, std::forward<B>(body), std::move(options));
  }
  /// spawn(body, {.name = name}) on this runtime.
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn_named(
      std::string name, B&& body,
      std::source_location location = std::source_location::current()) const {
    return internal::SpawnOn(*core_, std::forward<B>(body), {name, location});
  }
  /// weft::spawn_blocking on this runtime's blocking pool, from any thread.
  template <internal::BlockingFunction F>
  JoinHandle<internal::BlockingOutput<F>> spawn_blocking(
      F&& function, SpawnOptions options = {}) const {
    return internal::SpawnBlockingOn(*core_, std::forward<F>(function),
                                     std::move(options));
  }
  /// Awaitable of a JoinHandle: spawn_blocking once this runtime's blocking
  /// pool has room (runtime/spawn_blocking_when_ready.h); the second overload
  /// takes only the caller's location. E.g.
  ///   auto work = [] { return Compress(chunk); };
  ///   JoinHandle<Bytes> h = co_await handle.spawn_blocking_when_ready(work);
  ///@{
  template <internal::BlockingFunction F>
  internal::SpawnBlockingWhenReady<std::decay_t<F>> spawn_blocking_when_ready(
      F&& function, SpawnOptions options) const {
    return internal::MakeSpawnBlockingWhenReady(
        core_, std::forward<F>(function), std::move(options));
  }
  template <internal::BlockingFunction F>
  internal::SpawnBlockingWhenReady<std::decay_t<F>> spawn_blocking_when_ready(
      F&& function,
      std::source_location location = std::source_location::current()) const {
    return internal::MakeSpawnBlockingWhenReady(
        core_, std::forward<F>(function),
        SpawnOptions{.name = {}, .location = location});
  }
  ///@}

  /// Runs `task` to completion on the calling thread; its exception
  /// propagates. Throws UsageError when called from a runtime task (inside
  /// block_in_place it is allowed). Throws RuntimeError (runtime/errors.h)
  /// when the runtime cannot run it: on a multi_thread runtime a thread's
  /// first block_on creates that thread's driver, and the backend's status
  /// (e.g. RESOURCE_EXHAUSTED when out of file descriptors) comes back with
  /// its code, `task` not started; a runtime built with
  /// unhandled_panic(kShutdownRuntime) that shuts down on a task's panic
  /// ends the block_on calls in progress with ABORTED.
  ///
  /// The second overload takes a callable returning a Task, kept alive
  /// until the task ends (so a capturing lambda's captures do not dangle).
  ///@{
  template <typename T>
  T block_on(Task<T> task) const {
    if (!task.valid()) {
      throw UsageError(
          "block_on of an empty Task: pass a Task that was not "
          "moved from");
    }
    core_->BlockOn(task.handle());
    return task.promise().TakeResult();
  }
  template <typename F>
  requires std::invocable < std::decay_t<F>
  & > &&internal::IsTask<std::invoke_result_t<std::decay_t<F>&>>::value auto
      block_on(F&& make_task) const {
    std::decay_t<F> callable(std::forward<F>(make_task));
    return block_on(std::invoke(callable));
  }
  ///@}

  /// The backend this runtime runs on and what it supports.
  BackendInfo backend() const { return core_->backend(); }
  /// A snapshot of the runtime's counters (runtime/runtime_metrics.h).
  RuntimeMetrics metrics() const { return core_->Metrics(); }
  /// A snapshot of every live task (runtime/runtime_dump.h).
  RuntimeDump dump() const { return core_->Dump(); }

  /// Whether both handles refer to the same runtime.
  friend bool operator==(const Handle& a, const Handle& b) {
    return a.core_ == b.core_;
  }

 private:
  friend class Runtime;
  explicit Handle(std::shared_ptr<internal::RuntimeCore> core)
      : core_(std::move(core)) {}

  std::shared_ptr<internal::RuntimeCore> core_;
};

/// Owns a runtime: its workers (or, for current_thread, the state that
/// block_on drives), its driver and its blocking pool. Made by a Builder;
/// move-only; destroying it shuts the runtime down (see the top of this
/// file).
class Runtime {
 public:
  /// Configures a Runtime: pick a flavor, set options, then build().
  class Builder {
   public:
    /// A builder for a work-stealing runtime of worker_threads workers.
    static Builder multi_thread();
    /// A builder for a runtime that runs everything on the thread calling
    /// block_on.
    static Builder current_thread();

    /// Number of workers of a multi_thread runtime (default: CPUs).
    Builder& worker_threads(size_t count);
    /// Limit of the blocking pool (default 512).
    Builder& max_blocking_threads(size_t count);
    /// How many closures may wait in the blocking pool's queue once every
    /// blocking thread is busy (default: no limit, as in tokio).
    /// spawn_blocking_when_ready waits while the queue is full; plain
    /// spawn_blocking still queues (see spawn.h). 0: no queue at all, a
    /// closure waits for a free thread.
    ///   auto rt = Runtime::Builder::multi_thread()
    ///                 .max_blocking_threads(8)
    ///                 .blocking_queue_limit(32)
    ///                 .build();
    Builder& blocking_queue_limit(size_t limit);
    /// How long an idle blocking thread waits before exiting (default 10 s).
    Builder& thread_keep_alive(std::chrono::nanoseconds duration);
    /// Name of the threads the runtime starts, workers and blocking threads
    /// (default "weft-worker"; Linux keeps the first 15 characters).
    Builder& thread_name(std::string name);
    /// Called once for each new thread, for its name; overrides thread_name.
    Builder& thread_name_fn(std::function<std::string()> make_name);
    /// Stack size in bytes of the threads the runtime starts, workers and
    /// blocking threads (default: the system's). build() fails below the
    /// system's minimum (PTHREAD_STACK_MIN). The thread that calls block_on
    /// is the caller's and keeps its stack.
    Builder& thread_stack_size(size_t bytes);
    /// Called on every thread the runtime starts (on_thread_start), and
    /// before it exits (on_thread_stop).
    ///@{
    Builder& on_thread_start(std::function<void()> hook);
    Builder& on_thread_stop(std::function<void()> hook);
    ///@}
    /// Called by a worker just before it parks (blocks waiting for work, I/O
    /// or a timer) and just after it wakes: always in pairs. On
    /// current_thread the worker is the thread inside block_on. The hooks
    /// run on the scheduler's path: keep them short, and do not throw.
    ///@{
    Builder& on_thread_park(std::function<void()> hook);
    Builder& on_thread_unpark(std::function<void()> hook);
    ///@}
    /// Scheduler ticks (tasks polled) between two polls of the driver for
    /// I/O and timer events while there are tasks to run (default 61). Lower
    /// favours I/O and timer latency, higher favours throughput. Must be at
    /// least 1.
    Builder& event_interval(uint32_t ticks);
    /// Scheduler ticks between two looks at the queue of tasks spawned or
    /// woken from outside the workers while a worker has local tasks to run
    /// (default 61). Must be at least 1.
    Builder& global_queue_interval(uint32_t ticks);
    /// Slow-poll detection (off by default): each poll of a task that takes
    /// longer than `threshold` (> 0) counts in RuntimeMetrics::slow_polls,
    /// and `on_slow_poll`, if given, is called on the polling thread right
    /// after that poll with a SlowPollReport (runtime/slow_poll.h). Costs two
    /// clock reads per poll while on, none while off. Blocking closures are
    /// not polls and are not timed; a poll that called block_in_place is not
    /// reported. A task that drives a LocalSet polls the set's tasks inside
    /// its own poll: a slow LocalSet task is reported, and so is that task.
    /// `on_slow_poll` must not throw (an exception it throws is dropped).
    ///@{
    Builder& slow_poll_threshold(std::chrono::nanoseconds threshold);
    Builder& slow_poll_threshold(
        std::chrono::nanoseconds threshold,
        std::function<void(const SlowPollReport&)> on_slow_poll);
    ///@}
    /// What a task's panic (an exception escaping it) does: kIgnore (the
    /// default: its JoinHandle yields the JoinError) or kShutdownRuntime.
    /// kShutdownRuntime also covers exceptions escaping spawn_blocking
    /// closures.
    Builder& unhandled_panic(UnhandledPanic behavior);
    /// "uring", "epoll", "uv": one of the backends linked into the binary.
    Builder& backend(std::string name);
    /// current_thread only: the runtime's clock starts paused, as after
    /// weft::time::pause() (see runtime/paused_time.h).
    Builder& start_paused(bool paused);

    /// Fails with a status naming the cause when the backend cannot start,
    /// or when an option is invalid.
    absl::StatusOr<Runtime> build();

   private:
    explicit Builder(bool multi_thread) {
      options_.multi_thread = multi_thread;
    }
    internal::RuntimeOptions options_;
    bool worker_threads_set_ = false;
    bool slow_poll_threshold_set_ = false;
  };

  /// Move-only. Assigning over a Runtime shuts down the one it held;
  /// destroying it shuts it down (cancels every task, waits for running
  /// blocking closures).
  ///@{
  Runtime(Runtime&& other) noexcept = default;
  Runtime& operator=(Runtime&& other) noexcept;
  ~Runtime();
  ///@}

  /// handle().block_on(...): runs a task to completion on the calling
  /// thread (see Handle::block_on).
  ///@{
  template <typename T>
  T block_on(Task<T> task) {
    return handle().block_on(std::move(task));
  }
  template <typename F>
  requires std::invocable < std::decay_t<F>
  & > &&internal::IsTask<std::invoke_result_t<std::decay_t<F>&>>::value auto
      block_on(F&& make_task) {
    return handle().block_on(std::forward<F>(make_task));
  }
  ///@}

  /// A Handle to this runtime, which may outlive the Runtime object (the
  /// runtime is still shut down when the Runtime is destroyed).
  Handle handle() const;

  /// handle().spawn(...), handle().spawn_blocking(...) (tokio's
  /// Runtime::spawn): work for the runtime from outside it.
  ///@{
  template <internal::SpawnBody B>
  JoinHandle<internal::SpawnOutput<B>> spawn(B&& body,
                                             SpawnOptions options = {}) const {
    return internal::SpawnOn(*core_, std::forward<B>(body), options);
  }
  template <internal::BlockingFunction F>
  JoinHandle<internal::BlockingOutput<F>> spawn_blocking(
      F&& function, SpawnOptions options = {}) const {
    return internal::SpawnBlockingOn(*core_, std::forward<F>(function),
                                     options);
  }
  ///@}

  /// Shuts down now: cancels every task, then waits at most `timeout` for
  /// blocking closures that are running.
  void shutdown_timeout(std::chrono::nanoseconds timeout);
  /// Shuts down without waiting for blocking closures.
  void shutdown_background();

 private:
  explicit Runtime(std::shared_ptr<internal::RuntimeCore> core)
      : core_(std::move(core)) {}

  std::shared_ptr<internal::RuntimeCore> core_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_RUNTIME_H_
