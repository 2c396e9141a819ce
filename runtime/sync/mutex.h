/// \file
/// Mutex<T>: an async, fair (FIFO) mutex that owns its value; lock() yields a
/// MutexGuard through which the value is reached. Built on a one-permit
/// Semaphore, so an aborted waiter leaves no trace and a guard that is
/// dropped wakes the next waiter.
///
/// lock_owned() takes a shared_ptr to the mutex and yields an
/// OwnedMutexGuard that keeps the mutex alive, for a guard that moves into a
/// spawned task (tokio's `Arc<Mutex<T>>::lock_owned`).

#ifndef WEFT_RUNTIME_SYNC_MUTEX_H_
#define WEFT_RUNTIME_SYNC_MUTEX_H_

#include <coroutine>
#include <memory>
#include <optional>
#include <utility>

#include "runtime/sync/semaphore.h"

namespace weft {

template <typename T>
class Mutex;

/// Holds a Mutex<T> locked and gives access to its value; dropping it
/// unlocks and wakes the next waiter.
template <typename T>
class [[nodiscard]] MutexGuard {
 public:
  /// Move-only; the lock moves with the guard.
  ///@{
  MutexGuard(MutexGuard&&) noexcept = default;
  MutexGuard& operator=(MutexGuard&&) noexcept = default;
  ///@}

  /// The value the mutex owns.
  ///@{
  T& operator*() const { return *value_; }
  T* operator->() const { return value_; }
  ///@}

 private:
  friend class Mutex<T>;
  MutexGuard(SemaphorePermit permit, T* value)
      : permit_(std::move(permit)), value_(value) {}

  SemaphorePermit permit_;
  T* value_;
};

/// A MutexGuard that also keeps its Mutex alive (see Mutex::lock_owned).
template <typename T>
class [[nodiscard]] OwnedMutexGuard {
 public:
  /// Move-only; the lock and the mutex move with the guard.
  ///@{
  OwnedMutexGuard(OwnedMutexGuard&&) noexcept = default;
  OwnedMutexGuard& operator=(OwnedMutexGuard&&) noexcept = default;
  ///@}

  /// The value the mutex owns.
  ///@{
  T& operator*() const { return *value_; }
  T* operator->() const { return value_; }
  ///@}
  /// The mutex it holds locked.
  const std::shared_ptr<Mutex<T>>& mutex() const { return mutex_; }

 private:
  friend class Mutex<T>;
  OwnedMutexGuard(std::shared_ptr<Mutex<T>> mutex, SemaphorePermit permit,
                  T* value)
      : mutex_(std::move(mutex)), permit_(std::move(permit)), value_(value) {}

  // Declared first: destroyed after the permit, which points into it.
  std::shared_ptr<Mutex<T>> mutex_;
  SemaphorePermit permit_;
  T* value_;
};

/// An async, fair (FIFO) mutex that owns a T; see mutex.h.
template <typename T>
class Mutex {
 public:
  /// Owns a value-initialized T.
  Mutex() requires std::default_initializable<T> : value_() {}
  /// Owns `value`.
  explicit Mutex(T value) : value_(std::move(value)) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  /// What lock() returns: waits for the lock, yields a MutexGuard<T>.
  class Lock {
   public:
    /// Same as mutex.lock().
    explicit Lock(Mutex& mutex)
        : mutex_(mutex), acquire_(mutex.semaphore_.acquire(1)) {}
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() { return acquire_.await_ready(); }
    bool await_suspend(std::coroutine_handle<> handle) {
      return acquire_.await_suspend(handle);
    }
    MutexGuard<T> await_resume() {
      return MutexGuard<T>(acquire_.await_resume(), &mutex_.value_);
    }
    ///@}

   private:
    Mutex& mutex_;
    Semaphore::Acquire acquire_;
  };

  /// What lock_owned() returns: waits for the lock, yields an
  /// OwnedMutexGuard<T>.
  class LockOwned {
   public:
    /// Same as Mutex<T>::lock_owned(mutex).
    explicit LockOwned(std::shared_ptr<Mutex> mutex)
        : mutex_(std::move(mutex)), acquire_(mutex_->semaphore_.acquire(1)) {}
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() { return acquire_.await_ready(); }
    bool await_suspend(std::coroutine_handle<> handle) {
      return acquire_.await_suspend(handle);
    }
    OwnedMutexGuard<T> await_resume() {
      SemaphorePermit permit = acquire_.await_resume();
      T* value = &mutex_->value_;
      return OwnedMutexGuard<T>(mutex_, std::move(permit), value);
    }
    ///@}

   private:
    std::shared_ptr<Mutex> mutex_;
    Semaphore::Acquire acquire_;
  };

  /// Awaitable of a MutexGuard<T>. Cancel safe.
  Lock lock() { return Lock(*this); }
  /// Awaitable of an OwnedMutexGuard<T> that keeps `mutex` alive. Cancel
  /// safe.
  static LockOwned lock_owned(std::shared_ptr<Mutex> mutex) {
    return LockOwned(std::move(mutex));
  }
  /// The owned guard if the mutex is free now, else std::nullopt.
  static std::optional<OwnedMutexGuard<T>> try_lock_owned(
      std::shared_ptr<Mutex> mutex) {
    std::optional<SemaphorePermit> permit = mutex->semaphore_.try_acquire(1);
    if (!permit.has_value()) return std::nullopt;
    T* value = &mutex->value_;
    return OwnedMutexGuard<T>(std::move(mutex), std::move(*permit), value);
  }
  /// The value, without locking: for when no one else can hold the mutex
  /// (tokio's get_mut takes `&mut self`).
  T& get_mut() { return value_; }
  /// The guard if the mutex is free now (and nobody waits), else
  /// std::nullopt; never waits.
  std::optional<MutexGuard<T>> try_lock() {
    std::optional<SemaphorePermit> permit = semaphore_.try_acquire(1);
    if (!permit.has_value()) return std::nullopt;
    return MutexGuard<T>(std::move(*permit), &value_);
  }

 private:
  Semaphore semaphore_{1};
  T value_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_MUTEX_H_
