/// \file
/// oneshot::channel<T>(): a single value from one Sender to one Receiver.
///
/// Sender::send(value) fails, handing the value back, when the Receiver is
/// gone. Awaiting the Receiver yields the value, or RecvError when the Sender
/// was dropped without sending. A value sent to a Receiver that is then
/// dropped (its task aborted) is destroyed exactly once, with the channel.

#ifndef WEFT_RUNTIME_SYNC_ONESHOT_H_
#define WEFT_RUNTIME_SYNC_ONESHOT_H_

#include <atomic>
#include <coroutine>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/waker.h"

namespace weft::oneshot {

/// The Sender was dropped without sending (or the value was already taken).
struct RecvError {
  /// Every RecvError is equal to every other.
  friend bool operator==(RecvError, RecvError) = default;
};
/// Why try_recv yielded no value.
enum class TryRecvError {
  kEmpty,   ///< Nothing sent yet; the Sender is still there.
  kClosed,  ///< The Sender is gone without sending, or the value was taken.
};

namespace internal {

template <typename T>
struct State {
  std::mutex mu;
  std::optional<T> value;
  bool receiver_alive = true;
  /// Set once a value was sent or the Sender is gone: the Receiver may go.
  std::atomic<bool> complete{false};
  weft::internal::Waker receiver_waker;
};

}  // namespace internal

template <typename T>
class Receiver;

/// The sending half of a oneshot channel: sends one value.
template <typename T>
class Sender {
 public:
  /// Move-only. Assigning over a sender that has not sent closes its channel
  /// (its Receiver gets RecvError).
  ///@{
  Sender(Sender&&) noexcept = default;
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      Close();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ///@}
  /// If nothing was sent, the Receiver gets RecvError.
  ~Sender() { Close(); }

  /// Sends `value`; returns it back if the Receiver is gone.
  std::expected<void, T> send(T value) {
    if (state_ == nullptr) {
      throw UsageError(
          "oneshot::Sender::send on a sender that already sent: a oneshot "
          "carries one value; use an mpsc channel for several");
    }
    auto state = std::move(state_);
    weft::internal::Waker waker;
    {
      std::lock_guard lock(state->mu);
      if (!state->receiver_alive) return std::unexpected(std::move(value));
      state->value.emplace(std::move(value));
      state->complete.store(true, std::memory_order_release);
      waker = std::move(state->receiver_waker);
    }
    std::move(waker).wake_and_drop();
    return {};
  }

  /// True once the Receiver was dropped.
  bool is_closed() const {
    if (state_ == nullptr) return true;
    std::lock_guard lock(state_->mu);
    return !state_->receiver_alive;
  }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel();
  explicit Sender(std::shared_ptr<internal::State<T>> state)
      : state_(std::move(state)) {}

  void Close() {
    if (state_ == nullptr) return;
    weft::internal::Waker waker;
    {
      std::lock_guard lock(state_->mu);
      state_->complete.store(true, std::memory_order_release);
      waker = std::move(state_->receiver_waker);
    }
    std::move(waker).wake_and_drop();
    state_.reset();
  }

  std::shared_ptr<internal::State<T>> state_;
};

/// The receiving half of a oneshot channel: awaiting it yields the value.
template <typename T>
class Receiver {
 public:
  /// Move-only. Assigning over a receiver closes its channel.
  ///@{
  Receiver(Receiver&& other) noexcept : state_(std::move(other.state_)) {}
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      Close();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ///@}
  /// Closes the channel; a value sent and not taken is destroyed.
  ~Receiver() { Close(); }

  /// Awaiting the receiver yields the value or RecvError. Cancel safe: the
  /// value is taken only when the await completes.
  class Awaiter final : public weft::internal::Pollable {
   public:
    /// \cond
    explicit Awaiter(internal::State<T>* state) : state_(state) {}
    /// \endcond
    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready() {
      return state_ == nullptr ||
             (state_->complete.load(std::memory_order_acquire) &&
              weft::internal::TryConsumeBudget());
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      weft::internal::ExecContext& context =
          weft::internal::ContextFor("oneshot::Receiver");
      {
        std::lock_guard lock(state_->mu);
        if (!state_->complete.load(std::memory_order_acquire)) {
          state_->receiver_waker = weft::internal::Waker(context.waker_target);
          weft::internal::SuspendOn(handle, this,
                                    weft::internal::WaitKind::kOther);
          return true;
        }
      }
      weft::internal::YieldFrom(handle);  // Complete, but the budget is spent.
      return true;
    }
    std::expected<T, RecvError> await_resume() {
      if (state_ == nullptr) return std::unexpected(RecvError{});
      std::lock_guard lock(state_->mu);
      if (!state_->value.has_value()) return std::unexpected(RecvError{});
      T value = std::move(*state_->value);
      state_->value.reset();
      return value;
    }
    bool IsReady() override {
      return state_->complete.load(std::memory_order_acquire);
    }
    ///@}

   private:
    internal::State<T>* state_;
  };
  /// Awaits the value (std::expected<T, RecvError>); see Awaiter.
  ///@{
  Awaiter operator co_await() & { return Awaiter(state_.get()); }
  Awaiter operator co_await() && { return Awaiter(state_.get()); }
  ///@}

  /// The value if it was sent, else why not; never waits.
  std::expected<T, TryRecvError> try_recv() {
    if (state_ == nullptr) return std::unexpected(TryRecvError::kClosed);
    std::lock_guard lock(state_->mu);
    if (state_->value.has_value()) {
      T value = std::move(*state_->value);
      state_->value.reset();
      return value;
    }
    return std::unexpected(state_->complete.load(std::memory_order_acquire)
                               ? TryRecvError::kClosed
                               : TryRecvError::kEmpty);
  }

  /// Refuses the value from now on; one sent already is dropped.
  void close() { Close(); }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel();
  explicit Receiver(std::shared_ptr<internal::State<T>> state)
      : state_(std::move(state)) {}

  void Close() {
    if (state_ == nullptr) return;
    std::optional<T> dropped;
    {
      std::lock_guard lock(state_->mu);
      state_->receiver_alive = false;
      if (state_->value.has_value()) {
        dropped.emplace(std::move(*state_->value));
        state_->value.reset();
      }
      state_->receiver_waker = weft::internal::Waker();
    }
    state_.reset();
  }

  std::shared_ptr<internal::State<T>> state_;
};

/// A channel for one value (tokio's oneshot::channel): the Sender and the
/// Receiver.
template <typename T>
std::pair<Sender<T>, Receiver<T>> channel() {
  auto state = std::make_shared<internal::State<T>>();
  return {Sender<T>(state), Receiver<T>(state)};
}

}  // namespace weft::oneshot

#endif  // WEFT_RUNTIME_SYNC_ONESHOT_H_
