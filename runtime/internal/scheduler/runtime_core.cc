#include "runtime/internal/scheduler/runtime_core.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "executors/platform/signals.h"
#include "runtime/errors.h"
#include "runtime/internal/driver/backend_selection.h"
#include "runtime/internal/scheduler/block_on_body.h"

namespace weft::internal {
namespace {

thread_local RuntimeCore* tls_runtime = nullptr;
thread_local bool tls_in_block_in_place = false;

}  // namespace

RuntimeCore* CurrentRuntime() { return tls_runtime; }

RuntimeCore& CurrentRuntimeOrThrow(const char* operation) {
  if (tls_runtime == nullptr) {
    throw UsageError(absl::StrCat(
        operation,
        " called outside a weft runtime: call it from a task, or from inside "
        "Runtime::block_on, or use Runtime::handle()"));
  }
  return *tls_runtime;
}

RuntimeScope::RuntimeScope(RuntimeCore* runtime)
    : saved_(tls_runtime), saved_detector_(CurrentSlowPollDetector()) {
  tls_runtime = runtime;
  SetCurrentSlowPollDetector(runtime != nullptr ? runtime->slow_poll_detector()
                                                : nullptr);
}
RuntimeScope::~RuntimeScope() {
  tls_runtime = saved_;
  SetCurrentSlowPollDetector(saved_detector_);
}

bool InBlockInPlace() { return tls_in_block_in_place; }
BlockInPlaceScope::BlockInPlaceScope() : saved_(tls_in_block_in_place) {
  tls_in_block_in_place = true;
}
BlockInPlaceScope::~BlockInPlaceScope() { tls_in_block_in_place = saved_; }

absl::StatusOr<std::shared_ptr<RuntimeCore>> RuntimeCore::Create(
    RuntimeOptions options) {
  // A write to a closed socket or pipe must be an error, not a signal that
  // kills the process (the backends' protocol, item 7).
  static const bool kSigpipeIgnored = [] {
    platform::IgnoreBrokenPipeSignal();
    return true;
  }();
  (void)kSigpipeIgnored;
  absl::StatusOr<StartedBackend> backend = StartBackend(options.backend);
  if (!backend.ok()) return backend.status();
  std::shared_ptr<RuntimeCore> core(new RuntimeCore());
  core->options_ = std::move(options);
  if (core->options_.slow_poll_threshold > std::chrono::nanoseconds(0)) {
    core->slow_poll_detector_ = std::make_unique<SlowPollDetector>(
        core->options_.slow_poll_threshold, core->options_.on_slow_poll);
  }
  core->executor_ = std::move(backend->executor);
  core->backend_ = std::move(backend->info);
  // A paused clock may not advance while a blocking closure runs (it could
  // wake a task first); when the last one ends, a parked runtime must look
  // again. The pool stops calling back in Close(), before the core dies.
  RuntimeCore* raw = core.get();
  core->blocking_ = std::make_unique<BlockingPool>(
      core->options_.max_blocking_threads, core->options_.thread_keep_alive,
      core->MakeThreadHooks(), [raw] {
        if (raw->clock_.paused() && raw->scheduler_ != nullptr) {
          raw->scheduler_->Unpark();
        }
      });
  core->blocking_->set_queue_limit(core->options_.blocking_queue_limit);
  // A blocking closure's panic takes the tasks' path. The pool stops calling
  // back in Close(), before the core dies.
  core->blocking_->set_on_panic(
      [raw](TaskHeader* task) { raw->OnPanic(task); });
  if (core->options_.start_paused) core->clock_.Pause();
  core->scheduler_ = core->options_.multi_thread
                         ? NewMultiThreadScheduler(*core)
                         : NewCurrentThreadScheduler(*core);
  if (absl::Status started = core->scheduler_->Start(); !started.ok()) {
    core->Shutdown(std::nullopt);
    return started;
  }
  return core;
}

RuntimeCore::~RuntimeCore() { Shutdown(std::nullopt); }

ThreadHooks RuntimeCore::MakeThreadHooks() {
  ThreadHooks hooks;
  if (options_.thread_name_fn) {
    hooks.thread_name = options_.thread_name_fn;
  } else {
    hooks.thread_name = [name = options_.thread_name] { return name; };
  }
  hooks.stack_size = options_.thread_stack_size;
  hooks.on_thread_start = options_.on_thread_start;
  hooks.on_thread_stop = options_.on_thread_stop;
  // A pool thread holds the core while it runs: after shutdown_timeout or
  // shutdown_background, a closure may still run (and look up its runtime)
  // when the Runtime is gone.
  hooks.enter_runtime = [weak = weak_from_this()]() -> std::shared_ptr<void> {
    std::shared_ptr<RuntimeCore> core = weak.lock();
    if (core == nullptr) return nullptr;
    tls_runtime = core.get();
    SetCurrentSlowPollDetector(core->slow_poll_detector_.get());
    return std::shared_ptr<void>(core.get(), [core](void*) mutable {
      SetCurrentSlowPollDetector(nullptr);
      tls_runtime = nullptr;
      core.reset();
    });
  };
  return hooks;
}

void RuntimeCore::Spawn(TaskHeader* task) {
  task->set_scheduler(scheduler_.get());
  if (!owned_.Bind(task)) {
    task->Shutdown(/*owned=*/false);
    task->Unref();  // The queue reference it will never use.
    return;
  }
  spawned_.fetch_add(1, std::memory_order_relaxed);
  scheduler_->Schedule(task, /*yielded=*/false);
}

void RuntimeCore::SpawnBlocking(TaskHeader* task) {
  spawned_.fetch_add(1, std::memory_order_relaxed);
  blocking_->Spawn(task);
}

void RuntimeCore::SpawnBlockingReserved(TaskHeader* task,
                                        BlockingPool::RoomWaiter& waiter) {
  spawned_.fetch_add(1, std::memory_order_relaxed);
  blocking_->SpawnReserved(waiter, task);
}

void RuntimeCore::BlockOn(std::coroutine_handle<> root) {
  ExecContext* context = CurrentContext();
  if (context != nullptr && (context->in_async_task || !context->in_task) &&
      !InBlockInPlace()) {
    throw UsageError(
        "block_on inside a runtime task (or inside another block_on): it "
        "would block the thread that drives it; co_await the work instead, "
        "or call block_on from block_in_place or spawn_blocking");
  }
  if (IsShutDown()) {
    throw UsageError(
        "block_on on a runtime that has shut down: build a new Runtime");
  }
  RuntimeScope runtime_scope(this);
  auto* body = new BlockOnBody(root);
  {
    std::lock_guard lock(mu_);
    bodies_.push_back(body);
  }
  absl::Status driven = scheduler_->BlockOn(*body);
  {
    std::lock_guard lock(mu_);
    std::erase(bodies_, body);
  }
  body->Unref();
  if (!driven.ok()) throw RuntimeError(std::move(driven));
  if (!root.done()) {
    ShutdownAfterPanic();
    std::lock_guard lock(mu_);
    throw RuntimeError(absl::AbortedError(panic_message_));
  }
}

void RuntimeCore::OnPanic(TaskHeader* task) {
  if (options_.unhandled_panic != UnhandledPanic::kShutdownRuntime) return;
  {
    std::lock_guard lock(mu_);
    if (panic_shutdown_.exchange(true)) return;
    panic_message_ =
        absl::StrCat("weft runtime shut down: task ", task->id().value(),
                     " panicked and the runtime was built with "
                     "unhandled_panic(UnhandledPanic::kShutdownRuntime)");
    for (BlockOnBody* body : bodies_) body->Wake();
  }
  // A worker cannot stop the pool it runs on; a thread of its own can. The
  // current_thread flavor shuts down from its block_on thread instead (its
  // queues belong to that thread).
  // A blocking closure may panic while the last Runtime handle is being
  // destroyed; that destructor shuts down anyway.
  std::shared_ptr<RuntimeCore> keep = weak_from_this().lock();
  if (options_.multi_thread && keep != nullptr) {
    std::thread([keep = std::move(keep)] {
      keep->ShutdownAfterPanic();
    }).detach();
  }
}

void RuntimeCore::Shutdown(
    std::optional<std::chrono::nanoseconds> wait_for_blocking) {
  std::lock_guard shutdown_lock(shutdown_mu_);
  StopAndCancelLocked();
  // Only the first of the user's shutdowns waits: ~Runtime after
  // shutdown_timeout or shutdown_background does not wait again.
  if (blocking_ != nullptr && !blocking_waited_) {
    blocking_waited_ = true;
    blocking_->WaitIdle(wait_for_blocking);
  }
}

void RuntimeCore::ShutdownAfterPanic() {
  // A second caller (a panic shutdown racing with the user's) waits here for
  // the first to finish.
  std::lock_guard shutdown_lock(shutdown_mu_);
  StopAndCancelLocked();
}

void RuntimeCore::StopAndCancelLocked() {
  if (shut_down_.exchange(true, std::memory_order_acq_rel)) return;
  if (scheduler_ != nullptr) scheduler_->StopWorkers();
  {
    // Task destructors may spawn, sleep or look up the runtime.
    RuntimeScope runtime_scope(this);
    owned_.CloseAndShutdownAll();
    if (scheduler_ != nullptr) scheduler_->DrainAfterShutdown();
  }
  if (blocking_ != nullptr) blocking_->Close();
  std::lock_guard lock(mu_);
  for (auto& [thread, driver] : thread_drivers_) driver->Drain();
}

absl::StatusOr<std::unique_ptr<Driver>> RuntimeCore::NewDriver() {
  absl::StatusOr<std::unique_ptr<Reactor>> reactor = executor_->CreateReactor();
  if (!reactor.ok()) {
    return absl::Status(
        reactor.status().code(),
        absl::StrCat(
            "weft backend '", std::string(executor_->name()),
            "' cannot create a reactor: ", reactor.status().message()));
  }
  return std::make_unique<Driver>(*std::move(reactor), clock_, reactor_health_);
}

absl::StatusOr<Driver*> RuntimeCore::ThreadDriver() {
  std::lock_guard lock(mu_);
  auto found = thread_drivers_.find(std::this_thread::get_id());
  if (found != thread_drivers_.end()) return found->second.get();
  absl::StatusOr<std::unique_ptr<Driver>> driver = NewDriver();
  if (!driver.ok()) return driver.status();
  Driver* raw = driver->get();
  thread_drivers_.emplace(std::this_thread::get_id(), *std::move(driver));
  return raw;
}

RuntimeMetrics RuntimeCore::Metrics() const {
  RuntimeMetrics metrics;
  metrics.workers = scheduler_->Workers();
  metrics.alive_tasks = owned_.Size() + blocking_->LiveTasks();
  metrics.blocking_threads = blocking_->Threads();
  metrics.idle_blocking_threads = blocking_->IdleThreads();
  metrics.queued_tasks = scheduler_->QueuedTasks();
  metrics.total_spawned = spawned_.load(std::memory_order_relaxed);
  metrics.total_polls = scheduler_->Polls();
  metrics.worker_metrics = scheduler_->PerWorkerMetrics();
  if (slow_poll_detector_ != nullptr) {
    metrics.slow_polls = slow_poll_detector_->slow_polls();
  }
  metrics.reactor_failures = reactor_health_.failures();
  metrics.last_reactor_failure = reactor_health_.last_failure();
  return metrics;
}

RuntimeDump RuntimeCore::Dump() {
  RuntimeDump dump;
  auto append = [&dump](TaskHeader& task, bool local) {
    TaskDump entry;
    entry.id = task.id();
    entry.name = std::string(task.name_view());
    entry.location = task.location();
    entry.state = task.State();
    entry.local = local;
    dump.tasks.push_back(std::move(entry));
  };
  owned_.ForEach([&append](TaskHeader& task) { append(task, false); });
  blocking_->ForEachTask([&dump, &append](TaskHeader& task) {
    append(task, false);
    TaskDump& entry = dump.tasks.back();
    entry.state = entry.state == TaskState::kRunning
                      ? TaskState::kBlockingRunning
                      : TaskState::kBlockingQueued;
  });
  std::lock_guard lock(foreign_mu_);
  for (ForeignTasks* tasks : foreign_tasks_) {
    tasks->ForEachTask([&append](TaskHeader& task) { append(task, true); });
  }
  return dump;
}

void RuntimeCore::AddForeignTasks(ForeignTasks* tasks) {
  std::lock_guard lock(foreign_mu_);
  foreign_tasks_.push_back(tasks);
}

void RuntimeCore::RemoveForeignTasks(ForeignTasks* tasks) {
  std::lock_guard lock(foreign_mu_);
  std::erase(foreign_tasks_, tasks);
}

}  // namespace weft::internal
