// The multi_thread scheduler: a work-stealing pool of worker cores.
//
// A core is a worker's state — its LocalQueue (stealable), its LIFO slot,
// its yielded tasks and its Driver — and is run by exactly one thread at a
// time. block_in_place hands the core to a new thread and lets the old
// thread finish its task without one.
//
// Where a woken task goes:
//   * on a worker thread of this runtime: the LIFO slot (the previous
//     occupant moves to the back of the local queue); yielded tasks go to
//     `deferred`, which is flushed only after the driver was polled;
//   * elsewhere: the injection queue, then a parked worker is notified.
//
// Parking without lost wake-ups or busy spinning (tokio's protocol): a worker
// with nothing to do first "searches" (steals); a pusher wakes a parked
// worker only when nobody is searching. A worker that parks registers as a
// sleeper, issues a seq_cst fence and checks every queue once more; a pusher
// issues a seq_cst fence after pushing and then reads the counters. One of
// the two always sees the other.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "runtime/errors.h"
#include "runtime/internal/scheduler/block_on_body.h"
#include "runtime/internal/scheduler/local_queue.h"
#include "runtime/internal/scheduler/runtime_core.h"
#include "runtime/internal/scheduler/task_list.h"
#include "runtime/internal/scheduler/worker_counters.h"
#include "runtime/internal/task/slow_poll_detector.h"

namespace weft::internal {
namespace {

// How many times in a row the LIFO slot may run before the local queue gets
// a turn (a ping-pong pair would otherwise starve everything else).
constexpr int kMaxLifoPolls = 3;

class MultiThreadScheduler;

struct Core {
  size_t index = 0;
  LocalQueue queue;
  TaskHeader* lifo = nullptr;
  int lifo_polls = 0;
  std::vector<TaskHeader*> deferred;
  std::vector<TaskHeader*> overflow;
  std::unique_ptr<Driver> driver;
  uint32_t tick = 0;
  bool searching = false;
  // Written by the core's thread, read by metrics().
  WorkerCounters counters;
  // Set (under the idle lock) by a notifier that took this core off the
  // sleepers list.
  bool notified = false;
};

struct WorkerThreadState {
  MultiThreadScheduler* scheduler = nullptr;
  Core* core = nullptr;
};
thread_local WorkerThreadState tls_worker;

class MultiThreadScheduler final : public RuntimeScheduler {
 public:
  explicit MultiThreadScheduler(RuntimeCore& runtime)
      : runtime_(runtime),
        event_interval_(runtime.options().event_interval),
        global_queue_interval_(runtime.options().global_queue_interval) {}

  absl::Status Start() override {
    size_t count = runtime_.options().worker_threads;
    if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
    for (size_t i = 0; i < count; ++i) {
      auto core = std::make_unique<Core>();
      core->index = i;
      absl::StatusOr<std::unique_ptr<Driver>> driver = runtime_.NewDriver();
      if (!driver.ok()) return driver.status();
      core->driver = *std::move(driver);
      cores_.push_back(std::move(core));
    }
    active_cores_ = cores_.size();
    auto keep = runtime_.shared_from_this();
    // build() returns once every worker runs (and ran on_thread_start).
    // A mutex and a condition variable, not std::latch: libstdc++ 12's
    // atomic waits (behind std::latch) can miss a wake-up where there is no
    // futex (mingw-w64), which hung build() on Windows.
    struct StartGate {
      std::mutex mu;
      std::condition_variable all_started;
      size_t not_started;
    };
    auto gate = std::make_shared<StartGate>();
    gate->not_started = cores_.size();
    for (auto& core : cores_) {
      Core* raw = core.get();
      if (!runtime_.blocking_pool().SpawnMandatory([this, raw, keep, gate] {
            {
              std::lock_guard lock(gate->mu);
              if (--gate->not_started == 0) gate->all_started.notify_all();
            }
            RunCore(raw);
          })) {
        return absl::InternalError("weft: could not start worker threads");
      }
    }
    std::unique_lock lock(gate->mu);
    gate->all_started.wait(lock, [&gate] { return gate->not_started == 0; });
    return absl::OkStatus();
  }

  void Schedule(TaskHeader* task, bool yielded) override {
    Core* core = tls_worker.scheduler == this ? tls_worker.core : nullptr;
    if (core == nullptr) {
      if (!inject_.Push(task)) {
        task->Unref();  // Shut down: the task is cancelled by the owner.
        return;
      }
      NotifyParked();
      return;
    }
    if (yielded) {
      core->deferred.push_back(task);
      return;
    }
    TaskHeader* previous = std::exchange(core->lifo, task);
    if (previous != nullptr) {
      PushLocal(core, previous);
      NotifyParked();
    }
  }

  void Release(TaskHeader* task) override { runtime_.owned().Remove(task); }
  void OnPanic(TaskHeader* task) override { runtime_.OnPanic(task); }

  absl::Status BlockOn(BlockOnBody& body) override {
    absl::StatusOr<Driver*> thread_driver = runtime_.ThreadDriver();
    if (!thread_driver.ok()) return thread_driver.status();
    Driver* driver = *thread_driver;
    DriverScope driver_scope(driver, /*driving=*/true);
    body.SetDriver(driver);
    while (!body.done() && !runtime_.PanicShutdownRequested()) {
      body.Turn();
      if (body.done()) break;
      if (body.notified()) {
        driver->Poll();
      } else {
        driver->Park(std::nullopt);
      }
    }
    body.SetDriver(nullptr);
    return absl::OkStatus();
  }

  void StopWorkers() override {
    stopping_.store(true, std::memory_order_release);
    for (auto& core : cores_) core->driver->Wake();
    std::unique_lock lock(stop_mu_);
    stopped_.wait(lock, [this] { return active_cores_ == 0; });
  }

  void Unpark() override { NotifyParked(); }

  void DrainAfterShutdown() override {
    inject_.CloseAndDrop();
    for (auto& core : cores_) {
      if (core->lifo != nullptr) std::exchange(core->lifo, nullptr)->Unref();
      while (TaskHeader* task = core->queue.Pop()) task->Unref();
      for (TaskHeader* task : core->deferred) task->Unref();
      core->deferred.clear();
      core->driver->Drain();
    }
  }

  bool HandOffWorker() override {
    Core* core = tls_worker.scheduler == this ? tls_worker.core : nullptr;
    if (core == nullptr) return false;
    tls_worker.core = nullptr;
    core->counters.StopBusy();
    ExcusePollInProgress();
    // The rest of this poll runs here without the core: I/O it starts is
    // queued for the core's new thread rather than submitted from here.
    core->driver->StopDriving();
    auto keep = runtime_.shared_from_this();
    if (!runtime_.blocking_pool().SpawnMandatory(
            [this, core, keep] { RunCore(core); })) {
      // Shutting down: nobody needs the core any more.
      std::lock_guard lock(stop_mu_);
      if (--active_cores_ == 0) stopped_.notify_all();
    }
    return true;
  }

  size_t Workers() const override { return cores_.size(); }

  size_t QueuedTasks() const override {
    size_t queued = inject_.Size();
    for (const auto& core : cores_) queued += core->queue.Size();
    return queued;
  }

  uint64_t Polls() const override {
    uint64_t polls = 0;
    for (const auto& core : cores_) {
      polls += core->counters.polls();
    }
    return polls;
  }

  std::vector<WorkerMetrics> PerWorkerMetrics() const override {
    std::vector<WorkerMetrics> metrics;
    metrics.reserve(cores_.size());
    for (const auto& core : cores_) {
      metrics.push_back(core->counters.Snapshot(core->queue.Size()));
    }
    return metrics;
  }

 private:
  void RunCore(Core* core) {
    tls_worker = {this, core};
    RuntimeScope runtime_scope(&runtime_);
    core->counters.StartBusy();
    {
      DriverScope driver_scope(core->driver.get(), /*driving=*/true);
      while (!stopping_.load(std::memory_order_acquire)) {
        TaskHeader* task = NextTask(core);
        if (task != nullptr) {
          RunTask(core, task);
          if (tls_worker.core != core) break;  // handed off in block_in_place
          continue;
        }
        if (!core->deferred.empty()) {
          core->driver->Poll();
          FlushDeferred(core);
          continue;
        }
        task = Steal(core);
        if (task != nullptr) {
          RunTask(core, task);
          if (tls_worker.core != core) break;
          continue;
        }
        Park(core);
      }
    }
    bool still_mine = tls_worker.core == core;
    tls_worker = {};
    if (still_mine) {
      std::lock_guard lock(stop_mu_);
      if (--active_cores_ == 0) stopped_.notify_all();
    }
  }

  void RunTask(Core* core, TaskHeader* task) {
    if (core->searching) {
      core->searching = false;
      if (num_searching_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // The last searcher found work: there may be more, let another
        // worker look.
        NotifyParked();
      }
    }
    core->counters.Polled();
    task->Run();
  }

  TaskHeader* NextTask(Core* core) {
    // A LIFO-slot task continues the tick of the task that woke it (as in
    // tokio), so that a chain of hand-offs does not poll the driver every
    // event_interval hops.
    if (core->lifo != nullptr && core->lifo_polls < kMaxLifoPolls) {
      ++core->lifo_polls;
      return std::exchange(core->lifo, nullptr);
    }
    ++core->tick;
    if (core->tick % event_interval_ == 0) {
      core->driver->Poll();
      FlushDeferred(core);
    }
    if (core->tick % global_queue_interval_ == 0) {
      if (TaskHeader* task = inject_.Pop()) {
        if (core->lifo != nullptr) {
          PushLocal(core, std::exchange(core->lifo, nullptr));
        }
        core->lifo_polls = 0;
        return task;
      }
    }
    if (core->lifo != nullptr) {
      PushLocal(core, std::exchange(core->lifo, nullptr));
    }
    core->lifo_polls = 0;
    if (TaskHeader* task = core->queue.Pop()) return task;
    return inject_.Pop();
  }

  TaskHeader* Steal(Core* core) {
    if (!core->searching) {
      // At most about half the workers search at once (tokio's bound).
      uint32_t searching = num_searching_.load(std::memory_order_acquire);
      uint32_t sleeping = num_sleeping_.load(std::memory_order_acquire);
      if (2 * searching >=
          cores_.size() - std::min<size_t>(sleeping, cores_.size())) {
        return nullptr;
      }
      num_searching_.fetch_add(1, std::memory_order_acq_rel);
      core->searching = true;
    }
    size_t count = cores_.size();
    size_t start = (core->index + 1 + core->tick) % count;
    for (size_t i = 0; i < count; ++i) {
      Core* victim = cores_[(start + i) % count].get();
      if (victim == core) continue;
      uint32_t stolen = 0;
      if (TaskHeader* task = victim->queue.StealInto(core->queue, &stolen)) {
        core->counters.Stole(stolen);
        return task;
      }
    }
    return inject_.Pop();
  }

  void PushLocal(Core* core, TaskHeader* task) {
    if (!core->queue.Push(task, core->overflow)) {
      if (!inject_.Push(task)) task->Unref();
    }
    if (!core->overflow.empty()) {
      if (!inject_.PushBatch(core->overflow)) {
        for (TaskHeader* dropped : core->overflow) dropped->Unref();
      }
      core->overflow.clear();
    }
  }

  void FlushDeferred(Core* core) {
    if (core->deferred.empty()) return;
    for (TaskHeader* task : core->deferred) PushLocal(core, task);
    core->deferred.clear();
    NotifyParked();
  }

  bool HasWork(Core* core) const {
    if (!inject_.IsEmpty() || core->lifo != nullptr) return true;
    for (const auto& other : cores_) {
      if (!other->queue.IsEmpty()) return true;
    }
    return false;
  }

  void Park(Core* core) {
    // As in tokio, the hooks run around every attempt to park, also one that
    // finds work at the last moment, so that they always come in pairs.
    runtime_.BeforePark();
    ParkUnlessWork(core);
    runtime_.AfterUnpark();
  }

  void ParkUnlessWork(Core* core) {
    if (core->searching) {
      core->searching = false;
      num_searching_.fetch_sub(1, std::memory_order_acq_rel);
    }
    {
      std::lock_guard lock(idle_mu_);
      sleepers_.push_back(core->index);
      core->notified = false;
      num_sleeping_.fetch_add(1, std::memory_order_acq_rel);
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!HasWork(core) && !stopping_.load(std::memory_order_acquire)) {
      core->counters.AboutToPark();
      core->driver->Park(std::nullopt);
      core->counters.Unparked();
    }
    std::lock_guard lock(idle_mu_);
    if (core->notified) {
      // A notifier took us off the list and counted us as searching.
      core->searching = true;
    } else {
      auto it = std::find(sleepers_.begin(), sleepers_.end(), core->index);
      if (it != sleepers_.end()) {
        sleepers_.erase(it);
        num_sleeping_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  void NotifyParked() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (num_searching_.load(std::memory_order_acquire) != 0) return;
    if (num_sleeping_.load(std::memory_order_acquire) == 0) return;
    Core* wake = nullptr;
    {
      std::lock_guard lock(idle_mu_);
      if (sleepers_.empty() ||
          num_searching_.load(std::memory_order_acquire) != 0) {
        return;
      }
      wake = cores_[sleepers_.back()].get();
      sleepers_.pop_back();
      num_sleeping_.fetch_sub(1, std::memory_order_acq_rel);
      num_searching_.fetch_add(1, std::memory_order_acq_rel);
      wake->notified = true;
    }
    wake->driver->Wake();
  }

  RuntimeCore& runtime_;
  const uint32_t event_interval_;
  const uint32_t global_queue_interval_;
  std::vector<std::unique_ptr<Core>> cores_;
  TaskList inject_;

  std::mutex idle_mu_;
  std::vector<size_t> sleepers_;
  std::atomic<uint32_t> num_searching_{0};
  std::atomic<uint32_t> num_sleeping_{0};

  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stopped_;
  size_t active_cores_ = 0;
};

}  // namespace

std::unique_ptr<RuntimeScheduler> NewMultiThreadScheduler(
    RuntimeCore& runtime) {
  return std::make_unique<MultiThreadScheduler>(runtime);
}

}  // namespace weft::internal
