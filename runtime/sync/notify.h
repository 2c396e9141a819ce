/// \file
/// Notify: wakes tasks without passing data (tokio's Notify).
///
/// notify_one wakes the first waiter, or stores one permit that the next
/// notified() consumes at once; notify_waiters wakes every task waiting now
/// and stores nothing. A waiter woken by notify_one that is then dropped
/// (aborted, or it lost a select) passes the notification on, so it is never
/// lost.

#ifndef WEFT_RUNTIME_SYNC_NOTIFY_H_
#define WEFT_RUNTIME_SYNC_NOTIFY_H_

#include <coroutine>
#include <mutex>

#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"

namespace weft {

class Notify {
 public:
  Notify() = default;
  Notify(const Notify&) = delete;
  Notify& operator=(const Notify&) = delete;

  class Notified final : public internal::Pollable {
   public:
    explicit Notified(Notify& notify) : notify_(notify) {}
    Notified(Notified&& other) noexcept : notify_(other.notify_) {}
    ~Notified();

    bool await_ready();
    bool await_suspend(std::coroutine_handle<> handle);
    void await_resume() { taken_ = true; }
    bool IsReady() override { return node_.IsReady(); }

   private:
    Notify& notify_;
    internal::WaitNode node_;
    bool taken_ = false;
  };

  /// Awaitable: completes when notified. Cancel safe.
  Notified notified() { return Notified(*this); }
  void notify_one();
  void notify_waiters();

 private:
  std::mutex mu_;
  bool permit_ = false;
  internal::WaitList waiters_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_NOTIFY_H_
