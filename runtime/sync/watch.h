/// \file
/// watch::channel<T>(initial): one value that changes over time, seen by
/// many receivers (tokio's watch): configuration, a shutdown flag, the
/// latest state of something.
///
/// The channel holds only the latest value. A receiver remembers the
/// version it has seen; `co_await rx.changed()` completes once a newer value
/// was sent (intermediate values may be skipped: a receiver always gets the
/// latest), and `borrow()` reads the value without waiting. When the Sender
/// is gone, changed() yields RecvError (after the last unseen value).
///
///   auto [tx, rx] = weft::watch::channel<Config>(LoadConfig());
///   weft::spawn([rx = std::move(rx)]() mutable -> weft::Task<void> {
///     while ((co_await rx.changed()).has_value())
///     Apply(rx.borrow_and_update());
///   });
///   tx.send(ReloadedConfig());
///
/// borrow() returns a copy, read under the channel's lock (tokio returns a
/// read guard; a copy cannot be held across a co_await by mistake). A
/// Receiver, like any awaiter, is used by one task at a time; Receivers are
/// copyable, and each copy tracks its own version. changed() is cancel safe:
/// a waiter that is aborted or loses a select takes nothing from the others.

#ifndef WEFT_RUNTIME_SYNC_WATCH_H_
#define WEFT_RUNTIME_SYNC_WATCH_H_

#include <coroutine>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/errors.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"
#include "runtime/task.h"

namespace weft::watch {

/// changed() and wait_for() after the Sender is gone.
struct RecvError {
  /// "watch channel closed".
  std::string_view message() const { return "watch channel closed"; }
  /// All RecvErrors are equal.
  friend bool operator==(RecvError, RecvError) = default;
};

/// send() with no Receiver left: the value comes back.
template <typename T>
struct SendError {
  T value;  ///< The value that was not sent.
};

namespace internal {

template <typename T>
struct State {
  explicit State(T initial) : value(std::move(initial)) {}

  // Wakes every waiter of `list` (after the lock is released).
  static void GrantAllLocked(weft::internal::WaitList& list,
                             std::vector<weft::internal::Waker>& wake) {
    while (weft::internal::WaitNode* node = list.PopFront()) {
      wake.push_back(std::move(node->waker));
      node->Grant();
    }
  }

  std::mutex mu;
  T value;
  uint64_t version = 0;  // bumped by every send
  bool sender_alive = true;
  size_t receivers = 0;
  weft::internal::WaitList changed_waiters;
  weft::internal::WaitList closed_waiters;  // Sender::closed()
};

inline void WakeAll(const std::vector<weft::internal::Waker>& wake) {
  for (const weft::internal::Waker& waker : wake) waker.wake();
}

}  // namespace internal

template <typename T>
class Sender;

/// The receiving side: reads the latest value and waits for newer ones.
template <typename T>
class Receiver {
 public:
  /// Copyable and movable. A copy shares the channel, counts as one more
  /// receiver and starts from this one's seen version.
  ///@{
  Receiver(const Receiver& other)
      : state_((other.Checked("copy"), other.state_)), seen_(other.seen_) {
    std::lock_guard lock(state_->mu);
    ++state_->receivers;
  }
  Receiver(Receiver&& other) noexcept
      : state_(std::move(other.state_)), seen_(other.seen_) {}
  Receiver& operator=(Receiver other) noexcept {
    std::swap(state_, other.state_);
    std::swap(seen_, other.seen_);
    return *this;
  }
  ~Receiver() { Release(); }
  ///@}

  /// A copy of the current value; does not mark it seen.
  T borrow() const {
    internal::State<T>& state = Checked("borrow");
    std::lock_guard lock(state.mu);
    return state.value;
  }
  /// A copy of the current value, marking it seen.
  T borrow_and_update() {
    internal::State<T>& state = Checked("borrow_and_update");
    std::lock_guard lock(state.mu);
    seen_ = state.version;
    return state.value;
  }
  /// Whether a value newer than the last seen one was sent; RecvError once
  /// the Sender is gone.
  std::expected<bool, RecvError> has_changed() const {
    internal::State<T>& state = Checked("has_changed");
    std::lock_guard lock(state.mu);
    if (!state.sender_alive) return std::unexpected(RecvError{});
    return state.version != seen_;
  }
  /// Makes the next changed() complete at once / wait for a new send.
  ///@{
  void mark_changed() {
    internal::State<T>& state = Checked("mark_changed");
    std::lock_guard lock(state.mu);
    seen_ = state.version - 1;  // any other version than the current one
  }
  void mark_unchanged() {
    internal::State<T>& state = Checked("mark_unchanged");
    std::lock_guard lock(state.mu);
    seen_ = state.version;
  }
  ///@}

  /// Awaitable of the changed() protocol (see changed()).
  class Changed final : public weft::internal::Pollable {
   public:
    /// \cond
    explicit Changed(Receiver& receiver) : receiver_(receiver) {}
    Changed(Changed&& other) noexcept : receiver_(other.receiver_) {}
    ~Changed() {
      std::lock_guard lock(receiver_.state_->mu);
      receiver_.state_->changed_waiters.Remove(&node_);
    }

    bool await_ready() {
      std::lock_guard lock(receiver_.state_->mu);
      return ReadyLocked() && weft::internal::TryConsumeBudget();
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      weft::internal::ExecContext& context =
          weft::internal::ContextFor("watch::Receiver::changed");
      std::lock_guard lock(receiver_.state_->mu);
      if (ReadyLocked()) {
        weft::internal::YieldFrom(handle);  // Ready, but the budget is spent.
        return true;
      }
      node_.waker = weft::internal::Waker(context.waker_target);
      receiver_.state_->changed_waiters.PushBack(&node_);
      weft::internal::SuspendOn(handle, this, weft::internal::WaitKind::kOther);
      return true;
    }
    std::expected<void, RecvError> await_resume() {
      internal::State<T>& state = *receiver_.state_;
      std::lock_guard lock(state.mu);
      if (state.version != receiver_.seen_) {
        receiver_.seen_ = state.version;
        return {};
      }
      return std::unexpected(RecvError{});
    }
    bool IsReady() override { return node_.IsReady(); }
    /// \endcond

   private:
    bool ReadyLocked() const {
      return receiver_.state_->version != receiver_.seen_ ||
             !receiver_.state_->sender_alive;
    }

    Receiver& receiver_;
    weft::internal::WaitNode node_;
  };

  /// Awaitable of std::expected<void, RecvError>: completes when a value
  /// newer than the last seen one was sent (and marks it seen), or with
  /// RecvError once the Sender is gone and every value was seen. Cancel
  /// safe.
  Changed changed() {
    Checked("changed");
    return Changed(*this);
  }

  /// Waits until the value satisfies `predicate` (checking the current one
  /// first) and returns a copy of it, marked seen; RecvError if the Sender
  /// goes first.
  template <typename Predicate>
  Task<std::expected<T, RecvError>> wait_for(Predicate predicate) {
    Checked("wait_for");
    while (true) {
      T value = borrow_and_update();
      if (predicate(static_cast<const T&>(value))) co_return value;
      std::expected<void, RecvError> changed_now = co_await changed();
      if (!changed_now.has_value()) co_return std::unexpected(RecvError{});
    }
  }

  /// Whether both receivers belong to the same channel.
  bool same_channel(const Receiver& other) const {
    return state_ == other.state_;
  }

 private:
  friend class Sender<T>;
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(U initial);
  Receiver(std::shared_ptr<internal::State<T>> state, uint64_t seen)
      : state_(std::move(state)), seen_(seen) {}

  internal::State<T>& Checked(const char* operation) const {
    if (state_ == nullptr) {
      throw UsageError(std::string("watch::Receiver::") + operation +
                       " on a moved-from Receiver: use the Receiver it was "
                       "moved into, or a copy of one");
    }
    return *state_;
  }

  void Release() {
    if (state_ == nullptr) return;
    std::vector<weft::internal::Waker> wake;
    {
      std::lock_guard lock(state_->mu);
      if (--state_->receivers == 0) {
        internal::State<T>::GrantAllLocked(state_->closed_waiters, wake);
      }
    }
    internal::WakeAll(wake);
    state_.reset();
  }

  std::shared_ptr<internal::State<T>> state_;
  uint64_t seen_ = 0;
};

/// The sending side: one per channel (move-only).
template <typename T>
class Sender {
 public:
  /// Move-only; assigning over a Sender closes its channel. Destroying it
  /// makes the receivers' changed() yield RecvError.
  ///@{
  Sender(Sender&& other) noexcept : state_(std::move(other.state_)) {}
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      Close();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  ~Sender() { Close(); }
  ///@}

  /// Replaces the value and wakes the receivers; with no Receiver left the
  /// value is handed back instead (as tokio's send).
  std::expected<void, SendError<T>> send(T value) {
    internal::State<T>& state = Checked("send");
    std::vector<weft::internal::Waker> wake;
    {
      std::lock_guard lock(state.mu);
      if (state.receivers == 0) {
        return std::unexpected(SendError<T>{std::move(value)});
      }
      state.value = std::move(value);
      ++state.version;
      internal::State<T>::GrantAllLocked(state.changed_waiters, wake);
    }
    internal::WakeAll(wake);
    return {};
  }
  /// Replaces the value even with no Receiver; returns the old one.
  T send_replace(T value) {
    T old = std::move(value);
    send_if_modified([&old](T& current) {
      std::swap(current, old);
      return true;
    });
    return old;
  }
  /// Calls `modify(T&)` on the value under the lock and wakes the
  /// receivers, even with none left.
  template <typename F>
  void send_modify(F&& modify) {
    send_if_modified([&modify](T& value) {
      modify(value);
      return true;
    });
  }
  /// Calls `modify(T&) -> bool` under the lock; wakes the receivers only
  /// when it returns true. Returns what it returned.
  template <typename F>
  bool send_if_modified(F&& modify) {
    internal::State<T>& state = Checked("send_if_modified");
    std::vector<weft::internal::Waker> wake;
    bool modified = false;
    {
      std::lock_guard lock(state.mu);
      modified = modify(state.value);
      if (modified) {
        ++state.version;
        internal::State<T>::GrantAllLocked(state.changed_waiters, wake);
      }
    }
    internal::WakeAll(wake);
    return modified;
  }

  /// A copy of the current value.
  T borrow() const {
    internal::State<T>& state = Checked("borrow");
    std::lock_guard lock(state.mu);
    return state.value;
  }
  /// A new Receiver that has seen the current value.
  Receiver<T> subscribe() const {
    internal::State<T>& state = Checked("subscribe");
    std::lock_guard lock(state.mu);
    ++state.receivers;
    return Receiver<T>(state_, state.version);
  }
  /// How many Receivers are alive.
  size_t receiver_count() const {
    internal::State<T>& state = Checked("receiver_count");
    std::lock_guard lock(state.mu);
    return state.receivers;
  }
  /// True when no Receiver is left.
  bool is_closed() const { return receiver_count() == 0; }

  /// Awaitable of the closed() protocol (see closed()).
  class Closed final : public weft::internal::Pollable {
   public:
    /// \cond
    explicit Closed(internal::State<T>& state) : state_(state) {}
    Closed(Closed&& other) noexcept : state_(other.state_) {}
    ~Closed() {
      std::lock_guard lock(state_.mu);
      state_.closed_waiters.Remove(&node_);
    }

    bool await_ready() {
      std::lock_guard lock(state_.mu);
      return state_.receivers == 0;
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      weft::internal::ExecContext& context =
          weft::internal::ContextFor("watch::Sender::closed");
      std::lock_guard lock(state_.mu);
      if (state_.receivers == 0) return false;
      node_.waker = weft::internal::Waker(context.waker_target);
      state_.closed_waiters.PushBack(&node_);
      weft::internal::SuspendOn(handle, this, weft::internal::WaitKind::kOther);
      return true;
    }
    void await_resume() const noexcept {}
    bool IsReady() override { return node_.IsReady(); }
    /// \endcond

   private:
    internal::State<T>& state_;
    weft::internal::WaitNode node_;
  };

  /// Awaitable: completes when every Receiver is gone.
  Closed closed() const { return Closed(Checked("closed")); }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(U initial);
  explicit Sender(std::shared_ptr<internal::State<T>> state)
      : state_(std::move(state)) {}

  internal::State<T>& Checked(const char* operation) const {
    if (state_ == nullptr) {
      throw UsageError(std::string("watch::Sender::") + operation +
                       " on a moved-from Sender: use the Sender it was "
                       "moved into (a watch channel has one Sender)");
    }
    return *state_;
  }

  void Close() {
    if (state_ == nullptr) return;
    std::vector<weft::internal::Waker> wake;
    {
      std::lock_guard lock(state_->mu);
      state_->sender_alive = false;
      internal::State<T>::GrantAllLocked(state_->changed_waiters, wake);
    }
    internal::WakeAll(wake);
    state_.reset();
  }

  std::shared_ptr<internal::State<T>> state_;
};

/// A channel holding `initial`, which its first Receiver has seen.
template <typename T>
std::pair<Sender<T>, Receiver<T>> channel(T initial) {
  auto state = std::make_shared<internal::State<T>>(std::move(initial));
  state->receivers = 1;
  return {Sender<T>(state), Receiver<T>(state, 0)};
}

}  // namespace weft::watch

#endif  // WEFT_RUNTIME_SYNC_WATCH_H_
