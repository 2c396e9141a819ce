/// \file
/// RwLock<T>: an async reader-writer lock that owns its value (tokio's
/// RwLock). Many readers or one writer at a time.
///
/// It is fair and writer-preferring, as tokio's: lock requests are served in
/// FIFO order, so a waiting writer holds back the readers that arrive after
/// it (readers cannot starve a writer). Built as tokio builds it, on a fair
/// Semaphore with max_readers permits: a read takes one, a write takes all.
/// A waiter whose task is aborted leaves no trace.
///
/// read_owned()/write_owned() take a shared_ptr to the lock and yield guards
/// that keep it alive, for a guard that moves into a spawned task (tokio's
/// `Arc<RwLock<T>>::read_owned`/`write_owned`).

#ifndef WEFT_RUNTIME_SYNC_RW_LOCK_H_
#define WEFT_RUNTIME_SYNC_RW_LOCK_H_

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "runtime/errors.h"
#include "runtime/sync/semaphore.h"

namespace weft {

template <typename T>
class RwLock;

/// Shared access to an RwLock<T>'s value; dropping it releases the read.
template <typename T>
class [[nodiscard]] RwLockReadGuard {
 public:
  /// Move-only; the read lock moves with the guard.
  ///@{
  RwLockReadGuard(RwLockReadGuard&&) noexcept = default;
  RwLockReadGuard& operator=(RwLockReadGuard&&) noexcept = default;
  ///@}

  /// The value, read-only.
  ///@{
  const T& operator*() const { return *value_; }
  const T* operator->() const { return value_; }
  ///@}

 private:
  friend class RwLock<T>;
  template <typename U>
  friend class RwLockWriteGuard;
  RwLockReadGuard(SemaphorePermit permit, const T* value)
      : permit_(std::move(permit)), value_(value) {}

  SemaphorePermit permit_;
  const T* value_;
};

/// Exclusive access to an RwLock<T>'s value; dropping it releases the
/// write and wakes the next waiters.
template <typename T>
class [[nodiscard]] RwLockWriteGuard {
 public:
  /// Move-only; the write lock moves with the guard.
  ///@{
  RwLockWriteGuard(RwLockWriteGuard&&) noexcept = default;
  RwLockWriteGuard& operator=(RwLockWriteGuard&&) noexcept = default;
  ///@}

  /// The value, writable.
  ///@{
  T& operator*() const { return *value_; }
  T* operator->() const { return value_; }
  ///@}

  /// Turns the write lock into a read lock without letting a writer in
  /// between; readers waiting at the head of the queue may then enter.
  RwLockReadGuard<T> downgrade() && {
    std::optional<SemaphorePermit> read = permit_.split(1);
    // Dropping the rest of the write permits lets the next readers in.
    { SemaphorePermit rest = std::move(permit_); }
    return RwLockReadGuard<T>(std::move(*read), value_);
  }

 private:
  friend class RwLock<T>;
  RwLockWriteGuard(SemaphorePermit permit, T* value)
      : permit_(std::move(permit)), value_(value) {}

  SemaphorePermit permit_;
  T* value_;
};

/// An RwLockReadGuard that also keeps its RwLock alive (see
/// RwLock::read_owned).
template <typename T>
class [[nodiscard]] OwnedRwLockReadGuard {
 public:
  /// Move-only; the read lock and the RwLock move with the guard.
  ///@{
  OwnedRwLockReadGuard(OwnedRwLockReadGuard&&) noexcept = default;
  OwnedRwLockReadGuard& operator=(OwnedRwLockReadGuard&&) noexcept = default;
  ///@}

  /// The value, read-only.
  ///@{
  const T& operator*() const { return *guard_; }
  const T* operator->() const { return &*guard_; }
  ///@}
  /// The lock it holds for reading.
  const std::shared_ptr<RwLock<T>>& rwlock() const { return lock_; }

 private:
  friend class RwLock<T>;
  template <typename U>
  friend class OwnedRwLockWriteGuard;
  OwnedRwLockReadGuard(std::shared_ptr<RwLock<T>> lock,
                       RwLockReadGuard<T> guard)
      : lock_(std::move(lock)), guard_(std::move(guard)) {}

  // Declared first: destroyed after the guard, which points into it.
  std::shared_ptr<RwLock<T>> lock_;
  RwLockReadGuard<T> guard_;
};

/// An RwLockWriteGuard that also keeps its RwLock alive (see
/// RwLock::write_owned).
template <typename T>
class [[nodiscard]] OwnedRwLockWriteGuard {
 public:
  /// Move-only; the write lock and the RwLock move with the guard.
  ///@{
  OwnedRwLockWriteGuard(OwnedRwLockWriteGuard&&) noexcept = default;
  OwnedRwLockWriteGuard& operator=(OwnedRwLockWriteGuard&&) noexcept = default;
  ///@}

  /// The value, writable.
  ///@{
  T& operator*() const { return *guard_; }
  T* operator->() const { return &*guard_; }
  ///@}
  /// The lock it holds for writing.
  const std::shared_ptr<RwLock<T>>& rwlock() const { return lock_; }

  /// RwLockWriteGuard::downgrade for the owned guard.
  OwnedRwLockReadGuard<T> downgrade() && {
    RwLockReadGuard<T> read = std::move(guard_).downgrade();
    return OwnedRwLockReadGuard<T>(std::move(lock_), std::move(read));
  }

 private:
  friend class RwLock<T>;
  OwnedRwLockWriteGuard(std::shared_ptr<RwLock<T>> lock,
                        RwLockWriteGuard<T> guard)
      : lock_(std::move(lock)), guard_(std::move(guard)) {}

  // Declared first: destroyed after the guard, which points into it.
  std::shared_ptr<RwLock<T>> lock_;
  RwLockWriteGuard<T> guard_;
};

/// An async, fair, writer-preferring reader-writer lock that owns a T; see
/// rw_lock.h.
template <typename T>
class RwLock {
 public:
  /// The most readers by default (tokio's MAX_READS).
  static constexpr uint32_t kMaxReaders = UINT32_MAX >> 3;

  /// Owns a value-initialized T.
  RwLock() requires std::default_initializable<T> : RwLock(T()) {}
  /// Owns `value`; at most kMaxReaders readers at once.
  explicit RwLock(T value) : RwLock(std::move(value), kMaxReaders) {}
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  /// Owns `value`; at most `max_readers` readers at once. Throws UsageError
  /// for 0 or more than kMaxReaders.
  static RwLock with_max_readers(T value, uint32_t max_readers) {
    return RwLock(std::move(value), max_readers);
  }

  /// What read() and write() return: waits for the lock, yields a guard.
  template <typename Guard, typename Value>
  class Lock {
   public:
    /// \cond
    Lock(Semaphore& semaphore, size_t permits, Value* value)
        : acquire_(semaphore.acquire(permits)), value_(value) {}
    /// \endcond
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() { return acquire_.await_ready(); }
    bool await_suspend(std::coroutine_handle<> handle) {
      return acquire_.await_suspend(handle);
    }
    Guard await_resume() { return Guard(acquire_.await_resume(), value_); }
    ///@}

   private:
    Semaphore::Acquire acquire_;
    Value* value_;
  };
  /// read()'s awaitable.
  using Read = Lock<RwLockReadGuard<T>, const T>;
  /// write()'s awaitable.
  using Write = Lock<RwLockWriteGuard<T>, T>;

  /// What read_owned() and write_owned() return: read() or write() that
  /// also keeps the lock alive, yielding an owned guard.
  template <typename Owned, typename Inner>
  class LockOwned {
   public:
    /// \cond
    LockOwned(std::shared_ptr<RwLock> lock, size_t permits)
        : lock_(std::move(lock)),
          inner_(lock_->semaphore_, permits, &lock_->value_) {}
    /// \endcond
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() { return inner_.await_ready(); }
    bool await_suspend(std::coroutine_handle<> handle) {
      return inner_.await_suspend(handle);
    }
    Owned await_resume() { return Owned(lock_, inner_.await_resume()); }
    ///@}

   private:
    std::shared_ptr<RwLock> lock_;
    Inner inner_;
  };
  /// read_owned()'s awaitable.
  using ReadOwned = LockOwned<OwnedRwLockReadGuard<T>, Read>;
  /// write_owned()'s awaitable.
  using WriteOwned = LockOwned<OwnedRwLockWriteGuard<T>, Write>;

  /// Awaitable of an RwLockReadGuard<T>: waits until no writer holds or
  /// waits ahead of it. Cancel safe.
  Read read() { return Read(semaphore_, 1, &value_); }
  /// Awaitable of an RwLockWriteGuard<T>: waits until no one holds the lock
  /// or waits ahead of it. Cancel safe.
  Write write() { return Write(semaphore_, max_readers_, &value_); }

  /// read() yielding an OwnedRwLockReadGuard<T> that keeps `lock` alive.
  /// Cancel safe.
  static ReadOwned read_owned(std::shared_ptr<RwLock> lock) {
    Checked(lock, "read_owned");
    return ReadOwned(std::move(lock), 1);
  }
  /// write() yielding an OwnedRwLockWriteGuard<T> that keeps `lock` alive.
  /// Cancel safe.
  static WriteOwned write_owned(std::shared_ptr<RwLock> lock) {
    const size_t permits = Checked(lock, "write_owned").max_readers_;
    return WriteOwned(std::move(lock), permits);
  }
  /// try_read() yielding an owned guard.
  static std::optional<OwnedRwLockReadGuard<T>> try_read_owned(
      std::shared_ptr<RwLock> lock) {
    std::optional<RwLockReadGuard<T>> guard =
        Checked(lock, "try_read_owned").try_read();
    if (!guard.has_value()) return std::nullopt;
    return OwnedRwLockReadGuard<T>(std::move(lock), std::move(*guard));
  }
  /// try_write() yielding an owned guard.
  static std::optional<OwnedRwLockWriteGuard<T>> try_write_owned(
      std::shared_ptr<RwLock> lock) {
    std::optional<RwLockWriteGuard<T>> guard =
        Checked(lock, "try_write_owned").try_write();
    if (!guard.has_value()) return std::nullopt;
    return OwnedRwLockWriteGuard<T>(std::move(lock), std::move(*guard));
  }

  /// A read guard if one can be had now (no writer holds or waits).
  std::optional<RwLockReadGuard<T>> try_read() {
    std::optional<SemaphorePermit> permit = semaphore_.try_acquire(1);
    if (!permit.has_value()) return std::nullopt;
    return RwLockReadGuard<T>(std::move(*permit), &value_);
  }
  /// A write guard if the lock is free now (and nobody waits).
  std::optional<RwLockWriteGuard<T>> try_write() {
    std::optional<SemaphorePermit> permit =
        semaphore_.try_acquire(max_readers_);
    if (!permit.has_value()) return std::nullopt;
    return RwLockWriteGuard<T>(std::move(*permit), &value_);
  }

  /// The value, without locking: for when no one else can hold the lock.
  T& get_mut() { return value_; }

 private:
  RwLock(T value, uint32_t max_readers)
      : max_readers_(Checked(max_readers)),
        semaphore_(max_readers),
        value_(std::move(value)) {}

  static RwLock& Checked(const std::shared_ptr<RwLock>& lock,
                         const char* call) {
    if (lock == nullptr) {
      throw UsageError(std::string("RwLock::") + call +
                       " with a null shared_ptr: pass the shared_ptr that "
                       "owns the lock (std::make_shared<RwLock<T>>(...))");
    }
    return *lock;
  }

  static uint32_t Checked(uint32_t max_readers) {
    if (max_readers == 0 || max_readers > kMaxReaders) {
      throw UsageError(
          "RwLock::with_max_readers: max_readers must be between 1 and "
          "RwLock::kMaxReaders (536870911)");
    }
    return max_readers;
  }

  uint32_t max_readers_;
  Semaphore semaphore_;
  T value_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_RW_LOCK_H_
