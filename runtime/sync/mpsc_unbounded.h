/// \file
/// mpsc::unbounded_channel<T>(): a multi-producer, single-consumer queue
/// without a bound (tokio's mpsc::unbounded_channel). Sending never waits:
/// UnboundedSender::send is a plain call that queues the value or, once the
/// receiver is gone or closed, gives it back. The receiving half is the
/// same mpsc::Receiver<T> as a bounded channel's. Users include
/// runtime/sync/mpsc.h.
///
/// Nothing pushes back on a fast producer: memory grows with the queue. Use
/// a bounded channel where the consumer may fall behind.

#ifndef WEFT_RUNTIME_SYNC_MPSC_UNBOUNDED_H_
#define WEFT_RUNTIME_SYNC_MPSC_UNBOUNDED_H_

#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "runtime/sync/mpsc_channel.h"
#include "runtime/sync/mpsc_receiver.h"

namespace weft::mpsc {

template <typename T>
class WeakUnboundedSender;

/// The sending half of an unbounded channel; copy it for more producers.
/// The channel finishes for the receiver when the last copy is gone.
template <typename T>
class UnboundedSender {
 public:
  /// Copyable and movable; a copy is one more producer.
  ///@{
  UnboundedSender(const UnboundedSender& other)
      : ref_((other.Checked(), other.ref_)) {}
  UnboundedSender(UnboundedSender&& other) noexcept = default;
  UnboundedSender& operator=(UnboundedSender other) noexcept {
    std::swap(ref_, other.ref_);
    return *this;
  }
  ///@}
  /// One producer fewer; the last one gone wakes the receiver.
  ~UnboundedSender() = default;

  /// Queues `value` at once, or gives it back if the receiver is gone or
  /// closed. Never waits; may be called from any thread.
  std::expected<void, SendError<T>> send(T value) const {
    internal::Channel<T>& channel = Checked();
    std::optional<T> dropped;
    internal::Waker waker;
    {
      std::lock_guard lock(channel.mu);
      if (channel.receiver_closed) {
        return std::unexpected(SendError<T>{std::move(value)});
      }
      waker = channel.PushLocked(std::move(value), dropped);
    }
    std::move(waker).wake_and_drop();
    return {};
  }

  /// True once the receiver is gone or closed: sends would fail.
  bool is_closed() const {
    internal::Channel<T>& channel = Checked();
    std::lock_guard lock(channel.mu);
    return channel.receiver_closed;
  }

  /// A sender that does not keep the channel open (see WeakUnboundedSender).
  WeakUnboundedSender<T> downgrade() const {
    Checked();
    return WeakUnboundedSender<T>(ref_.shared());
  }

 private:
  template <typename U>
  friend std::pair<UnboundedSender<U>, Receiver<U>> unbounded_channel();
  friend class WeakUnboundedSender<T>;
  explicit UnboundedSender(internal::SenderRef<T> ref) : ref_(std::move(ref)) {}

  internal::Channel<T>& Checked() const {
    return ref_.Checked("mpsc::UnboundedSender");
  }

  internal::SenderRef<T> ref_;
};

/// An unbounded sender that does not count: the channel finishes when the
/// last UnboundedSender is gone even if weak ones remain.
template <typename T>
class WeakUnboundedSender {
 public:
  /// An UnboundedSender if any is still alive, else std::nullopt.
  std::optional<UnboundedSender<T>> upgrade() const {
    std::optional<internal::SenderRef<T>> ref =
        internal::SenderRef<T>::Upgrade(channel_);
    if (!ref.has_value()) return std::nullopt;
    return UnboundedSender<T>(std::move(*ref));
  }

 private:
  friend class UnboundedSender<T>;
  explicit WeakUnboundedSender(std::shared_ptr<internal::Channel<T>> channel)
      : channel_(std::move(channel)) {}

  std::shared_ptr<internal::Channel<T>> channel_;
};

/// An unbounded channel: the UnboundedSender and the Receiver.
template <typename T>
std::pair<UnboundedSender<T>, Receiver<T>> unbounded_channel() {
  auto shared =
      std::make_shared<internal::Channel<T>>(internal::Channel<T>::kUnbounded);
  return {UnboundedSender<T>(internal::SenderRef<T>(shared)),
          Receiver<T>(std::move(shared))};
}

}  // namespace weft::mpsc

#endif  // WEFT_RUNTIME_SYNC_MPSC_UNBOUNDED_H_
