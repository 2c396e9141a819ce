/// \file
/// The state an mpsc channel's halves share (bounded and unbounded alike),
/// and the errors its calls return. Users include runtime/sync/mpsc.h.
///
/// One lock guards everything but a hand-off's end. Room is counted as
/// queued values plus `reserved` slots plus a value handed over and not yet
/// taken: a slot is reserved for a waiting send (or a Permit) before its
/// value exists, so that a sender that was granted room keeps it even if the
/// value is only pushed later, and room granted to a waiter that is
/// cancelled passes to the next one.
///
/// A value sent while recv waits on an empty queue is handed over: moved
/// into the waiting recv's slot, so that recv takes it without the lock.
/// Until recv marks it taken (`hand_in_flight`), it holds its room and keeps
/// the channel open; a recv that is cancelled before taking it puts it back
/// at the front. A sender that starts waiting for room and a recv that takes
/// a handed value each write one flag and then read the other's
/// (`send_waiting` and `hand_in_flight`, sequentially consistent), so that
/// either the sender sees the room or the recv sees the sender and grants
/// the room under the lock.

#ifndef WEFT_RUNTIME_SYNC_MPSC_CHANNEL_H_
#define WEFT_RUNTIME_SYNC_MPSC_CHANNEL_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/errors.h"
#include "runtime/internal/lock/spin_lock.h"
#include "runtime/internal/task/waker.h"
#include "runtime/sync/wait_list.h"

namespace weft::mpsc {

/// The receiver is gone or closed; the value comes back.
template <typename T>
struct SendError {
  T value;  ///< The value that was not sent.
};
/// reserve() on a channel whose receiver is gone or closed: no value to
/// return.
template <>
struct SendError<void> {};

/// Why try_send (or try_reserve) did not send.
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
/// try_reserve's error: why no slot was reserved.
template <>
struct TrySendError<void> {
  TrySendErrorKind kind;  ///< Why no slot was reserved.
};

/// Why try_recv yielded no value.
enum class TryRecvError {
  kEmpty,         ///< Nothing queued now; senders remain.
  kDisconnected,  ///< Nothing queued, and nothing can come any more.
};

namespace internal {

using weft::internal::WaitList;
using weft::internal::WaitNode;
using weft::internal::Waker;

/// A WaitNode granted this way was woken because the channel closed, not
/// because room was reserved for it.
inline constexpr size_t kWokenByClose = 1;

// Wakes each waker once and drops it.
inline void WakeAll(std::vector<Waker>& wake) {
  for (Waker& waker : wake) std::move(waker).wake_and_drop();
}

template <typename T>
struct Channel : std::enable_shared_from_this<Channel<T>> {
  /// An unbounded channel's capacity: never full.
  static constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();

  explicit Channel(size_t capacity) : capacity(capacity) {}

  weft::internal::SpinLock mu;
  std::deque<T> queue;
  const size_t capacity;
  size_t reserved = 0;  ///< room granted to senders, not yet filled
  size_t senders = 1;   ///< live Senders (weak ones do not count)
  bool receiver_alive = true;
  bool receiver_closed = false;  ///< close() called, or the receiver is gone
  WaitList send_waiters;
  /// Set (under `mu`) before a sender starts waiting; read without the lock
  /// by a recv that took a handed value. May stay set after the waiters are
  /// gone: then the recv only takes the lock for nothing.
  std::atomic<bool> send_waiting{false};
  Waker receiver_waker;
  /// The waiting recv's slot for a value handed over; null unless a recv
  /// waits (and cleared with its waker).
  std::optional<T>* receiver_slot = nullptr;
  /// A value was handed over and not taken yet: it holds room. Set under
  /// `mu` by the send; cleared by the recv, without the lock, when it takes
  /// the value (or under `mu` when it puts it back).
  std::atomic<bool> hand_in_flight{false};
  /// Whether receiver_waker is the waker of a recv that waits and that no
  /// push or end of the channel has taken yet. Read without the lock by the
  /// waiting recv's IsReady: once the waker is taken, recv is ready for good
  /// (only the receiver pops, and a finished channel stays finished).
  std::atomic<bool> receiver_waiting{false};

  /// The waiting recv registers itself, with the slot a send may hand its
  /// value to (null: always queue). Call with `mu` held.
  void SetReceiverWakerLocked(Waker waker, std::optional<T>* slot) {
    receiver_waker = std::move(waker);
    receiver_slot = slot;
    receiver_waiting.store(true, std::memory_order_relaxed);
  }
  /// Takes the receiver's waker to wake it (after the lock). Call with `mu`
  /// held, after making recv ready.
  Waker TakeReceiverWakerLocked() {
    receiver_slot = nullptr;
    receiver_waiting.store(false, std::memory_order_release);
    return std::move(receiver_waker);
  }

  /// Values in the channel: queued, or handed over and not yet taken.
  size_t LenLocked() const {
    bool in_hand = hand_in_flight.load(std::memory_order_seq_cst);
    return queue.size() + (in_hand ? 1 : 0);
  }
  /// Whether a send may reserve a slot now (FIFO: not past waiting senders).
  bool HasRoomLocked() const {
    return send_waiters.empty() && LenLocked() + reserved < capacity;
  }
  /// Room left for new values (tokio's Sender::capacity).
  size_t RoomLocked() const {
    size_t used = LenLocked() + reserved;
    return used < capacity ? capacity - used : 0;
  }
  /// A sender is about to wait: says so to a recv taking a handed value,
  /// then looks again. True if there is room after all. Call with `mu` held.
  bool MarkSendWaitingLocked() {
    send_waiting.store(true, std::memory_order_seq_cst);
    return HasRoomLocked();
  }
  /// Nothing queued and nothing can arrive: recv yields std::nullopt. A
  /// reserved slot can still be filled, so it keeps the channel open.
  bool FinishedLocked() const {
    return LenLocked() == 0 && reserved == 0 &&
           (senders == 0 || receiver_closed);
  }
  /// Whether recv would complete now.
  bool RecvReadyLocked() const { return !queue.empty() || FinishedLocked(); }

  /// Pushes under the lock; returns the receiver's waker to wake after it.
  /// A value pushed after the receiver is gone is dropped (after the lock).
  Waker PushLocked(T value, std::optional<T>& dropped) {
    if (!receiver_alive) {
      dropped.emplace(std::move(value));
      return Waker();
    }
    if (receiver_slot != nullptr) {
      // recv waits, so the queue is empty: nothing to overtake.
      receiver_slot->emplace(std::move(value));
      hand_in_flight.store(true, std::memory_order_relaxed);
    } else {
      queue.push_back(std::move(value));
    }
    return TakeReceiverWakerLocked();
  }
  /// Gives back one reserved slot: to the next waiting sender, and wakes
  /// the receiver if that was the last thing keeping a closed channel open.
  void UnreserveLocked(std::vector<Waker>& wake) {
    --reserved;
    GrantLocked(wake);
    if (FinishedLocked() && receiver_waker) {
      wake.push_back(TakeReceiverWakerLocked());
    }
  }
  /// Grants freed room to waiting senders, in order. Call with `mu` held.
  void GrantLocked(std::vector<Waker>& wake) {
    while (!receiver_closed && !send_waiters.empty() &&
           LenLocked() + reserved < capacity) {
      WaitNode* node = send_waiters.PopFront();
      ++reserved;
      wake.push_back(std::move(node->waker));
      node->Grant();
    }
    if (send_waiters.empty()) {
      send_waiting.store(false, std::memory_order_relaxed);
    }
  }
  /// A recv took the handed value: its room is free. Without the lock.
  void TakeHandedValue(std::vector<Waker>& wake) {
    hand_in_flight.store(false, std::memory_order_seq_cst);
    if (!send_waiting.load(std::memory_order_seq_cst)) return;
    std::lock_guard lock(mu);
    GrantLocked(wake);
  }
  /// A recv cancelled after a value was handed to it and before taking it:
  /// the value goes back to the front, where it was. Call with `mu` held.
  void ReturnHandedValueLocked(T value) {
    queue.push_front(std::move(value));
    hand_in_flight.store(false, std::memory_order_relaxed);
  }
  /// Marks the channel closed for senders; every waiting sender wakes to
  /// find it so. Call with `mu` held.
  void CloseLocked(std::vector<Waker>& wake) {
    receiver_closed = true;
    while (WaitNode* node = send_waiters.PopFront()) {
      wake.push_back(std::move(node->waker));
      node->needed = kWokenByClose;
      node->ready.store(true, std::memory_order_release);
    }
    if (FinishedLocked() && receiver_waker) {
      wake.push_back(TakeReceiverWakerLocked());
    }
  }
  /// Pops the next value into `out`, granting the freed room. Call with
  /// `mu` held and the queue not empty.
  void PopLocked(std::optional<T>& out, std::vector<Waker>& wake) {
    out.emplace(std::move(queue.front()));
    queue.pop_front();
    GrantLocked(wake);
  }
};

/// One counted sender of a channel: what Sender and UnboundedSender share.
/// The channel finishes for the receiver when the last one is gone.
template <typename T>
class SenderRef {
 public:
  explicit SenderRef(std::shared_ptr<Channel<T>> channel)
      : channel_(std::move(channel)) {}
  SenderRef(const SenderRef& other) : channel_(other.channel_) {
    if (channel_ == nullptr) return;
    std::lock_guard lock(channel_->mu);
    ++channel_->senders;
  }
  SenderRef(SenderRef&& other) noexcept : channel_(std::move(other.channel_)) {}
  SenderRef& operator=(SenderRef other) noexcept {
    std::swap(channel_, other.channel_);
    return *this;
  }
  ~SenderRef() {
    if (channel_ == nullptr) return;
    Waker waker;
    {
      std::lock_guard lock(channel_->mu);
      if (--channel_->senders == 0 && channel_->FinishedLocked()) {
        waker = channel_->TakeReceiverWakerLocked();
      }
    }
    std::move(waker).wake_and_drop();
  }

  /// The channel; throws UsageError on a moved-from sender.
  Channel<T>& Checked(const char* type) const {
    if (channel_ == nullptr) {
      throw UsageError(std::string("use of a moved-from ") + type +
                       ": keep using the Sender it was moved into, or copy a "
                       "Sender to have two");
    }
    return *channel_;
  }
  const std::shared_ptr<Channel<T>>& shared() const { return channel_; }

  /// A new counted sender if any is still alive (WeakSender::upgrade).
  static std::optional<SenderRef> Upgrade(std::shared_ptr<Channel<T>> channel) {
    {
      std::lock_guard lock(channel->mu);
      if (channel->senders == 0) return std::nullopt;
      ++channel->senders;
    }
    return SenderRef(std::move(channel));
  }

 private:
  std::shared_ptr<Channel<T>> channel_;
};

}  // namespace internal
}  // namespace weft::mpsc

#endif  // WEFT_RUNTIME_SYNC_MPSC_CHANNEL_H_
