#include "runtime/internal/blocking_pool.h"

#include <pthread.h>

#include <thread>
#include <utility>

#include "runtime/internal/owned_tasks.h"

namespace weft::internal {
namespace {

thread_local bool tls_on_blocking_thread = false;

void NameThisThread(const std::string& name) {
  // Linux limits thread names to 15 characters.
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace

struct BlockingPool::State final : public Scheduler {
  size_t max_threads;
  std::chrono::nanoseconds keep_alive;
  ThreadHooks hooks;
  OwnedTasks owned;

  mutable std::mutex mu;
  std::condition_variable work_available;
  std::condition_variable all_exited;
  std::deque<TaskHeader*> queue;
  size_t blocking_threads = 0;   // counted against max_threads
  size_t mandatory_threads = 0;  // workers
  size_t idle_threads = 0;
  size_t pending_notifications = 0;
  bool closed = false;
  std::function<void()> on_idle;  // guarded by mu; cleared by Close

  void ThreadMain();
  template <typename F>
  void RunOnPoolThread(F&& body);

  // Scheduler: queue a blocking task (takes its queue reference).
  void Schedule(TaskHeader* task, bool yielded) override;
  void Release(TaskHeader* task) override;

  std::weak_ptr<State> self;
};

bool OnBlockingThread() { return tls_on_blocking_thread; }

template <typename F>
void BlockingPool::State::RunOnPoolThread(F&& body) {
  if (hooks.enter_runtime) hooks.enter_runtime();
  NameThisThread(hooks.thread_name);
  if (hooks.on_thread_start) hooks.on_thread_start();
  body();
  if (hooks.on_thread_stop) hooks.on_thread_stop();
}

void BlockingPool::State::ThreadMain() {
  std::unique_lock lock(mu);
  while (true) {
    while (!queue.empty()) {
      TaskHeader* task = queue.front();
      queue.pop_front();
      lock.unlock();
      tls_on_blocking_thread = true;
      task->Run();
      tls_on_blocking_thread = false;
      lock.lock();
    }
    if (closed) return;
    ++idle_threads;
    auto deadline = std::chrono::steady_clock::now() + keep_alive;
    while (true) {
      bool timed_out =
          work_available.wait_until(lock, deadline) == std::cv_status::timeout;
      if (pending_notifications > 0) {
        --pending_notifications;
        break;
      }
      if (closed || (timed_out && queue.empty())) {
        --idle_threads;
        return;
      }
    }
  }
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
  std::lock_guard lock(mu);
  if (closed) {
    task->Unref();
    return;
  }
  queue.push_back(task);
  if (idle_threads > 0) {
    --idle_threads;
    ++pending_notifications;
    work_available.notify_one();
  } else if (blocking_threads < max_threads) {
    // Threads hold the state through the shared_ptr they capture.
    ++blocking_threads;
    std::thread([keep = self.lock()]() {
      keep->RunOnPoolThread([&keep] { keep->ThreadMain(); });
      std::lock_guard lock(keep->mu);
      --keep->blocking_threads;
      keep->all_exited.notify_all();
    }).detach();
  }
}

bool BlockingPool::SpawnMandatory(std::function<void()> work) {
  std::lock_guard lock(state_->mu);
  if (state_->closed) return false;
  ++state_->mandatory_threads;
  std::thread([keep = state_, work = std::move(work)]() mutable {
    keep->RunOnPoolThread(work);
    work = nullptr;
    std::lock_guard lock(keep->mu);
    --keep->mandatory_threads;
    keep->all_exited.notify_all();
  }).detach();
  return true;
}

void BlockingPool::Close() {
  std::deque<TaskHeader*> unstarted;
  {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->closed = true;
    state_->on_idle = nullptr;
    unstarted.swap(state_->queue);
    state_->work_available.notify_all();
  }
  state_->owned.CloseAndShutdownAll();
  for (TaskHeader* task : unstarted) task->Unref();
}

bool BlockingPool::WaitIdle(std::optional<std::chrono::nanoseconds> timeout) {
  std::unique_lock lock(state_->mu);
  auto exited = [this] {
    return state_->blocking_threads == 0 && state_->mandatory_threads == 0;
  };
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

}  // namespace weft::internal
