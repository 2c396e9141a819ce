/// \file
/// Semaphore: a fair counting semaphore. acquire(n) waits in FIFO order — a
/// waiter asking for many permits is not overtaken by later, smaller requests
/// — and yields a SemaphorePermit guard that gives the permits back when it
/// is destroyed (or keeps them out with forget()).
///
/// A waiter whose task is aborted leaves no trace: its node is unlinked, and
/// permits granted to it but never taken go back to the next waiters.
///
/// close() makes every waiting and later acquire fail with AcquireError (as
/// tokio's `acquire().await` returns Err) and try_acquire yield nothing;
/// permits already out stay valid. acquire_owned takes a shared_ptr to the
/// semaphore and yields an OwnedSemaphorePermit that keeps it alive, for a
/// permit that moves into a spawned task.

#ifndef WEFT_RUNTIME_SYNC_SEMAPHORE_H_
#define WEFT_RUNTIME_SYNC_SEMAPHORE_H_

#include <coroutine>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"

namespace weft {

class Semaphore;
class OwnedSemaphorePermit;

/// What an acquire on a closed Semaphore throws.
class AcquireError : public std::runtime_error {
 public:
  /// "semaphore closed".
  AcquireError() : std::runtime_error("semaphore closed") {}
};

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
  /// Moves `count` of its permits into a new permit, or std::nullopt if it
  /// holds fewer.
  std::optional<SemaphorePermit> split(size_t count) {
    if (count > count_) return std::nullopt;
    count_ -= count;
    return SemaphorePermit(semaphore_, count);
  }

 private:
  friend class Semaphore;
  friend class OwnedSemaphorePermit;
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
    /// Throws AcquireError if the semaphore was closed.
    SemaphorePermit await_resume() {
      taken_ = true;
      if (!node_.granted) throw AcquireError();
      return SemaphorePermit(&semaphore_, node_.needed);
    }
    bool IsReady() override { return node_.IsReady(); }
    ///@}

   private:
    Semaphore& semaphore_;
    internal::WaitNode node_;
    bool taken_ = false;
  };

  /// What acquire_owned() returns: an Acquire that keeps the semaphore
  /// alive and yields an OwnedSemaphorePermit.
  class AcquireOwned;

  /// Awaitable of a SemaphorePermit for `count` permits. Cancel safe. The
  /// await throws AcquireError if the semaphore is (or gets) closed.
  Acquire acquire(size_t count = 1) { return Acquire(*this, count); }
  /// The permits now, if no one waits before us and they are available (and
  /// the semaphore is open).
  std::optional<SemaphorePermit> try_acquire(size_t count = 1);
  /// acquire() for a permit that outlives the scope: it holds `semaphore`.
  static AcquireOwned acquire_owned(std::shared_ptr<Semaphore> semaphore,
                                    size_t count = 1);
  /// try_acquire() for a permit that holds `semaphore`.
  static std::optional<OwnedSemaphorePermit> try_acquire_owned(
      std::shared_ptr<Semaphore> semaphore, size_t count = 1);
  /// Adds permits (also what a dropped permit does).
  void add_permits(size_t count) { Release(count); }
  /// Removes up to `count` available permits; returns how many it removed.
  size_t forget_permits(size_t count);
  /// The permits not held by anyone now.
  size_t available_permits() const;
  /// Fails every waiting and later acquire with AcquireError.
  void close();
  /// Whether close() was called.
  bool is_closed() const;

 private:
  friend class SemaphorePermit;
  void Release(size_t count);
  /// Grants the waiters at the head that fit; collects their wakers. Call
  /// with `mu_` held.
  void GrantLocked(std::vector<internal::Waker>& wake);

  mutable std::mutex mu_;
  size_t permits_;
  bool closed_ = false;
  internal::WaitList waiters_;
};

/// Permits taken through acquire_owned: a SemaphorePermit that also keeps its
/// Semaphore alive, so it can move into a spawned task.
class [[nodiscard]] OwnedSemaphorePermit {
 public:
  /// Move-only; the permits and the semaphore move with it.
  ///@{
  OwnedSemaphorePermit(OwnedSemaphorePermit&&) noexcept = default;
  OwnedSemaphorePermit& operator=(OwnedSemaphorePermit&&) noexcept = default;
  ///@}
  /// Gives the permits back (unless forgotten).
  ~OwnedSemaphorePermit() = default;

  /// How many permits it holds.
  size_t count() const { return permit_.count(); }
  /// Keeps the permits out of the semaphore for good.
  void forget() { permit_.forget(); }
  /// The semaphore the permits belong to.
  const std::shared_ptr<Semaphore>& semaphore() const { return semaphore_; }

 private:
  friend class Semaphore;
  OwnedSemaphorePermit(std::shared_ptr<Semaphore> semaphore,
                       SemaphorePermit permit)
      : semaphore_(std::move(semaphore)), permit_(std::move(permit)) {}

  // Declared first: destroyed after the permit, which points into it.
  std::shared_ptr<Semaphore> semaphore_;
  SemaphorePermit permit_;
};

/// What Semaphore::acquire_owned returns: an Acquire that keeps the
/// semaphore alive and yields an OwnedSemaphorePermit.
class Semaphore::AcquireOwned {
 public:
  /// \cond
  AcquireOwned(std::shared_ptr<Semaphore> semaphore, size_t count)
      : semaphore_(std::move(semaphore)), acquire_(*semaphore_, count) {}
  /// \endcond
  /// The awaitable protocol: `co_await` calls these.
  ///@{
  bool await_ready() { return acquire_.await_ready(); }
  bool await_suspend(std::coroutine_handle<> handle) {
    return acquire_.await_suspend(handle);
  }
  OwnedSemaphorePermit await_resume() {
    return OwnedSemaphorePermit(semaphore_, acquire_.await_resume());
  }
  ///@}

 private:
  std::shared_ptr<Semaphore> semaphore_;
  Acquire acquire_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_SEMAPHORE_H_
