/// \file
/// mpsc::Receiver<T>: the single consumer of an mpsc channel, bounded or
/// unbounded (UnboundedReceiver<T> is the same type). Users include
/// runtime/sync/mpsc.h.
///
/// recv yields the next value, or std::nullopt once nothing can arrive any
/// more: every sender is gone, or the receiver closed the channel, and the
/// queue is drained (a slot a sender reserved before the close can still be
/// filled, so recv waits for it). Receiving is cancel safe: values stay
/// queued until recv's await completes.

#ifndef WEFT_RUNTIME_SYNC_MPSC_RECEIVER_H_
#define WEFT_RUNTIME_SYNC_MPSC_RECEIVER_H_

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
#include "runtime/sync/mpsc_channel.h"
#include "runtime/sync/thread_parker.h"

namespace weft::mpsc {

template <typename T>
class Sender;
template <typename T>
class UnboundedSender;

/// The receiving half of a channel (its single consumer).
template <typename T>
class Receiver {
 public:
  /// Move-only. Assigning over a receiver drops the channel it had.
  ///@{
  Receiver(Receiver&&) noexcept = default;
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      Drop();
      channel_ = std::move(other.channel_);
    }
    return *this;
  }
  ///@}
  /// Closes the channel and destroys the values still queued.
  ~Receiver() { Drop(); }

  /// What recv() and recv_many() return: waits until a value is queued or
  /// the channel is finished.
  template <typename Result>
  class Awaiter : public weft::internal::Pollable {
   public:
    /// \cond
    Awaiter(internal::Channel<T>& channel, std::vector<T>* out, size_t limit)
        : channel_(channel), out_(out), limit_(limit) {}
    /// \endcond
    /// Only an awaiter that was never awaited may be moved.
    Awaiter(Awaiter&& other) noexcept
        : channel_(other.channel_), out_(other.out_), limit_(other.limit_) {}
    /// A recv cancelled while waiting stops waiting; one cancelled after a
    /// value was handed to it puts the value back at the front.
    ~Awaiter() {
      if (!waiting_for_hand_) return;
      std::lock_guard lock(channel_.mu);
      if (early_.has_value()) {
        channel_.ReturnHandedValueLocked(std::move(*early_));
      } else if (channel_.receiver_slot == &early_) {
        channel_.receiver_slot = nullptr;
      }
    }
    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    // recv decides in await_suspend, under one lock: take the value now (and
    // not suspend), or register the waker and suspend. recv_many looks
    // first.
    bool await_ready() {
      if (limit_ == 0) return true;
      if (out_ != nullptr) {
        bool ready;
        {
          std::lock_guard lock(channel_.mu);
          ready = channel_.RecvReadyLocked();
        }
        return ready && weft::internal::TryConsumeBudget();
      }
      return false;
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      std::vector<internal::Waker> wake;
      {
        std::lock_guard lock(channel_.mu);
        if (channel_.RecvReadyLocked()) {
          if (out_ != nullptr || !weft::internal::TryConsumeBudget()) {
            // Ready, but the budget is spent.
            weft::internal::YieldFrom(handle);
            return true;
          }
          if (!channel_.queue.empty()) channel_.PopLocked(early_, wake);
          took_early_ = true;
        } else {
          weft::internal::ExecContext& context =
              weft::internal::ContextFor("mpsc::Receiver::recv");
          // recv waits with a slot that a send fills directly.
          waiting_for_hand_ = out_ == nullptr;
          channel_.SetReceiverWakerLocked(
              internal::Waker(context.waker_target),
              waiting_for_hand_ ? &early_ : nullptr);
          weft::internal::SuspendOn(handle, this,
                                    weft::internal::WaitKind::kOther);
          return true;
        }
      }
      internal::WakeAll(wake);
      return false;
    }
    Result await_resume() {
      std::vector<internal::Waker> wake;
      if constexpr (std::is_same_v<Result, std::optional<T>>) {
        if (took_early_) return std::move(early_);
        if (std::exchange(waiting_for_hand_, false) && early_.has_value()) {
          channel_.TakeHandedValue(wake);
          internal::WakeAll(wake);
          return std::move(early_);
        }
      }
      std::optional<T> value;
      size_t taken = 0;
      {
        std::lock_guard lock(channel_.mu);
        if (out_ == nullptr) {
          if (!channel_.queue.empty()) channel_.PopLocked(value, wake);
        } else {
          while (taken < limit_ && !channel_.queue.empty()) {
            out_->push_back(std::move(channel_.queue.front()));
            channel_.queue.pop_front();
            ++taken;
          }
          channel_.GrantLocked(wake);
        }
      }
      internal::WakeAll(wake);
      if constexpr (std::is_same_v<Result, size_t>) {
        return taken;
      } else {
        return value;
      }
    }
    // Asked only while suspended in await_suspend's waiting branch: ready
    // once a push or the end of the channel took the waker it registered.
    bool IsReady() override {
      return !channel_.receiver_waiting.load(std::memory_order_acquire);
    }
    ///@}

   private:
    internal::Channel<T>& channel_;
    std::vector<T>* out_;  // recv_many's buffer; null for recv
    size_t limit_;
    // recv: what await_suspend took, or what a send handed over.
    std::optional<T> early_;
    bool took_early_ = false;
    // recv registered early_ as the channel's slot for a hand-over, and has
    // not resumed yet.
    bool waiting_for_hand_ = false;
  };
  /// recv()'s awaitable.
  using Recv = Awaiter<std::optional<T>>;
  /// recv_many()'s awaitable.
  using RecvMany = Awaiter<size_t>;

  /// Awaitable of std::optional<T>: the next value, or std::nullopt once the
  /// channel is finished (see mpsc_receiver.h). Cancel safe.
  Recv recv() { return Recv(Checked("recv"), nullptr, 1); }

  /// Awaitable of size_t: waits for at least one value, then appends up to
  /// `limit` queued values to `buffer` and yields how many. Yields 0 once the
  /// channel is finished, or at once when `limit` is 0. Cancel safe.
  RecvMany recv_many(std::vector<T>& buffer, size_t limit) {
    return RecvMany(Checked("recv_many"), &buffer, limit);
  }

  /// The next value if one is queued, else why not; never waits.
  std::expected<T, TryRecvError> try_recv() {
    internal::Channel<T>& channel = Checked("try_recv");
    std::vector<internal::Waker> wake;
    std::optional<T> value;
    {
      std::lock_guard lock(channel.mu);
      if (channel.queue.empty()) {
        return std::unexpected(channel.FinishedLocked()
                                   ? TryRecvError::kDisconnected
                                   : TryRecvError::kEmpty);
      }
      channel.PopLocked(value, wake);
    }
    internal::WakeAll(wake);
    return std::move(*value);
  }

  /// recv() for a plain thread: blocks it until a value or the end. Throws
  /// UsageError inside a runtime task (use `co_await recv()` there).
  std::optional<T> blocking_recv() {
    internal::Channel<T>& channel = Checked("blocking_recv");
    weft::internal::ThreadParker::CheckNotInRuntime(
        "mpsc::Receiver::blocking_recv", "co_await receiver.recv()");
    weft::internal::ThreadParker* parker =
        weft::internal::ThreadParker::Create();
    std::optional<T> value;
    std::vector<internal::Waker> wake;
    while (true) {
      {
        std::lock_guard lock(channel.mu);
        if (!channel.queue.empty()) {
          channel.PopLocked(value, wake);
          break;
        }
        if (channel.FinishedLocked()) break;
        channel.receiver_waker = parker->MakeWaker();
      }
      parker->Park();
    }
    {
      std::lock_guard lock(channel.mu);
      channel.receiver_waker = internal::Waker();
    }
    parker->Release();
    internal::WakeAll(wake);
    return value;
  }

  /// Refuses further sends; values already queued (and slots already
  /// reserved) can still be received, then recv yields std::nullopt.
  void close() {
    internal::Channel<T>& channel = Checked("close");
    std::vector<internal::Waker> wake;
    {
      std::lock_guard lock(channel.mu);
      channel.CloseLocked(wake);
    }
    internal::WakeAll(wake);
  }

  /// True once close() was called or every sender is gone.
  bool is_closed() const {
    internal::Channel<T>& channel = Checked("is_closed");
    std::lock_guard lock(channel.mu);
    return channel.receiver_closed || channel.senders == 0;
  }
  /// The number of values queued now.
  size_t len() const {
    internal::Channel<T>& channel = Checked("len");
    std::lock_guard lock(channel.mu);
    return channel.LenLocked();
  }
  /// Whether no value is queued now.
  bool is_empty() const { return len() == 0; }

 private:
  template <typename U>
  friend std::pair<Sender<U>, Receiver<U>> channel(size_t);
  template <typename U>
  friend std::pair<UnboundedSender<U>, Receiver<U>> unbounded_channel();
  explicit Receiver(std::shared_ptr<internal::Channel<T>> channel)
      : channel_(std::move(channel)) {}

  internal::Channel<T>& Checked(const char* call) const {
    if (channel_ == nullptr) {
      throw UsageError(std::string("mpsc::Receiver::") + call +
                       " on a moved-from mpsc::Receiver: receive through the "
                       "Receiver it was moved into (a channel has one "
                       "Receiver)");
    }
    return *channel_;
  }

  void Drop() {
    if (channel_ == nullptr) return;
    std::deque<T> dropped;
    std::vector<internal::Waker> wake;
    {
      std::lock_guard lock(channel_->mu);
      channel_->receiver_alive = false;
      channel_->CloseLocked(wake);
      dropped.swap(channel_->queue);
      channel_->receiver_waker = internal::Waker();
      channel_->receiver_slot = nullptr;
    }
    internal::WakeAll(wake);
    channel_.reset();
  }

  std::shared_ptr<internal::Channel<T>> channel_;
};

/// The receiving half of an unbounded channel: the same type as a bounded
/// channel's.
template <typename T>
using UnboundedReceiver = Receiver<T>;

}  // namespace weft::mpsc

#endif  // WEFT_RUNTIME_SYNC_MPSC_RECEIVER_H_
