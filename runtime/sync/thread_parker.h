/// \file
/// ThreadParker: a Wakeable that parks a plain (non-runtime) thread, so that
/// the blocking_* calls of the channels can wait on the same waker slots as
/// tasks do.
///
/// Wakers are woken after the primitive's lock is released, possibly after
/// the parked thread has moved on; the parker is therefore reference-counted
/// and freed by its last Waker, never by the thread that parked on it.

#ifndef WEFT_RUNTIME_SYNC_THREAD_PARKER_H_
#define WEFT_RUNTIME_SYNC_THREAD_PARKER_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/waker.h"

namespace weft::internal {

class ThreadParker final : public Wakeable {
 public:
  /// A parker owned by the returned Waker-able handle; see Waker().
  static ThreadParker* Create() { return new ThreadParker(); }

  /// Throws UsageError when the calling thread runs tasks: blocking it would
  /// stall every task queued behind the current one (tokio panics here).
  static void CheckNotInRuntime(const char* operation,
                                const char* async_alternative) {
    if (CurrentContext() == nullptr) return;
    throw UsageError(std::string(operation) +
                     " called from inside a runtime task: it would block a "
                     "thread that runs tasks. Use " +
                     async_alternative +
                     " there, or call it from a plain thread or "
                     "spawn_blocking");
  }

  /// A Waker holding a reference; waking it unparks the thread.
  internal::Waker MakeWaker() { return internal::Waker(this); }

  /// Blocks until woken since the last Park (a wake before Park is kept).
  void Park() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
    notified_ = false;
  }

  /// Drops the parking thread's own reference.
  void Release() { Unref(); }

  void Wake() override {
    std::lock_guard lock(mu_);
    notified_ = true;
    cv_.notify_one();
  }
  void Ref() override { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() override {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  ThreadParker() = default;
  ~ThreadParker() = default;

  std::atomic<int> refs_{1};
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_SYNC_THREAD_PARKER_H_
