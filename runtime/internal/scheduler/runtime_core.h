// RuntimeCore: the shared state behind a Runtime and its Handles — options,
// the backend, the set of live tasks, the scheduler of its flavor, the
// blocking pool and the per-thread drivers of block_on callers.
//
// Shutdown, in order (Shutdown()):
//   1. Mark shut down: spawns are refused from here on (their JoinHandles
//      yield cancelled).
//   2. Stop the workers; after this no task is polled.
//   3. Cancel every live task on the calling thread (frames destroyed with
//      each task's context current).
//   4. Drop the queue entries left behind and drain in-flight I/O from the
//      drivers.
//   5. Close the blocking pool (cancelling closures not yet started) and wait
//      for running ones: without limit (destructor) or up to a timeout.

#ifndef WEFT_RUNTIME_INTERNAL_SCHEDULER_RUNTIME_CORE_H_
#define WEFT_RUNTIME_INTERNAL_SCHEDULER_RUNTIME_CORE_H_

#include <atomic>
#include <chrono>
#include <coroutine>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/backend_info.h"
#include "runtime/executor.h"
#include "runtime/internal/blocking/blocking_pool.h"
#include "runtime/internal/driver/driver.h"
#include "runtime/internal/driver/runtime_clock.h"
#include "runtime/internal/memory/task_memory.h"
#include "runtime/internal/task/owned_tasks.h"
#include "runtime/internal/task/scheduler.h"
#include "runtime/internal/task/slow_poll_detector.h"
#include "runtime/runtime_dump.h"
#include "runtime/runtime_id.h"
#include "runtime/runtime_metrics.h"
#include "runtime/slow_poll.h"
#include "runtime/unhandled_panic.h"

namespace weft::internal {

class BlockOnBody;
class RuntimeCore;

struct RuntimeOptions {
  bool multi_thread = true;
  size_t worker_threads = 0;  // 0: one per CPU
  size_t max_blocking_threads = 512;
  std::optional<size_t> blocking_queue_limit;  // none: unbounded
  std::chrono::nanoseconds thread_keep_alive = std::chrono::seconds(10);
  std::string thread_name = "weft-worker";
  // When set, names each new thread instead of thread_name.
  std::function<std::string()> thread_name_fn;
  size_t thread_stack_size = 0;  // 0: the system's default
  std::function<void()> on_thread_start;
  std::function<void()> on_thread_stop;
  std::function<void()> on_thread_park;
  std::function<void()> on_thread_unpark;
  // Scheduler ticks between polls of the driver, and between looks at the
  // queue of tasks woken or spawned from outside the workers.
  uint32_t event_interval = 61;
  uint32_t global_queue_interval = 61;
  // 0: slow polls are not detected.
  std::chrono::nanoseconds slow_poll_threshold{0};
  std::function<void(const SlowPollReport&)> on_slow_poll;
  UnhandledPanic unhandled_panic = UnhandledPanic::kIgnore;
  std::string backend;        // empty: the build's default (or WEFT_BACKEND)
  bool start_paused = false;  // current_thread only
};

// The flavor-specific half: current_thread or multi_thread.
class RuntimeScheduler : public Scheduler {
 public:
  virtual ~RuntimeScheduler() = default;
  virtual absl::Status Start() = 0;
  // Drives `body` on the calling thread until it is done (or a panic
  // shutdown stops it). Fails, without running it, when this thread cannot
  // get a driver.
  virtual absl::Status BlockOn(BlockOnBody& body) = 0;
  // After this returns no task is being polled by a worker.
  virtual void StopWorkers() = 0;
  // Drops queue entries left behind and drains the drivers' I/O.
  virtual void DrainAfterShutdown() = 0;
  // Wakes whatever waits for work (a parked driver), so that it looks
  // again at what it may do (e.g. advance a paused clock).
  virtual void Unpark() = 0;
  // block_in_place: hands this thread's worker away if it has one (returns
  // true), or returns false when F may simply run here. Throws UsageError
  // where blocking is not allowed.
  virtual bool HandOffWorker() = 0;
  virtual size_t Workers() const = 0;
  virtual size_t QueuedTasks() const = 0;
  virtual uint64_t Polls() const = 0;
  virtual std::vector<WorkerMetrics> PerWorkerMetrics() const = 0;
};

// Tasks that run on a runtime's threads without belonging to it (a
// LocalSet's), so that the runtime's dump can list them too.
class ForeignTasks {
 public:
  virtual void ForEachTask(const std::function<void(TaskHeader&)>& visit) = 0;

 protected:
  ~ForeignTasks() = default;
};

class RuntimeCore : public std::enable_shared_from_this<RuntimeCore> {
 public:
  static absl::StatusOr<std::shared_ptr<RuntimeCore>> Create(
      RuntimeOptions options);
  ~RuntimeCore();

  // Binds and queues a new task; after shutdown cancels it at once.
  void Spawn(TaskHeader* task);
  void SpawnBlocking(TaskHeader* task);
  // SpawnBlocking on the room the pool granted `waiter`.
  void SpawnBlockingReserved(TaskHeader* task,
                             BlockingPool::RoomWaiter& waiter);
  // Drives the coroutine `root` on this thread until it finished (the
  // caller reads its result). Throws UsageError inside a runtime task, and
  // RuntimeError when this thread's driver cannot start or a panic shut the
  // runtime down (see Handle::block_on).
  void BlockOn(std::coroutine_handle<> root);
  void Shutdown(std::optional<std::chrono::nanoseconds> wait_for_blocking);
  // Steps 1-4 and closing the pool, without waiting for blocking closures
  // (a later Shutdown still waits as asked).
  void ShutdownAfterPanic();
  bool IsShutDown() const { return shut_down_.load(std::memory_order_acquire); }

  const RuntimeOptions& options() const { return options_; }
  RuntimeId id() const { return id_; }
  const BackendInfo& backend() const { return backend_; }
  Executor& executor() { return *executor_; }
  OwnedTasks& owned() { return owned_; }
  BlockingPool& blocking_pool() { return *blocking_; }
  RuntimeScheduler& scheduler() { return *scheduler_; }
  RuntimeClock& clock() { return clock_; }
  const RuntimeClock& clock() const { return clock_; }
  // A paused clock may jump to the next timer when nothing else can happen
  // first: no blocking closure is queued or running (it could wake a task).
  bool MayAutoAdvanceClock() const {
    return clock_.paused() && blocking_->LiveTasks() == 0;
  }

  // This thread's own driver (for block_on on a multi_thread runtime),
  // created by its first call.
  absl::StatusOr<Driver*> ThreadDriver();
  // Creates a driver on this runtime's backend, or returns the backend's
  // status (its code kept, e.g. RESOURCE_EXHAUSTED when out of file
  // descriptors) saying which backend failed.
  absl::StatusOr<std::unique_ptr<Driver>> NewDriver();

  // Called by schedulers.
  void OnPanic(TaskHeader* task);
  bool PanicShutdownRequested() const {
    return panic_shutdown_.load(std::memory_order_acquire);
  }
  // The thread hooks every runtime thread runs.
  ThreadHooks MakeThreadHooks();
  // A worker about to park and just unparked (on_thread_park/unpark).
  void BeforePark() const {
    FlushTaskMemory();  // the blocks this thread freed for other threads
    if (options_.on_thread_park) options_.on_thread_park();
  }
  void AfterUnpark() const {
    if (options_.on_thread_unpark) options_.on_thread_unpark();
  }
  // nullptr unless slow_poll_threshold is set.
  SlowPollDetector* slow_poll_detector() const {
    return slow_poll_detector_.get();
  }

  RuntimeMetrics Metrics() const;
  RuntimeDump Dump();
  // Lists `tasks` in Dump() until removed; Remove waits for a dump that is
  // reading them.
  void AddForeignTasks(ForeignTasks* tasks);
  void RemoveForeignTasks(ForeignTasks* tasks);

 private:
  RuntimeCore() = default;
  void StopAndCancelLocked();

  RuntimeOptions options_;
  const RuntimeId id_ = RuntimeId::Next();
  RuntimeClock clock_;  // before the drivers, which refer to it
  BackendInfo backend_;
  std::unique_ptr<Executor> executor_;
  OwnedTasks owned_;
  std::unique_ptr<BlockingPool> blocking_;
  std::unique_ptr<RuntimeScheduler> scheduler_;
  std::unique_ptr<SlowPollDetector> slow_poll_detector_;

  std::mutex shutdown_mu_;
  bool blocking_waited_ = false;  // guarded by shutdown_mu_
  std::mutex mu_;
  std::unordered_map<std::thread::id, std::unique_ptr<Driver>> thread_drivers_;
  std::vector<BlockOnBody*> bodies_;  // block_on calls in progress
  std::string panic_message_;
  ReactorHealth reactor_health_;
  std::mutex foreign_mu_;
  std::vector<ForeignTasks*> foreign_tasks_;  // guarded by foreign_mu_

  std::atomic<uint64_t> spawned_{0};
  std::atomic<bool> shut_down_{false};
  std::atomic<bool> panic_shutdown_{false};
};

// The runtime of this thread (a worker, a blocking thread, or a thread inside
// block_on), or nullptr.
RuntimeCore* CurrentRuntime();
// Same, throwing UsageError("<operation> called outside a weft runtime ...").
RuntimeCore& CurrentRuntimeOrThrow(const char* operation);

class RuntimeScope {
 public:
  explicit RuntimeScope(RuntimeCore* runtime);
  ~RuntimeScope();
  RuntimeScope(const RuntimeScope&) = delete;
  RuntimeScope& operator=(const RuntimeScope&) = delete;

 private:
  RuntimeCore* saved_;
  SlowPollDetector* saved_detector_;
};

// True while this thread runs the F of a block_in_place.
bool InBlockInPlace();
class BlockInPlaceScope {
 public:
  BlockInPlaceScope();
  ~BlockInPlaceScope();

 private:
  bool saved_;
};

std::unique_ptr<RuntimeScheduler> NewMultiThreadScheduler(RuntimeCore& runtime);
std::unique_ptr<RuntimeScheduler> NewCurrentThreadScheduler(
    RuntimeCore& runtime);

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_SCHEDULER_RUNTIME_CORE_H_
