/// \file
/// broadcast::channel<T>(capacity): a multi-producer, multi-consumer queue
/// in which every receiver sees every value (tokio's broadcast): events,
/// chat messages, invalidations.
///
/// The channel keeps the last `capacity` values (rounded up to a power of
/// two, as tokio does). A receiver that falls further behind loses the
/// oldest values: its next recv reports RecvError::Lagged with how many it
/// missed, and the one after continues from the oldest value still kept.
/// recv yields RecvError::Closed once every Sender is gone and the receiver
/// has seen everything. A value is copied to each receiver (the last one to
/// take it gets it moved) and is destroyed once every receiver has taken it
/// or it is overwritten.
///
/// recv is cancel safe: a receiver that is aborted or loses a select takes
/// nothing. A receiver made by subscribe() or resubscribe() starts with the
/// next value sent.

#ifndef WEFT_RUNTIME_SYNC_BROADCAST_H_
#define WEFT_RUNTIME_SYNC_BROADCAST_H_

#include <bit>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"

namespace weft::broadcast {

/// send() with no receiver left: the value comes back.
template <typename T>
struct SendError {
  T value;  ///< The value that was not sent.
};

/// Why recv() (or try_recv()) yielded no value.
struct RecvError {
  /// Which error.
  enum class Kind {
    kClosed,  ///< Every Sender is gone and everything was received.
    kLagged,  ///< The receiver fell behind; `missed` values were lost.
    kEmpty,   ///< try_recv only: nothing new yet, senders remain.
  };
  Kind kind;            ///< Which error.
  uint64_t missed = 0;  ///< kLagged: how many values this receiver lost.

  /// The errors by name.
  ///@{
  static RecvError Closed() { return {Kind::kClosed}; }
  static RecvError Lagged(uint64_t missed) { return {Kind::kLagged, missed}; }
  static RecvError Empty() { return {Kind::kEmpty}; }
  ///@}
  /// Equal when of the same kind and count.
  friend bool operator==(const RecvError&, const RecvError&) = default;
};

namespace internal {

using weft::internal::WaitList;
using weft::internal::WaitNode;
using weft::internal::Waker;

// Wakers taken under the lock and woken after it; a send wakes every
// waiting receiver, so there is room for a typical fan-out without
// allocating.
using WakeList = absl::InlinedVector<Waker, 16>;

// Wakes each waker once and drops it.
inline void WakeAll(WakeList& wake) {
  for (Waker& waker : wake) std::move(waker).wake_and_drop();
}

template <typename T>
struct Shared {
  struct Slot {
    T value;
    size_t remaining;  ///< receivers that have yet to take it
  };

  explicit Shared(size_t capacity) : capacity(capacity) {}

  uint64_t TailLocked() const { return head + slots.size(); }

  /// Releases the slots every receiver has taken. Their values were moved
  /// out by the last taker, so they are cheap to destroy under the lock.
  void PopTakenLocked() {
    while (!slots.empty() && slots.front().remaining == 0) {
      slots.pop_front();
      ++head;
    }
  }
  /// Wakes every waiting receiver (after the lock is released).
  void GrantAllLocked(WakeList& wake) {
    while (WaitNode* node = waiters.PopFront()) {
      wake.push_back(std::move(node->waker));
      node->Grant();
    }
  }

  std::mutex mu;
  std::deque<Slot> slots;
  uint64_t head = 0;  ///< sequence number of slots.front()
  const size_t capacity;
  size_t senders = 1;
  size_t receivers = 1;
  WaitList waiters;
};

}  // namespace internal

template <typename T>
class Receiver;

/// The sending half; copy it for more producers. Receivers see the channel
/// closed when the last copy is gone.
template <typename T>
class Sender {
 public:
  /// Copyable and movable; a copy is one more producer.
  ///@{
  Sender(const Sender& other) : shared_(other.Checked("copy").shared_) {
    std::lock_guard lock(shared_->mu);
    ++shared_->senders;
  }
  Sender(Sender&& other) noexcept : shared_(std::move(other.shared_)) {}
  Sender& operator=(Sender other) noexcept {
    std::swap(shared_, other.shared_);
    return *this;
  }
  ///@}
  /// One producer fewer; the last one gone wakes every receiver.
  ~Sender() {
    if (shared_ == nullptr) return;
    internal::WakeList wake;
    {
      std::lock_guard lock(shared_->mu);
      if (--shared_->senders == 0) shared_->GrantAllLocked(wake);
    }
    internal::WakeAll(wake);
  }

  /// Queues `value` for every current receiver and returns how many there
  /// are, or gives the value back if there is none. Never waits: when the
  /// channel is full the oldest value is dropped (its laggards will see
  /// RecvError::Lagged).
  std::expected<size_t, SendError<T>> send(T value) const {
    internal::Shared<T>& shared = *Checked("send").shared_;
    // A value some receiver had yet to take, pushed out by this one (that
    // receiver lags): destroyed after the lock.
    std::optional<typename internal::Shared<T>::Slot> dropped;
    internal::WakeList wake;
    size_t receivers = 0;
    {
      std::lock_guard lock(shared.mu);
      receivers = shared.receivers;
      if (receivers == 0) {
        return std::unexpected(SendError<T>{std::move(value)});
      }
      if (shared.slots.size() == shared.capacity) {
        dropped.emplace(std::move(shared.slots.front()));
        shared.slots.pop_front();
        ++shared.head;
      }
      shared.slots.push_back({std::move(value), receivers});
      shared.GrantAllLocked(wake);
    }
    internal::WakeAll(wake);
    return receivers;
  }

  /// A new receiver that sees the values sent from now on.
  Receiver<T> subscribe() const {
    return Receiver<T>::Subscribe(Checked("subscribe").shared_);
  }
  /// The number of receivers now.
  size_t receiver_count() const {
    internal::Shared<T>& shared = *Checked("receiver_count").shared_;
    std::lock_guard lock(shared.mu);
    return shared.receivers;
  }
  /// The number of values kept that some receiver has yet to take.
  size_t len() const {
    internal::Shared<T>& shared = *Checked("len").shared_;
    std::lock_guard lock(shared.mu);
    return shared.slots.size();
  }
  /// Whether every receiver has taken every value.
  bool is_empty() const { return len() == 0; }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(size_t);
  explicit Sender(std::shared_ptr<internal::Shared<T>> shared)
      : shared_(std::move(shared)) {}

  const Sender& Checked(const char* call) const {
    if (shared_ == nullptr) {
      throw UsageError(std::string("broadcast::Sender::") + call +
                       " on a moved-from Sender: use the Sender it was moved "
                       "into, or copy a Sender to have two");
    }
    return *this;
  }

  std::shared_ptr<internal::Shared<T>> shared_;
};

/// The receiving half: every receiver sees every value (unless it lags).
/// Move-only; resubscribe() makes another.
template <typename T>
class Receiver {
 public:
  /// Move-only.
  ///@{
  Receiver(Receiver&& other) noexcept
      : shared_(std::move(other.shared_)), next_(other.next_) {}
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      Drop();
      shared_ = std::move(other.shared_);
      next_ = other.next_;
    }
    return *this;
  }
  ///@}
  /// Releases the values this receiver had yet to take.
  ~Receiver() { Drop(); }

  /// What recv() returns: waits for the next value.
  class Recv final : public weft::internal::Pollable {
   public:
    /// \cond
    explicit Recv(Receiver& receiver) : receiver_(receiver) {}
    Recv(Recv&& other) noexcept : receiver_(other.receiver_) {}
    ~Recv() {
      if (!queued_) return;  // Never waited: nothing to unlink, no lock.
      std::lock_guard lock(receiver_.shared_->mu);
      receiver_.shared_->waiters.Remove(&node_);
    }
    /// \endcond
    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready() {
      std::lock_guard lock(receiver_.shared_->mu);
      if (!receiver_.ReadyLocked() || !weft::internal::TryConsumeBudget()) {
        return false;
      }
      // Take it now: one lock for a recv that does not wait.
      result_.emplace(receiver_.TryRecvLocked());
      return true;
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      weft::internal::ExecContext& context =
          weft::internal::ContextFor("broadcast::Receiver::recv");
      std::lock_guard lock(receiver_.shared_->mu);
      if (receiver_.ReadyLocked()) {
        weft::internal::YieldFrom(handle);  // Ready, but the budget is spent.
        return true;
      }
      node_.waker = internal::Waker(context.waker_target);
      receiver_.shared_->waiters.PushBack(&node_);
      queued_ = true;
      weft::internal::SuspendOn(handle, this, weft::internal::WaitKind::kOther);
      return true;
    }
    std::expected<T, RecvError> await_resume() {
      if (result_.has_value()) return std::move(*result_);
      std::expected<T, RecvError> result = receiver_.TryRecv();
      if (!result.has_value() && result.error() == RecvError::Empty()) {
        // Woken but nothing new (cannot happen: a grant means a send or
        // the last Sender gone). Report what the state says.
        return std::unexpected(RecvError::Closed());
      }
      return result;
    }
    bool IsReady() override { return node_.IsReady(); }
    ///@}

   private:
    Receiver& receiver_;
    internal::WaitNode node_;
    std::optional<std::expected<T, RecvError>> result_;
    bool queued_ = false;  // node_ went into the wait list
  };

  /// Awaitable of std::expected<T, RecvError>: the next value; Lagged if
  /// values were lost since the last recv; Closed once every Sender is gone
  /// and everything was received. Cancel safe.
  Recv recv() {
    Checked("recv");
    return Recv(*this);
  }

  /// The next value if there is one now, else why not (Empty, Lagged,
  /// Closed); never waits.
  std::expected<T, RecvError> try_recv() {
    Checked("try_recv");
    return TryRecv();
  }

  /// A new receiver of the same channel that sees the values sent from now
  /// on (tokio's resubscribe).
  Receiver resubscribe() const {
    Checked("resubscribe");
    return Subscribe(shared_);
  }
  /// The number of values this receiver has yet to take.
  size_t len() const {
    Checked("len");
    std::lock_guard lock(shared_->mu);
    uint64_t from = next_ > shared_->head ? next_ : shared_->head;
    return shared_->TailLocked() - from;
  }
  /// Whether this receiver has taken every value sent so far.
  bool is_empty() const { return len() == 0; }

 private:
  friend class Sender<T>;
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(size_t);
  Receiver(std::shared_ptr<internal::Shared<T>> shared, uint64_t next)
      : shared_(std::move(shared)), next_(next) {}

  static Receiver Subscribe(std::shared_ptr<internal::Shared<T>> shared) {
    uint64_t next = 0;
    {
      std::lock_guard lock(shared->mu);
      ++shared->receivers;
      next = shared->TailLocked();
    }
    return Receiver(std::move(shared), next);
  }

  void Checked(const char* call) const {
    if (shared_ == nullptr) {
      throw UsageError(std::string("broadcast::Receiver::") + call +
                       " on a moved-from Receiver: use the Receiver it was "
                       "moved into, or resubscribe() for another");
    }
  }

  bool ReadyLocked() const {
    return next_ < shared_->TailLocked() || shared_->senders == 0;
  }

  std::expected<T, RecvError> TryRecv() {
    std::lock_guard lock(shared_->mu);
    return TryRecvLocked();
  }

  std::expected<T, RecvError> TryRecvLocked() {
    internal::Shared<T>& shared = *shared_;
    if (next_ < shared.head) {
      uint64_t missed = shared.head - next_;
      next_ = shared.head;
      return std::unexpected(RecvError::Lagged(missed));
    }
    if (next_ == shared.TailLocked()) {
      return std::unexpected(shared.senders == 0 ? RecvError::Closed()
                                                 : RecvError::Empty());
    }
    typename internal::Shared<T>::Slot& slot =
        shared.slots[next_ - shared.head];
    ++next_;
    if (--slot.remaining > 0) return slot.value;  // a copy for this one
    T value = std::move(slot.value);              // the last taker moves
    shared.PopTakenLocked();
    return value;
  }

  void Drop() {
    if (shared_ == nullptr) return;
    // Values this receiver was the last to need: destroyed after the lock
    // (a slot nobody needs holds a moved-from value, see PopTakenLocked).
    std::vector<T> dropped;
    {
      std::lock_guard lock(shared_->mu);
      --shared_->receivers;
      uint64_t from = next_ > shared_->head ? next_ : shared_->head;
      for (uint64_t seq = from; seq < shared_->TailLocked(); ++seq) {
        typename internal::Shared<T>::Slot& slot =
            shared_->slots[seq - shared_->head];
        if (--slot.remaining == 0) dropped.push_back(std::move(slot.value));
      }
      shared_->PopTakenLocked();
    }
    shared_.reset();
  }

  std::shared_ptr<internal::Shared<T>> shared_;
  uint64_t next_ = 0;  ///< sequence number of the next value to take
};

/// A channel that keeps the last `capacity` values (rounded up to a power of
/// two): the Sender and the first Receiver. Throws UsageError for 0.
template <typename T>
std::pair<Sender<T>, Receiver<T>> channel(size_t capacity) {
  static_assert(std::copy_constructible<T>,
                "broadcast values are copied to each receiver");
  if (capacity == 0) {
    throw UsageError(
        "broadcast::channel with capacity 0: the capacity must be at least "
        "1");
  }
  if (capacity > (SIZE_MAX >> 1) + 1) {
    throw UsageError(
        "broadcast::channel: the capacity must be at most SIZE_MAX / 2 + 1");
  }
  auto shared = std::make_shared<internal::Shared<T>>(std::bit_ceil(capacity));
  return {Sender<T>(shared), Receiver<T>(std::move(shared), 0)};
}

}  // namespace weft::broadcast

#endif  // WEFT_RUNTIME_SYNC_BROADCAST_H_
