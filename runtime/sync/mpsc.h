/// \file
/// mpsc::channel<T>(capacity): a bounded multi-producer, single-consumer
/// queue (tokio's mpsc::channel); unbounded_channel<T>() is in
/// mpsc_unbounded.h and included here.
///
/// send waits for room (senders are served in FIFO order); recv yields the
/// next value, or std::nullopt once the channel is finished (see
/// mpsc_receiver.h). reserve waits for room without a value and yields a
/// Permit that sends later without waiting. try_send / try_recv never wait;
/// blocking_send / blocking_recv are for plain threads.
///
/// No value is ever lost to cancellation: values sit in the queue until
/// recv's await completes (a recv that loses a select takes nothing), and a
/// send that waits has not yet moved its value into the channel — room granted
/// to a send (or reserve) whose task is aborted passes to the next waiting
/// sender. Values left in the channel are destroyed once, with it.

#ifndef WEFT_RUNTIME_SYNC_MPSC_H_
#define WEFT_RUNTIME_SYNC_MPSC_H_

#include <coroutine>
#include <cstddef>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/mpsc_channel.h"
#include "runtime/sync/mpsc_receiver.h"
#include "runtime/sync/mpsc_unbounded.h"  // IWYU pragma: export
#include "runtime/sync/thread_parker.h"

namespace weft::mpsc {

template <typename T>
class WeakSender;

/// One reserved slot of a bounded channel: send() fills it without waiting;
/// dropping it unsent gives the room back. Move-only.
template <typename T>
class [[nodiscard]] Permit {
 public:
  /// Move-only; the slot moves with it.
  ///@{
  Permit(Permit&& other) noexcept : channel_(std::move(other.channel_)) {}
  Permit& operator=(Permit&& other) noexcept {
    if (this != &other) {
      Release();
      channel_ = std::move(other.channel_);
    }
    return *this;
  }
  ///@}
  /// Gives the slot back unless it was used.
  ~Permit() { Release(); }

  /// Queues `value` in the reserved slot (dropped if the receiver is gone).
  /// Consumes the permit: calling it twice throws UsageError.
  void send(T value) {
    if (channel_ == nullptr) {
      throw UsageError(
          "mpsc::Permit::send on a permit already used or moved from: each "
          "permit sends one value; reserve() again for another");
    }
    std::optional<T> dropped;
    internal::Waker waker;
    {
      std::lock_guard lock(channel_->mu);
      --channel_->reserved;
      waker = channel_->PushLocked(std::move(value), dropped);
    }
    std::move(waker).wake_and_drop();
    channel_.reset();
  }

 private:
  template <typename U>
  friend class Sender;
  explicit Permit(std::shared_ptr<internal::Channel<T>> channel)
      : channel_(std::move(channel)) {}

  void Release() {
    if (channel_ == nullptr) return;
    std::vector<internal::Waker> wake;
    {
      std::lock_guard lock(channel_->mu);
      channel_->UnreserveLocked(wake);
    }
    internal::WakeAll(wake);
    channel_.reset();
  }

  std::shared_ptr<internal::Channel<T>> channel_;
};

/// The sending half of a bounded channel; copy it for more producers. The
/// channel finishes for the receiver when the last copy is gone.
template <typename T>
class Sender {
 public:
  /// Copyable and movable; a copy is one more producer.
  ///@{
  Sender(const Sender& other) : ref_((other.Checked("copy"), other.ref_)) {}
  Sender(Sender&& other) noexcept = default;
  Sender& operator=(Sender other) noexcept {
    std::swap(ref_, other.ref_);
    return *this;
  }
  ///@}
  /// One producer fewer; the last one gone wakes the receiver.
  ~Sender() = default;

  class Send;

  /// What reserve() returns: waits for room, then holds one slot.
  class Reserve : public weft::internal::Pollable {
   public:
    /// \cond
    explicit Reserve(internal::Channel<T>& channel) : channel_(&channel) {}
    /// \endcond
    /// Only a Reserve that was never awaited may be moved.
    Reserve(Reserve&& other) noexcept
        : channel_(std::exchange(other.channel_, nullptr)) {}
    /// Leaves the queue of waiting senders; room granted to it and never
    /// taken passes to the next one.
    ~Reserve() {
      // Never queued and holding nothing: no other thread knows this node.
      if (channel_ == nullptr || (!queued_ && !Holds())) return;
      std::vector<internal::Waker> wake;
      {
        std::lock_guard lock(channel_->mu);
        if (node_.linked) {
          channel_->send_waiters.Remove(&node_);
        } else if (Holds()) {
          channel_->UnreserveLocked(wake);
        }
      }
      internal::WakeAll(wake);
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
      reserved_when_ready_ = true;
      return true;
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      weft::internal::ExecContext& context =
          weft::internal::ContextFor("mpsc::Sender::send");
      std::lock_guard lock(channel_->mu);
      if (channel_->receiver_closed || channel_->HasRoomLocked() ||
          channel_->MarkSendWaitingLocked()) {
        if (!channel_->receiver_closed) ReserveLocked();
        weft::internal::YieldFrom(handle);  // Ready, but the budget is spent.
        return true;
      }
      node_.waker = internal::Waker(context.waker_target);
      channel_->send_waiters.PushBack(&node_);
      queued_ = true;
      weft::internal::SuspendOn(handle, this, weft::internal::WaitKind::kOther);
      return true;
    }
    std::expected<Permit<T>, SendError<void>> await_resume() {
      if (reserved_when_ready_) {
        // Reserved a moment ago without waiting: the slot is ours. (A
        // receiver closing since then finds the value dropped on send.)
        taken_ = true;
        return Permit<T>(channel_->shared_from_this());
      }
      std::vector<internal::Waker> wake;
      bool closed = false;
      {
        std::lock_guard lock(channel_->mu);
        if (channel_->receiver_closed) {
          closed = true;
          if (Holds()) channel_->UnreserveLocked(wake);
        }
        taken_ = true;
      }
      internal::WakeAll(wake);
      if (closed) return std::unexpected(SendError<void>{});
      return Permit<T>(channel_->shared_from_this());
    }
    bool IsReady() override { return node_.IsReady(); }
    ///@}

   private:
    // Granted a slot that no one has taken over yet.
    bool Holds() const {
      return node_.granted && node_.needed != internal::kWokenByClose &&
             !taken_;
    }
    void ReserveLocked() {
      ++channel_->reserved;
      node_.Grant();
    }

    friend class Send;

    // The Sender's channel: the Sender outlives its awaitables, as tokio's
    // borrow of &self makes it, so that a send that need not wait touches
    // no reference count.
    internal::Channel<T>* channel_;
    internal::WaitNode node_;
    bool taken_ = false;
    // await_suspend linked node_ into the channel's send_waiters.
    bool queued_ = false;
    bool reserved_when_ready_ = false;
  };

  /// What send() returns: waits for room, then sends.
  class Send final : public weft::internal::Pollable {
   public:
    /// \cond
    Send(internal::Channel<T>& channel, T value)
        : reserve_(channel), value_(std::move(value)) {}
    /// \endcond
    /// Only a Send that was never awaited may be moved.
    Send(Send&& other) noexcept
        : reserve_(std::move(other.reserve_)),
          value_(std::move(other.value_)) {}

    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    // A send that need not wait queues its value under one lock.
    bool await_ready() {
      internal::Channel<T>& channel = *reserve_.channel_;
      std::optional<T> dropped;
      internal::Waker waker;
      {
        std::lock_guard lock(channel.mu);
        if (channel.receiver_closed) {
          outcome_ = Outcome::kClosed;
          return true;
        }
        if (!channel.HasRoomLocked() || !weft::internal::TryConsumeBudget()) {
          return false;
        }
        waker = channel.PushLocked(std::move(value_), dropped);
        outcome_ = Outcome::kSent;
      }
      std::move(waker).wake_and_drop();
      return true;
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      return reserve_.await_suspend(handle);
    }
    std::expected<void, SendError<T>> await_resume() {
      if (outcome_ == Outcome::kSent) return {};
      if (outcome_ == Outcome::kClosed) {
        return std::unexpected(SendError<T>{std::move(value_)});
      }
      std::expected<Permit<T>, SendError<void>> permit =
          reserve_.await_resume();
      if (!permit.has_value()) {
        return std::unexpected(SendError<T>{std::move(value_)});
      }
      permit->send(std::move(value_));
      return {};
    }
    bool IsReady() override { return reserve_.IsReady(); }
    ///@}

   private:
    // What await_ready did; kPending: it waits, through reserve_.
    enum class Outcome { kPending, kSent, kClosed };

    Reserve reserve_;
    T value_;
    Outcome outcome_ = Outcome::kPending;
  };

  /// Awaitable of std::expected<void, SendError<T>>: waits for room. If the
  /// await is cancelled, the value was not sent. The awaitable uses this
  /// Sender's channel: keep the Sender alive until it is done (as a tokio
  /// send future borrows its sender).
  Send send(T value) const { return Send(*Checked("send"), std::move(value)); }

  /// Awaitable of std::expected<Permit<T>, SendError<void>>: waits for room
  /// and holds one slot for a later Permit::send. Cancel safe. Keep the
  /// Sender alive until the awaitable is done; the Permit needs nothing.
  Reserve reserve() const { return Reserve(*Checked("reserve")); }

  /// A slot now if there is room, else why not; never waits.
  std::expected<Permit<T>, TrySendError<void>> try_reserve() const {
    const std::shared_ptr<internal::Channel<T>>& channel =
        Checked("try_reserve");
    std::lock_guard lock(channel->mu);
    if (channel->receiver_closed) {
      return std::unexpected(TrySendError<void>{TrySendErrorKind::kClosed});
    }
    if (!channel->HasRoomLocked()) {
      return std::unexpected(TrySendError<void>{TrySendErrorKind::kFull});
    }
    ++channel->reserved;
    return Permit<T>(channel);
  }

  /// Sends now if there is room, else gives the value back with the reason;
  /// never waits.
  std::expected<void, TrySendError<T>> try_send(T value) const {
    internal::Channel<T>& channel = *Checked("try_send");
    std::optional<T> dropped;
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
      waker = channel.PushLocked(std::move(value), dropped);
    }
    std::move(waker).wake_and_drop();
    return {};
  }

  /// send() for a plain thread: blocks it until there is room. Throws
  /// UsageError inside a runtime task (use `co_await send(value)` there).
  std::expected<void, SendError<T>> blocking_send(T value) const {
    internal::Channel<T>& channel = *Checked("blocking_send");
    weft::internal::ThreadParker::CheckNotInRuntime(
        "mpsc::Sender::blocking_send", "co_await sender.send(value)");
    weft::internal::ThreadParker* parker = nullptr;
    internal::WaitNode node;
    std::optional<T> dropped;
    internal::Waker receiver;
    bool closed = false;
    {
      std::unique_lock lock(channel.mu);
      if (!channel.receiver_closed && !channel.HasRoomLocked() &&
          !channel.MarkSendWaitingLocked()) {
        parker = weft::internal::ThreadParker::Create();
        node.waker = parker->MakeWaker();
        channel.send_waiters.PushBack(&node);
        while (!node.IsReady()) {
          lock.unlock();
          parker->Park();
          lock.lock();
        }
      }
      closed = channel.receiver_closed;
      bool granted = node.granted && node.needed != internal::kWokenByClose;
      if (closed) {
        std::vector<internal::Waker> wake;
        if (granted) channel.UnreserveLocked(wake);  // nobody's room now
        lock.unlock();
        internal::WakeAll(wake);
      } else {
        if (granted) --channel.reserved;  // the slot this send was granted
        receiver = channel.PushLocked(std::move(value), dropped);
      }
    }
    if (parker != nullptr) parker->Release();
    if (closed) return std::unexpected(SendError<T>{std::move(value)});
    receiver.wake();
    return {};
  }

  /// A sender that does not keep the channel open (see WeakSender).
  WeakSender<T> downgrade() const {
    return WeakSender<T>(Checked("downgrade"));
  }

  /// True once the receiver is gone or closed: sends would fail.
  bool is_closed() const {
    internal::Channel<T>& channel = *Checked("is_closed");
    std::lock_guard lock(channel.mu);
    return channel.receiver_closed;
  }
  /// The room left now: max_capacity() minus the values queued and the
  /// slots reserved (tokio's Sender::capacity).
  size_t capacity() const {
    internal::Channel<T>& channel = *Checked("capacity");
    std::lock_guard lock(channel.mu);
    return channel.RoomLocked();
  }
  /// The capacity the channel was made with.
  size_t max_capacity() const { return Checked("max_capacity")->capacity; }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(size_t);
  friend class WeakSender<T>;
  explicit Sender(internal::SenderRef<T> ref) : ref_(std::move(ref)) {}

  const std::shared_ptr<internal::Channel<T>>& Checked(const char* call) const {
    (void)call;
    ref_.Checked("mpsc::Sender");
    return ref_.shared();
  }

  internal::SenderRef<T> ref_;
};

/// A sender that does not count: the channel finishes when the last Sender
/// is gone even if WeakSenders remain. upgrade() yields a Sender while one
/// still exists.
template <typename T>
class WeakSender {
 public:
  /// A Sender if any Sender is still alive, else std::nullopt.
  std::optional<Sender<T>> upgrade() const {
    std::optional<internal::SenderRef<T>> ref =
        internal::SenderRef<T>::Upgrade(channel_);
    if (!ref.has_value()) return std::nullopt;
    return Sender<T>(std::move(*ref));
  }

 private:
  friend class Sender<T>;
  explicit WeakSender(std::shared_ptr<internal::Channel<T>> channel)
      : channel_(std::move(channel)) {}

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
  return {Sender<T>(internal::SenderRef<T>(shared)),
          Receiver<T>(std::move(shared))};
}

}  // namespace weft::mpsc

#endif  // WEFT_RUNTIME_SYNC_MPSC_H_
