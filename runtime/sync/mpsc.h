/// \file
/// mpsc::channel<T>(capacity): a bounded multi-producer, single-consumer
/// queue (tokio's mpsc::channel).
///
/// send waits for room (senders are served in FIFO order); recv yields the
/// next value, or std::nullopt once every Sender is gone and the queue is
/// empty. try_send / try_recv never wait.
///
/// No value is ever lost to cancellation: values sit in the queue until
/// recv's await completes (a recv that loses a select takes nothing), and a
/// send that waits has not yet moved its value into the channel — room granted
/// to a send whose task is aborted passes to the next waiting sender. Values
/// left in the channel are destroyed once, with it.

#ifndef WEFT_RUNTIME_SYNC_MPSC_H_
#define WEFT_RUNTIME_SYNC_MPSC_H_

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"

namespace weft::mpsc {

/// The receiver is gone; the value comes back.
template <typename T>
struct SendError {
  T value;  ///< The value that was not sent.
};
/// Why try_send did not send.
enum class TrySendErrorKind {
  kFull,    ///< No room now.
  kClosed,  ///< The receiver is gone or closed.
};
/// try_send's error: why, and the value back.
template <typename T>
struct TrySendError {
  TrySendErrorKind kind;  ///< Why it was not sent.
  T value;                ///< The value, returned to the caller.
};
/// Why try_recv yielded no value.
enum class TryRecvError {
  kEmpty,         ///< Nothing queued now; senders remain.
  kDisconnected,  ///< Nothing queued and every Sender is gone.
};

namespace internal {

using weft::internal::WaitList;
using weft::internal::WaitNode;
using weft::internal::Waker;

template <typename T>
struct Channel {
  explicit Channel(size_t capacity) : capacity(capacity) {}

  std::mutex mu;
  std::deque<T> queue;
  size_t capacity;
  size_t reserved = 0;  ///< room granted to waiting senders, not yet filled
  size_t senders = 1;
  bool receiver_closed = false;
  WaitList send_waiters;
  Waker receiver_waker;
  /// Mirrors for lock-free readiness checks.
  std::atomic<size_t> queued{0};
  std::atomic<bool> disconnected{false};

  bool HasRoomLocked() const {
    return send_waiters.empty() && queue.size() + reserved < capacity;
  }
  /// Pushes under the lock; returns the receiver's waker to wake after it.
  Waker PushLocked(T value) {
    queue.push_back(std::move(value));
    queued.store(queue.size(), std::memory_order_release);
    return std::move(receiver_waker);
  }
  /// Grants freed room to waiting senders. Call with `mu` held.
  void GrantLocked(std::vector<Waker>& wake) {
    while (!send_waiters.empty() && queue.size() + reserved < capacity) {
      WaitNode* node = send_waiters.PopFront();
      ++reserved;
      wake.push_back(std::move(node->waker));
      node->Grant();
    }
  }
  /// Wakes every waiting sender (the receiver is gone). Call with `mu` held.
  void ReleaseSendersLocked(std::vector<Waker>& wake) {
    while (WaitNode* node = send_waiters.PopFront()) {
      wake.push_back(std::move(node->waker));
      node->needed = 1;  // marks "woken because closed"
      node->ready.store(true, std::memory_order_release);
    }
  }
};

}  // namespace internal

template <typename T>
class Receiver;

/// The sending half of a channel; copy it for more producers. The channel
/// closes for the receiver when the last copy is gone.
template <typename T>
class Sender {
 public:
  /// Copyable and movable; a copy is one more producer.
  ///@{
  Sender(const Sender& other) : channel_(other.Checked()) {
    std::lock_guard lock(channel_->mu);
    ++channel_->senders;
  }
  Sender(Sender&& other) noexcept : channel_(std::move(other.channel_)) {}
  Sender& operator=(Sender other) noexcept {
    std::swap(channel_, other.channel_);
    return *this;
  }
  ///@}
  /// One producer fewer; the last one gone wakes the receiver.
  ~Sender() { Drop(); }

  /// What send() returns: waits for room, then sends.
  class Send final : public weft::internal::Pollable {
   public:
    /// \cond
    Send(std::shared_ptr<internal::Channel<T>> channel, T value)
        : channel_(std::move(channel)), value_(std::move(value)) {}
    /// \endcond
    /// Only a Send that was never awaited may be moved.
    Send(Send&& other) noexcept
        : channel_(std::move(other.channel_)),
          value_(std::move(other.value_)) {}
    ~Send() {
      if (channel_ == nullptr) return;
      std::vector<internal::Waker> wake;
      {
        std::lock_guard lock(channel_->mu);
        if (node_.linked) {
          channel_->send_waiters.Remove(&node_);
        } else if (node_.granted && !done_) {
          --channel_->reserved;  // pass the room on
          channel_->GrantLocked(wake);
        }
      }
      for (const auto& waker : wake) waker.wake();
    }

    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready() {
      std::lock_guard lock(channel_->mu);
      if (channel_->receiver_closed) return true;
      if (!channel_->HasRoomLocked() || !weft::internal::TryConsumeBudget()) {
        return false;
      }
      ReserveLocked();
      return true;
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      weft::internal::ExecContext& context =
          weft::internal::ContextFor("mpsc::Sender::send");
      std::lock_guard lock(channel_->mu);
      if (channel_->receiver_closed || channel_->HasRoomLocked()) {
        if (!channel_->receiver_closed) ReserveLocked();
        weft::internal::YieldFrom(handle);  // Ready, but the budget is spent.
        return true;
      }
      node_.waker = internal::Waker(context.waker_target);
      channel_->send_waiters.PushBack(&node_);
      weft::internal::SuspendOn(handle, this, weft::internal::WaitKind::kOther);
      return true;
    }
    std::expected<void, SendError<T>> await_resume() {
      internal::Waker waker;
      {
        std::lock_guard lock(channel_->mu);
        done_ = true;
        if (node_.granted) --channel_->reserved;
        if (channel_->receiver_closed) {
          return std::unexpected(SendError<T>{std::move(value_)});
        }
        waker = channel_->PushLocked(std::move(value_));
      }
      waker.wake();
      return {};
    }
    bool IsReady() override { return node_.IsReady(); }
    ///@}

   private:
    /// Holds a slot for this send so that no other send takes it before
    /// await_resume pushes the value.
    void ReserveLocked() {
      ++channel_->reserved;
      node_.Grant();
    }

    std::shared_ptr<internal::Channel<T>> channel_;
    T value_;
    internal::WaitNode node_;
    bool done_ = false;
  };

  /// Awaitable of std::expected<void, SendError<T>>: waits for room. If the
  /// await is cancelled, the value was not sent.
  Send send(T value) const { return Send(Checked(), std::move(value)); }

  /// Sends now if there is room, else gives the value back with the reason;
  /// never waits.
  std::expected<void, TrySendError<T>> try_send(T value) const {
    auto& channel = *Checked();
    internal::Waker waker;
    {
      std::lock_guard lock(channel.mu);
      if (channel.receiver_closed) {
        return std::unexpected(
            TrySendError<T>{TrySendErrorKind::kClosed, std::move(value)});
      }
      if (!channel.HasRoomLocked()) {
        return std::unexpected(
            TrySendError<T>{TrySendErrorKind::kFull, std::move(value)});
      }
      waker = channel.PushLocked(std::move(value));
    }
    waker.wake();
    return {};
  }

  /// True once the receiver is gone or closed: sends would fail.
  bool is_closed() const {
    std::lock_guard lock(Checked()->mu);
    return channel_->receiver_closed;
  }
  /// The capacity the channel was made with.
  size_t capacity() const { return Checked()->capacity; }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(size_t);
  explicit Sender(std::shared_ptr<internal::Channel<T>> channel)
      : channel_(std::move(channel)) {}

  const std::shared_ptr<internal::Channel<T>>& Checked() const {
    if (channel_ == nullptr) {
      throw UsageError(
          "use of a moved-from mpsc::Sender: keep using the Sender it was "
          "moved into, or copy a Sender to have two");
    }
    return channel_;
  }

  void Drop() {
    if (channel_ == nullptr) return;
    internal::Waker waker;
    {
      std::lock_guard lock(channel_->mu);
      if (--channel_->senders == 0) {
        channel_->disconnected.store(true, std::memory_order_release);
        waker = std::move(channel_->receiver_waker);
      }
    }
    waker.wake();
    channel_.reset();
  }

  std::shared_ptr<internal::Channel<T>> channel_;
};

/// The receiving half of a channel (its single consumer).
template <typename T>
class Receiver {
 public:
  /// Move-only. Assigning over a receiver closes its channel.
  ///@{
  Receiver(Receiver&&) noexcept = default;
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      Close();
      channel_ = std::move(other.channel_);
    }
    return *this;
  }
  ///@}
  /// Closes the channel and destroys the values still queued.
  ~Receiver() { Close(); }

  /// What recv() returns: waits for the next value.
  class Recv final : public weft::internal::Pollable {
   public:
    /// \cond
    explicit Recv(internal::Channel<T>& channel) : channel_(channel) {}
    /// \endcond
    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready() {
      return IsReady() && weft::internal::TryConsumeBudget();
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      weft::internal::ExecContext& context =
          weft::internal::ContextFor("mpsc::Receiver::recv");
      std::lock_guard lock(channel_.mu);
      if (IsReady()) {
        weft::internal::YieldFrom(handle);  // Ready, but the budget is spent.
        return true;
      }
      channel_.receiver_waker = internal::Waker(context.waker_target);
      weft::internal::SuspendOn(handle, this, weft::internal::WaitKind::kOther);
      return true;
    }
    std::optional<T> await_resume() {
      std::vector<internal::Waker> wake;
      std::optional<T> value;
      {
        std::lock_guard lock(channel_.mu);
        if (!channel_.queue.empty()) {
          value.emplace(std::move(channel_.queue.front()));
          channel_.queue.pop_front();
          channel_.queued.store(channel_.queue.size(),
                                std::memory_order_release);
          channel_.GrantLocked(wake);
        }
      }
      for (const auto& waker : wake) waker.wake();
      return value;
    }
    bool IsReady() override {
      return channel_.queued.load(std::memory_order_acquire) > 0 ||
             channel_.disconnected.load(std::memory_order_acquire);
    }
    ///@}

   private:
    internal::Channel<T>& channel_;
  };

  /// Awaitable of std::optional<T>: the next value, or std::nullopt once
  /// every Sender is gone and the queue is drained. Cancel safe.
  Recv recv() { return Recv(Checked()); }

  /// The next value if one is queued, else why not; never waits.
  std::expected<T, TryRecvError> try_recv() {
    internal::Channel<T>& channel = Checked();
    std::vector<internal::Waker> wake;
    std::optional<T> value;
    {
      std::lock_guard lock(channel.mu);
      if (channel.queue.empty()) {
        return std::unexpected(channel.senders == 0
                                   ? TryRecvError::kDisconnected
                                   : TryRecvError::kEmpty);
      }
      value.emplace(std::move(channel.queue.front()));
      channel.queue.pop_front();
      channel.queued.store(channel.queue.size(), std::memory_order_release);
      channel.GrantLocked(wake);
    }
    for (const auto& waker : wake) waker.wake();
    return std::move(*value);
  }

  /// Refuses further sends; values already queued can still be received.
  void close() {
    std::vector<internal::Waker> wake;
    {
      std::lock_guard lock(Checked().mu);
      channel_->receiver_closed = true;
      channel_->ReleaseSendersLocked(wake);
    }
    for (const auto& waker : wake) waker.wake();
  }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(size_t);
  explicit Receiver(std::shared_ptr<internal::Channel<T>> channel)
      : channel_(std::move(channel)) {}

  internal::Channel<T>& Checked() const {
    if (channel_ == nullptr) {
      throw UsageError(
          "use of a moved-from mpsc::Receiver: receive through the Receiver "
          "it was moved into (a channel has one Receiver)");
    }
    return *channel_;
  }

  void Close() {
    if (channel_ == nullptr) return;
    std::deque<T> dropped;
    std::vector<internal::Waker> wake;
    {
      std::lock_guard lock(channel_->mu);
      channel_->receiver_closed = true;
      channel_->ReleaseSendersLocked(wake);
      dropped.swap(channel_->queue);
      channel_->queued.store(0, std::memory_order_release);
      channel_->receiver_waker = internal::Waker();
    }
    for (const auto& waker : wake) waker.wake();
    channel_.reset();
  }

  std::shared_ptr<internal::Channel<T>> channel_;
};

/// A channel with room for `capacity` values: the Sender and the Receiver.
/// Throws UsageError for a capacity of 0 (use a oneshot or Notify instead).
template <typename T>
std::pair<Sender<T>, Receiver<T>> channel(size_t capacity) {
  if (capacity == 0) {
    throw UsageError(
        "mpsc::channel with capacity 0: the capacity must be at "
        "least 1");
  }
  auto shared = std::make_shared<internal::Channel<T>>(capacity);
  return {Sender<T>(shared), Receiver<T>(std::move(shared))};
}

}  // namespace weft::mpsc

#endif  // WEFT_RUNTIME_SYNC_MPSC_H_
