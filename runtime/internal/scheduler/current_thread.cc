// The current_thread scheduler: every task runs on the thread that calls
// block_on, one block_on at a time.
//
// The core (run queue, yielded tasks, driver) belongs to whichever
// block_on call holds it. Other threads calling block_on meanwhile drive only
// their own body, waiting on a condition variable, and take the core when it
// is released. Tasks woken from other threads go to `remote_` and wake the
// core's driver.

#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "runtime/errors.h"
#include "runtime/internal/scheduler/block_on_body.h"
#include "runtime/internal/scheduler/runtime_core.h"
#include "runtime/internal/scheduler/task_list.h"
#include "runtime/internal/scheduler/worker_counters.h"

namespace weft::internal {
namespace {

class CurrentThreadScheduler;
thread_local CurrentThreadScheduler* tls_core_holder = nullptr;

class CurrentThreadScheduler final : public RuntimeScheduler {
 public:
  explicit CurrentThreadScheduler(RuntimeCore& runtime)
      : runtime_(runtime),
        event_interval_(runtime.options().event_interval),
        global_queue_interval_(runtime.options().global_queue_interval) {}

  absl::Status Start() override {
    absl::StatusOr<std::unique_ptr<Driver>> driver = runtime_.NewDriver();
    if (!driver.ok()) return driver.status();
    driver_ = *std::move(driver);
    return absl::OkStatus();
  }

  void Schedule(TaskHeader* task, bool yielded) override {
    if (tls_core_holder == this) {
      if (yielded) {
        deferred_.push_back(task);
      } else {
        local_.push_back(task);
        queued_local_.store(local_.size(), std::memory_order_relaxed);
      }
      return;
    }
    if (!remote_.Push(task)) {
      task->Unref();
      return;
    }
    driver_->Wake();
  }

  void Release(TaskHeader* task) override { runtime_.owned().Remove(task); }
  void OnPanic(TaskHeader* task) override { runtime_.OnPanic(task); }

  absl::Status BlockOn(BlockOnBody& body) override {
    while (!body.done() && !runtime_.PanicShutdownRequested()) {
      if (TryAcquireCore(body)) {
        RunWithCore(body);
        ReleaseCore();
        continue;
      }
      // Another thread runs the tasks; drive only the body until the core
      // is free. Timers and I/O of the body go to the core's driver, which
      // its holder drives.
      DriverScope driver_scope(driver_.get(), /*driving=*/false);
      body.Turn();
      if (body.done()) break;
      if (!body.notified() && CoreHeld()) body.WaitForWake();
    }
    std::lock_guard lock(core_mu_);
    std::erase(waiting_, &body);
    return absl::OkStatus();
  }

  void StopWorkers() override {}
  void Unpark() override {
    if (driver_ != nullptr) driver_->Wake();
  }

  void DrainAfterShutdown() override {
    remote_.CloseAndDrop();
    for (TaskHeader* task : local_) task->Unref();
    local_.clear();
    for (TaskHeader* task : deferred_) task->Unref();
    deferred_.clear();
    if (driver_ != nullptr) driver_->Drain();  // Null: Start failed.
  }

  bool HandOffWorker() override {
    // Inside its tasks and inside its block_on body alike, blocking would
    // stop the only thread that drives the runtime.
    if (CurrentContext() != nullptr) {
      throw UsageError(
          "block_in_place on a current_thread runtime: there is no other "
          "worker to take over its tasks; use spawn_blocking, or a "
          "multi_thread runtime");
    }
    return false;
  }

  size_t Workers() const override { return 1; }
  size_t QueuedTasks() const override {
    return remote_.Size() + queued_local_.load(std::memory_order_relaxed);
  }
  uint64_t Polls() const override { return counters_.polls(); }
  std::vector<WorkerMetrics> PerWorkerMetrics() const override {
    return {counters_.Snapshot(queued_local_.load(std::memory_order_relaxed))};
  }

 private:
  bool CoreHeld() {
    std::lock_guard lock(core_mu_);
    return core_held_;
  }

  bool TryAcquireCore(BlockOnBody& body) {
    std::lock_guard lock(core_mu_);
    if (core_held_) {
      if (std::find(waiting_.begin(), waiting_.end(), &body) ==
          waiting_.end()) {
        waiting_.push_back(&body);
      }
      return false;
    }
    core_held_ = true;
    std::erase(waiting_, &body);
    return true;
  }

  void ReleaseCore() {
    std::vector<BlockOnBody*> waiting;
    {
      std::lock_guard lock(core_mu_);
      core_held_ = false;
      waiting = waiting_;
      // Wake while holding the lock: a waiter erases itself under it, so
      // every body here is alive.
      for (BlockOnBody* body : waiting) body->Wake();
    }
  }

  bool HasWork(BlockOnBody& body) {
    return body.notified() || !local_.empty() || !remote_.IsEmpty();
  }

  TaskHeader* NextTask() {
    if (++tick_ % global_queue_interval_ == 0 || local_.empty()) {
      if (TaskHeader* task = remote_.Pop()) return task;
    }
    if (local_.empty()) return nullptr;
    TaskHeader* task = local_.front();
    local_.pop_front();
    queued_local_.store(local_.size(), std::memory_order_relaxed);
    return task;
  }

  // Blocks on the driver (as the worker, with its hooks and counters).
  void ParkDriver(BlockOnBody& body) {
    runtime_.BeforePark();
    // The hook may have spawned or woken something (tokio checks again too).
    if (!HasWork(body)) {
      counters_.AboutToPark();
      driver_->Park(std::nullopt);
      counters_.Unparked();
    }
    runtime_.AfterUnpark();
  }

  void RunWithCore(BlockOnBody& body) {
    tls_core_holder = this;
    counters_.StartBusy();
    DriverScope driver_scope(driver_.get(), /*driving=*/true);
    body.SetDriver(driver_.get());
    while (!body.done() && !runtime_.PanicShutdownRequested()) {
      body.Turn();
      if (body.done()) break;
      for (uint32_t i = 0; i < event_interval_; ++i) {
        TaskHeader* task = NextTask();
        if (task == nullptr) break;
        counters_.Polled();
        task->Run();
        if (body.notified()) break;
      }
      if (HasWork(body) || !deferred_.empty()) {
        driver_->Poll();
      } else if (runtime_.MayAutoAdvanceClock()) {
        // Paused time: take in what is ready without blocking, and only if
        // that wakes nothing, jump the clock to the next timer (tokio's
        // auto-advance). With no timer pending, wait as usual.
        driver_->Poll();
        if (!HasWork(body) && !driver_->AdvanceClockToNextTimer()) {
          ParkDriver(body);
        }
      } else {
        ParkDriver(body);
      }
      for (TaskHeader* task : deferred_) local_.push_back(task);
      deferred_.clear();
      queued_local_.store(local_.size(), std::memory_order_relaxed);
    }
    body.SetDriver(nullptr);
    counters_.StopBusy();
    tls_core_holder = nullptr;
  }

  RuntimeCore& runtime_;
  const uint32_t event_interval_;
  const uint32_t global_queue_interval_;
  std::unique_ptr<Driver> driver_;
  std::deque<TaskHeader*> local_;
  std::vector<TaskHeader*> deferred_;
  TaskList remote_;
  uint32_t tick_ = 0;
  std::atomic<size_t> queued_local_{0};
  WorkerCounters counters_;  // written by the core's holder

  std::mutex core_mu_;
  bool core_held_ = false;
  std::vector<BlockOnBody*> waiting_;
};

}  // namespace

std::unique_ptr<RuntimeScheduler> NewCurrentThreadScheduler(
    RuntimeCore& runtime) {
  return std::make_unique<CurrentThreadScheduler>(runtime);
}

}  // namespace weft::internal
