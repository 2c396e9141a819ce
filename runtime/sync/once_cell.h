/// \file
/// OnceCell<T>: a value set at most once, with async initialization (tokio's
/// sync::OnceCell): lazily opened clients, caches, configuration.
///
///   weft::OnceCell<Client> client;
///   const Client& c = co_await client.get_or_init(ConnectToServer);
///
/// get_or_init runs one initializer at a time: the first caller runs its
/// function while the others wait, then every waiter gets the value. If the
/// initializing task is cancelled (aborted, or it lost a select) or its
/// function throws, the next waiter runs its own function. Once set, the
/// value never changes (except through take() by an owner with exclusive
/// access) and reading it is one atomic load.

#ifndef WEFT_RUNTIME_SYNC_ONCE_CELL_H_
#define WEFT_RUNTIME_SYNC_ONCE_CELL_H_

#include <atomic>
#include <expected>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "runtime/sync/semaphore.h"
#include "runtime/task.h"

namespace weft {

/// Why OnceCell::set did not set; the value comes back.
template <typename T>
struct SetError {
  /// Why.
  enum class Kind {
    kAlreadyInitialized,  ///< The cell holds a value.
    kInitializing,        ///< get_or_init is running an initializer now.
  };
  Kind kind;  ///< Why the value was not set.
  T value;    ///< The value, returned to the caller.
};

/// A value set at most once, with async initialization; see once_cell.h.
template <typename T>
class OnceCell {
 public:
  /// An empty cell.
  OnceCell() = default;
  /// A cell that already holds `value`.
  explicit OnceCell(T value) : value_(std::move(value)) {
    initialized_.store(true, std::memory_order_release);
    semaphore_.forget_permits(1);
    Open();
  }
  OnceCell(const OnceCell&) = delete;
  OnceCell& operator=(const OnceCell&) = delete;

  /// Whether the cell holds a value.
  bool initialized() const {
    return initialized_.load(std::memory_order_acquire);
  }
  /// The value, or nullptr while the cell is empty.
  const T* get() const { return initialized() ? &*value_ : nullptr; }
  /// The value for an owner with exclusive access, or nullptr.
  T* get_mut() { return initialized() ? &*value_ : nullptr; }

  /// Sets the value if the cell is empty and no initializer is running;
  /// else gives it back with the reason.
  std::expected<void, SetError<T>> set(T value) {
    using Kind = typename SetError<T>::Kind;
    if (initialized()) {
      return std::unexpected(
          SetError<T>{Kind::kAlreadyInitialized, std::move(value)});
    }
    std::optional<SemaphorePermit> permit = semaphore_.try_acquire(1);
    if (!permit.has_value()) {
      Kind kind =
          initialized() ? Kind::kAlreadyInitialized : Kind::kInitializing;
      return std::unexpected(SetError<T>{kind, std::move(value)});
    }
    Store(std::move(value), *permit);
    return {};
  }

  /// The value, initializing it first with `init()` (a callable returning
  /// Task<T>) if the cell is empty; see once_cell.h for who runs `init`.
  template <typename Init>
  Task<std::reference_wrapper<const T>> get_or_init(Init init) {
    if (!initialized()) {
      SemaphorePermit permit = co_await semaphore_.acquire(1);
      if (!initialized()) {
        Task<T> task = init();
        T value = co_await std::move(task);
        Store(std::move(value), permit);
      }
    }
    co_return std::cref(*value_);
  }

  /// get_or_init for an initializer that can fail: `init()` returns
  /// Task<absl::StatusOr<T>>. An error is returned to this caller and leaves
  /// the cell empty, so the next waiter tries its own initializer.
  template <typename Init>
  Task<absl::StatusOr<std::reference_wrapper<const T>>> get_or_try_init(
      Init init) {
    if (!initialized()) {
      SemaphorePermit permit = co_await semaphore_.acquire(1);
      if (!initialized()) {
        Task<absl::StatusOr<T>> task = init();
        absl::StatusOr<T> value = co_await std::move(task);
        if (!value.ok()) co_return value.status();
        Store(*std::move(value), permit);
      }
    }
    co_return std::cref(*value_);
  }

  /// Empties the cell and returns its value, for an owner with exclusive
  /// access (no get_or_init running).
  std::optional<T> take() {
    if (!initialized()) return std::nullopt;
    std::optional<T> taken = std::move(value_);
    value_.reset();
    initialized_.store(false, std::memory_order_release);
    semaphore_.forget_permits(kOpen - 1);  // back to one initializer
    return taken;
  }

 private:
  // Once set, every waiter and later caller gets a permit at once.
  static constexpr size_t kOpen = std::numeric_limits<size_t>::max() / 4;

  void Store(T value, SemaphorePermit& permit) {
    value_.emplace(std::move(value));
    initialized_.store(true, std::memory_order_release);
    permit.forget();
    Open();
  }
  void Open() { semaphore_.add_permits(kOpen); }

  Semaphore semaphore_{1};
  std::atomic<bool> initialized_{false};
  std::optional<T> value_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_ONCE_CELL_H_
