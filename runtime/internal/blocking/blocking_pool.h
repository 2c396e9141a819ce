// BlockingPool: the threads that run spawn_blocking closures (at most
// max_blocking_threads of them; an idle one exits after thread_keep_alive),
// plus "mandatory" threads that are not counted against that limit: worker
// threads, including the replacement worker block_in_place starts.
//
// Hand-off: an idle thread parks on a wake-up of its own, not on one condition
// variable shared by all. Schedule gives a task straight to the thread that
// parked last (its slot, its mutex, its condition variable), so neither a
// wake-up nor a hand-off makes the woken thread take the pool's lock, and the
// threads that idle longest are the ones whose keep-alive runs out. A task is
// queued only when no thread is idle and the limit is reached; busy threads
// take queued tasks before they park, so a queued task never waits while a
// thread idles. Threads are started outside the pool's lock.
//
// Room (Builder::blocking_queue_limit): SpawnWhenReady's awaiters wait in a
// FIFO line while the pool has no room, that is while every thread is busy,
// none may start and the queue holds `queue_limit` tasks. A waiter at the
// head is granted one unit of room (reserved, so that no later arrival takes
// it) as soon as a thread goes idle or takes a task from the queue; a waiter
// that leaves with a grant unused passes it to the next. Plain Spawn never
// waits: it takes room when there is some and queues beyond the limit when
// there is none (see spawn.h for why).
//
// Shutdown: Close() refuses new work and cancels what is queued but not
// started; WaitIdle(timeout) waits for the running closures to end. Threads
// hold the pool's state by shared_ptr, and the state is the tasks'
// Scheduler, so a pool shut down "in the background" (and a closure still
// running after its runtime is gone) stays valid until its last thread
// exits.

#ifndef WEFT_RUNTIME_INTERNAL_BLOCKING_BLOCKING_POOL_H_
#define WEFT_RUNTIME_INTERNAL_BLOCKING_BLOCKING_POOL_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "runtime/internal/task/task_header.h"
#include "runtime/internal/task/waker.h"

namespace weft::internal {

struct ThreadHooks {
  // Called once on each new thread, for its name.
  std::function<std::string()> thread_name;
  // 0: the system's default.
  size_t stack_size = 0;
  std::function<void()> on_thread_start;
  std::function<void()> on_thread_stop;
  // Runs first on every thread of the pool: sets the thread's runtime and
  // returns what keeps that runtime alive until the thread is done with it
  // (a closure may outlive its Runtime after shutdown_background). Null when
  // the runtime is already gone.
  std::function<std::shared_ptr<void>()> enter_runtime;
};

class BlockingPool {
 public:
  // `on_idle` runs (under the pool's lock, so keep it short) whenever the
  // last live blocking task ends, until Close().
  BlockingPool(size_t max_threads, std::chrono::nanoseconds keep_alive,
               ThreadHooks hooks, std::function<void()> on_idle = nullptr);
  ~BlockingPool();

  // Before the first Spawn: a queue limit (default none), and what to call
  // (under the pool's lock, until Close) when a blocking closure throws.
  void set_queue_limit(std::optional<size_t> limit);
  void set_on_panic(std::function<void(TaskHeader*)> on_panic);

  // Binds and queues a new blocking task; a closed pool cancels it.
  void Spawn(TaskHeader* task);

  // A place in the line for room. Lives in its awaiter; the links, `waker`
  // and `granted` are the pool's (under its lock).
  struct RoomWaiter {
    Waker waker;
    bool linked = false;
    bool granted = false;  // holds one reserved unit of room
    bool used = false;     // the reservation went to a task
    std::atomic<bool> ready{false};
    RoomWaiter* prev = nullptr;
    RoomWaiter* next = nullptr;
  };
  // Reserves room for `waiter` and returns true if there is some and nobody
  // waits before it (or the pool is closed: the spawn will be cancelled).
  // Otherwise, with a `waker`, joins the line and returns false (`ready`
  // turns true once it is granted); without one, returns false.
  bool ReserveOrWait(RoomWaiter& waiter, const Waker* waker);
  // Spawns `task` on the room `waiter` was granted.
  void SpawnReserved(RoomWaiter& waiter, TaskHeader* task);
  // The waiter goes away: leaves the line, and hands a grant it did not
  // use to the next waiter.
  void LeaveLine(RoomWaiter& waiter);
  // Runs `work` on a thread of its own, not counted against the limit.
  // Returns false when the pool is closed.
  bool SpawnMandatory(std::function<void()> work);

  // Refuses new work and cancels the blocking tasks not yet started; calls
  // no `on_idle` after it returns.
  void Close();
  // Waits until every pool thread has exited, for at most `timeout`
  // (std::nullopt: no limit). Returns true if they all did.
  bool WaitIdle(std::optional<std::chrono::nanoseconds> timeout);

  size_t Threads() const;
  size_t IdleThreads() const;
  size_t LiveTasks() const;
  size_t QueuedTasks() const;
  // Visits every live blocking task (queued or running).
  void ForEachTask(const std::function<void(TaskHeader&)>& visit);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// True on a thread of a blocking pool while it runs a blocking closure.
bool OnBlockingThread();

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_BLOCKING_BLOCKING_POOL_H_
