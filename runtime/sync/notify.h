/// \file
/// Notify: wakes tasks without passing data (tokio's Notify).
///
/// notify_one wakes the first waiter (notify_last the most recent one), or
/// stores one permit that the next notified() consumes at once; notify_waiters
/// wakes every task waiting now and stores nothing. A waiter woken by
/// notify_one that is then dropped (aborted, or it lost a select) passes the
/// notification on, so it is never lost.

#ifndef WEFT_RUNTIME_SYNC_NOTIFY_H_
#define WEFT_RUNTIME_SYNC_NOTIFY_H_

#include <coroutine>
#include <mutex>

#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"

namespace weft {

/// Wakes tasks without passing data (tokio's Notify); see notify.h.
class Notify {
 public:
  /// No permit stored, nobody waiting.
  Notify() = default;
  Notify(const Notify&) = delete;
  Notify& operator=(const Notify&) = delete;

  /// What notified() returns: waits for a notification.
  class Notified final : public internal::Pollable {
   public:
    /// Same as notify.notified().
    explicit Notified(Notify& notify) : notify_(notify) {}
    /// Only a Notified that was never awaited may be moved.
    Notified(Notified&& other) noexcept : notify_(other.notify_) {}
    /// Leaves the wait; a notify_one it received that nobody took is passed
    /// on to the next waiter.
    ~Notified();

    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready();
    bool await_suspend(std::coroutine_handle<> handle);
    void await_resume() { taken_ = true; }
    bool IsReady() override { return node_.IsReady(); }
    ///@}

   private:
    Notify& notify_;
    internal::WaitNode node_;
    bool taken_ = false;
  };

  /// Awaitable: completes when notified. Cancel safe.
  Notified notified() { return Notified(*this); }
  /// Wakes the first waiter, or stores one permit for the next notified()
  /// if nobody waits.
  void notify_one();
  /// Like notify_one, but wakes the most recent waiter (LIFO) instead of
  /// the first.
  void notify_last();
  /// Wakes every task waiting now; stores nothing.
  void notify_waiters();

 private:
  std::mutex mu_;
  /// Grants the node notify_one or notify_last chose, or stores the permit.
  void NotifyOne(bool last);

  bool permit_ = false;
  internal::WaitList waiters_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_NOTIFY_H_
