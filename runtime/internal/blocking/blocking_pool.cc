#include "runtime/internal/blocking/blocking_pool.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "executors/platform/threads.h"
#include "runtime/internal/blocking/thread_start.h"
#include "runtime/internal/memory/task_memory.h"
#include "runtime/internal/task/owned_tasks.h"
#include "runtime/internal/task/scheduler.h"

namespace weft::internal {
namespace {

thread_local bool tls_on_blocking_thread = false;

// Where an idle blocking thread waits for its next task. The pool owns it
// and lends it to one thread at a time (recycled, never freed before the
// pool's state), so that Schedule can notify after unlocking `mu`: the woken
// thread then does not wait for `mu` behind its waker, and a notification
// that arrives after the thread moved on is only a spurious wake-up of the
// idler's next borrower. Lock order: the pool's `mu` before `mu` here.
//
// While `listed` the thread may leave (keep-alive) and nobody else touches
// the slot. Whoever unlinks it (Schedule or Close, under the pool's lock)
// owes it exactly one hand-off: a task, or `closing`.
struct Idler {
  std::mutex mu;
  std::condition_variable wake;
  TaskHeader* task = nullptr;  // guarded by mu; takes the queue reference
  bool closing = false;        // guarded by mu

  // The pool's idle list, newest first; guarded by the pool's mu.
  Idler* newer = nullptr;
  Idler* older = nullptr;
  bool listed = false;

  bool HandedOver() const { return task != nullptr || closing; }
};

// Wakes what was granted under the pool's lock once that lock is released
// (declare it before the lock).
struct WakeAfterUnlock {
  std::vector<Waker> wakers;
  ~WakeAfterUnlock() {
    for (const Waker& waker : wakers) waker.wake();
  }
};

}  // namespace

struct BlockingPool::State final : public Scheduler {
  size_t max_threads;
  std::chrono::nanoseconds keep_alive;
  ThreadHooks hooks;
  OwnedTasks owned;

  mutable std::mutex mu;
  std::condition_variable all_exited;
  // Tasks that found no idle thread with the limit reached. Non-empty only
  // while no thread is idle: a thread parks only when this is empty.
  std::deque<TaskHeader*> queue;
  Idler* idle_newest = nullptr;
  std::vector<std::unique_ptr<Idler>> idlers;  // at most one per thread
  std::vector<Idler*> spare_idlers;            // lent to no thread
  size_t idle_threads = 0;
  size_t blocking_threads = 0;  // counted against max_threads until leaving
  size_t live_threads = 0;      // blocking and mandatory, until their hooks ran
  bool closed = false;
  std::function<void()> on_idle;              // guarded by mu; cleared by Close
  std::function<void(TaskHeader*)> on_panic;  // guarded by mu; cleared by Close

  // The line of SpawnWhenReady's awaiters, under mu.
  std::optional<size_t> queue_limit;  // none: no limit, nobody waits
  BlockingPool::RoomWaiter* line_head = nullptr;
  BlockingPool::RoomWaiter* line_tail = nullptr;
  size_t reserved = 0;  // room granted to waiters that have not spawned yet

  // Whether one more task fits without the queue passing its limit, after
  // the reservations (under mu).
  bool HasRoomLocked() const;
  // Grants room to the waiters at the head of the line while there is some.
  void GrantLocked(WakeAfterUnlock& wake);
  void Unline(BlockingPool::RoomWaiter& waiter);
  // Hands `task` to an idle thread, a new thread or the queue; `reserved`:
  // on room granted before.
  void Place(TaskHeader* task, bool reserved);

  // Runs `first`, then every task handed over or queued, until the
  // keep-alive runs out or the pool closes.
  void ThreadMain(TaskHeader* first);
  // The next task for a thread that finished one, or nullptr once it is to
  // exit (it no longer counts against max_threads then). `idler` is the
  // thread's borrowed Idler (nullptr: none yet); it is given back on exit.
  TaskHeader* NextTask(Idler*& idler);
  // A thread leaves the pool's accounting (under mu).
  void Leave(Idler*& idler);
  void StartThread(TaskHeader* first);
  void ThreadExited();
  template <typename F>
  void RunOnPoolThread(F&& body);

  // The idle list, under mu.
  void PushIdle(Idler* idler);
  Idler* PopNewestIdle();
  void Unlink(Idler* idler);

  // Scheduler: hand a blocking task to a thread (takes its queue reference).
  void Schedule(TaskHeader* task, bool yielded) override;
  void Release(TaskHeader* task) override;
  void OnPanic(TaskHeader* task) override;

  std::weak_ptr<State> self;
};

bool OnBlockingThread() { return tls_on_blocking_thread; }

template <typename F>
void BlockingPool::State::RunOnPoolThread(F&& body) {
  // Let go of the runtime before the thread counts as exited, so that a
  // shutdown that waited for every thread holds the last reference.
  std::shared_ptr<void> runtime =
      hooks.enter_runtime ? hooks.enter_runtime() : nullptr;
  if (hooks.thread_name) platform::NameThisThread(hooks.thread_name());
  if (hooks.on_thread_start) hooks.on_thread_start();
  body();
  if (hooks.on_thread_stop) hooks.on_thread_stop();
}

void BlockingPool::State::PushIdle(Idler* idler) {
  idler->newer = nullptr;
  idler->older = idle_newest;
  if (idle_newest != nullptr) idle_newest->newer = idler;
  idle_newest = idler;
  idler->listed = true;
  ++idle_threads;
}

void BlockingPool::State::Unlink(Idler* idler) {
  (idler->newer != nullptr ? idler->newer->older : idle_newest) = idler->older;
  if (idler->older != nullptr) idler->older->newer = idler->newer;
  idler->newer = idler->older = nullptr;
  idler->listed = false;
  --idle_threads;
}

Idler* BlockingPool::State::PopNewestIdle() {
  Idler* idler = idle_newest;
  if (idler != nullptr) Unlink(idler);
  return idler;
}

void BlockingPool::State::ThreadMain(TaskHeader* first) {
  Idler* idler = nullptr;
  for (TaskHeader* task = first; task != nullptr; task = NextTask(idler)) {
    tls_on_blocking_thread = true;
    task->Run();
    tls_on_blocking_thread = false;
  }
}

void BlockingPool::State::Leave(Idler*& idler) {
  --blocking_threads;
  if (idler != nullptr) spare_idlers.push_back(std::exchange(idler, nullptr));
}

bool BlockingPool::State::HasRoomLocked() const {
  if (closed || !queue_limit.has_value()) return true;
  size_t room = idle_threads + (max_threads - blocking_threads);
  // Plain spawns may have queued past the limit.
  if (queue.size() < *queue_limit) room += *queue_limit - queue.size();
  return room > reserved;
}

void BlockingPool::State::Unline(BlockingPool::RoomWaiter& waiter) {
  (waiter.prev != nullptr ? waiter.prev->next : line_head) = waiter.next;
  (waiter.next != nullptr ? waiter.next->prev : line_tail) = waiter.prev;
  waiter.prev = waiter.next = nullptr;
  waiter.linked = false;
}

void BlockingPool::State::GrantLocked(WakeAfterUnlock& wake) {
  while (line_head != nullptr && HasRoomLocked()) {
    BlockingPool::RoomWaiter& waiter = *line_head;
    Unline(waiter);
    if (!closed) ++reserved;
    waiter.granted = true;
    waiter.ready.store(true, std::memory_order_release);
    wake.wakers.push_back(std::move(waiter.waker));
  }
}

TaskHeader* BlockingPool::State::NextTask(Idler*& idler) {
  {
    WakeAfterUnlock wake;
    std::lock_guard lock(mu);
    if (!queue.empty()) {
      TaskHeader* task = queue.front();
      queue.pop_front();
      GrantLocked(wake);
      return task;
    }
    if (closed) {
      Leave(idler);
      return nullptr;
    }
    if (idler == nullptr) {
      if (spare_idlers.empty()) {
        idlers.push_back(std::make_unique<Idler>());
        spare_idlers.push_back(idlers.back().get());
      }
      idler = spare_idlers.back();
      spare_idlers.pop_back();
      std::lock_guard idler_lock(idler->mu);
      idler->closing = false;
    }
    PushIdle(idler);
    GrantLocked(wake);
  }
  Idler& mine = *idler;
  FlushTaskMemory();  // the blocks this thread freed for other threads
  std::unique_lock lock(mine.mu);
  const auto deadline = std::chrono::steady_clock::now() + keep_alive;
  if (!mine.wake.wait_until(lock, deadline,
                            [&mine] { return mine.HandedOver(); })) {
    lock.unlock();
    {
      std::lock_guard pool_lock(mu);
      if (mine.listed) {
        Unlink(&mine);
        // Leaving the count now, not at exit, so that a Schedule from here on
        // starts a thread instead of queueing behind one that is leaving.
        Leave(idler);
        return nullptr;
      }
    }
    // A Schedule or Close took this thread just as its keep-alive ran out;
    // what it hands over is on its way.
    lock.lock();
    mine.wake.wait(lock, [&mine] { return mine.HandedOver(); });
  }
  if (mine.task != nullptr) return std::exchange(mine.task, nullptr);
  lock.unlock();
  std::lock_guard pool_lock(mu);
  Leave(idler);
  return nullptr;
}

void BlockingPool::State::ThreadExited() {
  std::lock_guard lock(mu);
  if (--live_threads == 0) all_exited.notify_all();
}

void BlockingPool::State::StartThread(TaskHeader* first) {
  try {
    // Threads hold the state through the shared_ptr they capture.
    StartDetachedThread(hooks.stack_size, [keep = self.lock(), first] {
      keep->RunOnPoolThread([&keep, first] { keep->ThreadMain(first); });
      keep->ThreadExited();
    });
  } catch (...) {
    // No thread for it (e.g. out of resources): the task waits for another
    // thread of the pool, and the caller sees the error.
    std::lock_guard lock(mu);
    --blocking_threads;
    if (--live_threads == 0) all_exited.notify_all();
    if (closed) {
      first->Unref();
    } else {
      queue.push_back(first);
    }
    throw;
  }
}

void BlockingPool::State::OnPanic(TaskHeader* task) {
  std::lock_guard lock(mu);
  if (on_panic) on_panic(task);
}

void BlockingPool::State::Release(TaskHeader* task) {
  owned.Remove(task);
  if (owned.Size() != 0) return;
  std::lock_guard lock(mu);
  if (on_idle) on_idle();
}

BlockingPool::BlockingPool(size_t max_threads,
                           std::chrono::nanoseconds keep_alive,
                           ThreadHooks hooks, std::function<void()> on_idle)
    : state_(std::make_shared<State>()) {
  state_->self = state_;
  state_->on_idle = std::move(on_idle);
  state_->max_threads = max_threads == 0 ? 1 : max_threads;
  state_->keep_alive = keep_alive;
  state_->hooks = std::move(hooks);
}

BlockingPool::~BlockingPool() { Close(); }

void BlockingPool::set_queue_limit(std::optional<size_t> limit) {
  std::lock_guard lock(state_->mu);
  state_->queue_limit = limit;
}

void BlockingPool::set_on_panic(std::function<void(TaskHeader*)> on_panic) {
  std::lock_guard lock(state_->mu);
  state_->on_panic = std::move(on_panic);
}

bool BlockingPool::ReserveOrWait(RoomWaiter& waiter, const Waker* waker) {
  std::lock_guard lock(state_->mu);
  if (state_->line_head == nullptr && state_->HasRoomLocked()) {
    if (!state_->closed) ++state_->reserved;
    waiter.granted = true;
    waiter.ready.store(true, std::memory_order_release);
    return true;
  }
  if (waker == nullptr) return false;
  waiter.waker = *waker;
  waiter.linked = true;
  waiter.next = nullptr;
  waiter.prev = state_->line_tail;
  (state_->line_tail != nullptr ? state_->line_tail->next : state_->line_head) =
      &waiter;
  state_->line_tail = &waiter;
  return false;
}

void BlockingPool::SpawnReserved(RoomWaiter& waiter, TaskHeader* task) {
  waiter.used = true;
  task->set_scheduler(state_.get());
  if (!state_->owned.Bind(task)) {
    task->Shutdown(/*owned=*/false);
    task->Unref();
    return;
  }
  state_->Place(task, /*reserved=*/true);
}

void BlockingPool::LeaveLine(RoomWaiter& waiter) {
  WakeAfterUnlock wake;
  std::lock_guard lock(state_->mu);
  if (waiter.linked) {
    state_->Unline(waiter);
  } else if (waiter.granted && !waiter.used) {
    if (!state_->closed && state_->reserved > 0) --state_->reserved;
    state_->GrantLocked(wake);
  }
}

void BlockingPool::Spawn(TaskHeader* task) {
  task->set_scheduler(state_.get());
  if (!state_->owned.Bind(task)) {
    task->Shutdown(/*owned=*/false);
    task->Unref();  // The queue reference it will never use.
    return;
  }
  state_->Schedule(task, /*yielded=*/false);
}

void BlockingPool::State::Schedule(TaskHeader* task, bool /*yielded*/) {
  Place(task, /*reserved=*/false);
}

void BlockingPool::State::Place(TaskHeader* task, bool reserved_room) {
  std::unique_lock lock(mu);
  if (reserved_room && reserved > 0) --reserved;
  if (closed) {
    lock.unlock();
    task->Unref();
    return;
  }
  if (Idler* idler = PopNewestIdle()) {
    lock.unlock();
    {
      std::lock_guard idler_lock(idler->mu);
      idler->task = task;
    }
    idler->wake.notify_one();
    return;
  }
  if (blocking_threads < max_threads) {
    ++blocking_threads;
    ++live_threads;
    lock.unlock();
    StartThread(task);
    return;
  }
  queue.push_back(task);
}

bool BlockingPool::SpawnMandatory(std::function<void()> work) {
  std::lock_guard lock(state_->mu);
  if (state_->closed) return false;
  ++state_->live_threads;
  try {
    StartDetachedThread(state_->hooks.stack_size,
                        [keep = state_, work = std::move(work)]() mutable {
                          keep->RunOnPoolThread(work);
                          work = nullptr;
                          keep->ThreadExited();
                        });
  } catch (...) {
    // Not counted, or WaitIdle would wait for it forever.
    if (--state_->live_threads == 0) state_->all_exited.notify_all();
    throw;
  }
  return true;
}

void BlockingPool::Close() {
  std::deque<TaskHeader*> unstarted;
  {
    WakeAfterUnlock wake;
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->closed = true;
    state_->on_idle = nullptr;
    state_->on_panic = nullptr;
    // The waiters go ahead; their spawns are cancelled like any after Close.
    state_->GrantLocked(wake);
    unstarted.swap(state_->queue);
    while (Idler* idler = state_->PopNewestIdle()) {
      std::lock_guard idler_lock(idler->mu);
      idler->closing = true;
      idler->wake.notify_one();
    }
  }
  state_->owned.CloseAndShutdownAll();
  for (TaskHeader* task : unstarted) task->Unref();
}

bool BlockingPool::WaitIdle(std::optional<std::chrono::nanoseconds> timeout) {
  std::unique_lock lock(state_->mu);
  auto exited = [this] { return state_->live_threads == 0; };
  if (!timeout.has_value()) {
    state_->all_exited.wait(lock, exited);
    return true;
  }
  return state_->all_exited.wait_for(lock, *timeout, exited);
}

size_t BlockingPool::Threads() const {
  std::lock_guard lock(state_->mu);
  return state_->blocking_threads;
}

size_t BlockingPool::IdleThreads() const {
  std::lock_guard lock(state_->mu);
  return state_->idle_threads;
}

size_t BlockingPool::LiveTasks() const { return state_->owned.Size(); }

size_t BlockingPool::QueuedTasks() const {
  std::lock_guard lock(state_->mu);
  return state_->queue.size();
}

void BlockingPool::ForEachTask(const std::function<void(TaskHeader&)>& visit) {
  state_->owned.ForEach(visit);
}

}  // namespace weft::internal
