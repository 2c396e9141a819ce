/// \file
/// Semaphore: a fair counting semaphore. acquire(n) waits in FIFO order — a
/// waiter asking for many permits is not overtaken by later, smaller requests
/// — and yields a SemaphorePermit guard that gives the permits back when it
/// is destroyed (or keeps them out with forget()).
///
/// A waiter whose task is aborted leaves no trace: its node is unlinked, and
/// permits granted to it but never taken go back to the next waiters.

#ifndef WEFT_RUNTIME_SYNC_SEMAPHORE_H_
#define WEFT_RUNTIME_SYNC_SEMAPHORE_H_

#include <coroutine>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"

namespace weft {

class Semaphore;

/// Permits taken from a Semaphore; dropping it gives them back.
class [[nodiscard]] SemaphorePermit {
 public:
  /// Move-only; the permits move with it.
  ///@{
  SemaphorePermit(SemaphorePermit&& other) noexcept
      : semaphore_(std::exchange(other.semaphore_, nullptr)),
        count_(std::exchange(other.count_, 0)) {}
  SemaphorePermit& operator=(SemaphorePermit&& other) noexcept;
  ///@}
  /// Gives the permits back to the semaphore (unless forgotten).
  ~SemaphorePermit();

  /// How many permits it holds.
  size_t count() const { return count_; }
  /// Keeps the permits out of the semaphore for good.
  void forget() {
    semaphore_ = nullptr;
    count_ = 0;
  }

 private:
  friend class Semaphore;
  SemaphorePermit(Semaphore* semaphore, size_t count)
      : semaphore_(semaphore), count_(count) {}

  Semaphore* semaphore_;
  size_t count_;
};

/// An async, fair (FIFO) counting semaphore (tokio's Semaphore); see
/// semaphore.h.
class Semaphore {
 public:
  /// Starts with `permits` available.
  explicit Semaphore(size_t permits) : permits_(permits) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  /// What acquire() returns: waits for the permits, yields a
  /// SemaphorePermit.
  class Acquire final : public internal::Pollable {
   public:
    /// Same as semaphore.acquire(count).
    Acquire(Semaphore& semaphore, size_t count) : semaphore_(semaphore) {
      node_.needed = count;
    }
    /// Only an Acquire that was never awaited may be moved.
    Acquire(Acquire&& other) noexcept : semaphore_(other.semaphore_) {
      node_.needed = other.node_.needed;
    }
    /// Leaves the queue; permits granted to it that nobody took go back.
    ~Acquire();

    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready();
    bool await_suspend(std::coroutine_handle<> handle);
    SemaphorePermit await_resume() {
      taken_ = true;
      return SemaphorePermit(&semaphore_, node_.needed);
    }
    bool IsReady() override { return node_.IsReady(); }
    ///@}

   private:
    Semaphore& semaphore_;
    internal::WaitNode node_;
    bool taken_ = false;
  };

  /// Awaitable of a SemaphorePermit for `count` permits. Cancel safe.
  Acquire acquire(size_t count = 1) { return Acquire(*this, count); }
  /// The permits now, if no one waits before us and they are available.
  std::optional<SemaphorePermit> try_acquire(size_t count = 1);
  /// Adds permits (also what a dropped permit does).
  void add_permits(size_t count) { Release(count); }
  /// The permits not held by anyone now.
  size_t available_permits() const;

 private:
  friend class SemaphorePermit;
  void Release(size_t count);
  /// Grants the waiters at the head that fit; collects their wakers. Call
  /// with `mu_` held.
  void GrantLocked(std::vector<internal::Waker>& wake);

  mutable std::mutex mu_;
  size_t permits_;
  internal::WaitList waiters_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_SEMAPHORE_H_
