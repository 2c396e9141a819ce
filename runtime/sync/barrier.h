/// \file
/// Barrier: lets n tasks wait for each other (tokio's sync::Barrier). Each
/// wait() counts one arrival; the n-th arrival releases the n of them at
/// once, and exactly one of them — the last to arrive — is told it is the
/// leader. The barrier then starts over for the next n.
///
/// As in tokio, an arrival counts once it happened: a waiter whose task is
/// aborted (or that loses a select) after arriving is still counted, so the
/// others are not held back by its absence.

#ifndef WEFT_RUNTIME_SYNC_BARRIER_H_
#define WEFT_RUNTIME_SYNC_BARRIER_H_

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "runtime/internal/task/exec_context.h"
#include "runtime/sync/wait_list.h"

namespace weft {

/// What Barrier::wait yields.
class BarrierWaitResult {
 public:
  /// True for exactly one of the n waiters of each round.
  bool is_leader() const { return leader_; }

 private:
  friend class Barrier;
  explicit BarrierWaitResult(bool leader) : leader_(leader) {}
  bool leader_;
};

/// Lets n tasks wait for each other; see barrier.h.
class Barrier {
 public:
  /// A barrier for `n` tasks (0 is taken as 1, as tokio does).
  explicit Barrier(size_t n) : n_(n == 0 ? 1 : n) {}
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// What wait() returns: arrives, then waits for the round to fill.
  class Wait final : public internal::Pollable {
   public:
    /// Same as barrier.wait().
    explicit Wait(Barrier& barrier) : barrier_(barrier) {}
    /// Only a Wait that was never awaited may be moved.
    Wait(Wait&& other) noexcept : barrier_(other.barrier_) {}
    /// Leaves the wait (the arrival stays counted).
    ~Wait() {
      std::lock_guard lock(barrier_.mu_);
      barrier_.waiters_.Remove(&node_);
    }

    /// The awaitable protocol: `co_await` calls these, select() polls
    /// IsReady.
    ///@{
    bool await_ready() {
      Arrive();
      return node_.IsReady() && internal::TryConsumeBudget();
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      internal::ExecContext& context = internal::ContextFor("Barrier::wait");
      Arrive();
      std::lock_guard lock(barrier_.mu_);
      if (node_.IsReady()) {
        internal::YieldFrom(handle);  // Released, but the budget is spent.
        return true;
      }
      // Arrive() queued the node; the waker can only be set now.
      node_.waker = internal::Waker(context.waker_target);
      internal::SuspendOn(handle, this, internal::WaitKind::kOther);
      return true;
    }
    BarrierWaitResult await_resume() { return BarrierWaitResult(leader_); }
    bool IsReady() override { return node_.IsReady(); }
    ///@}

   private:
    void Arrive() {
      if (arrived_) return;
      arrived_ = true;
      std::vector<internal::Waker> wake;
      {
        std::lock_guard lock(barrier_.mu_);
        if (++barrier_.arrived_ < barrier_.n_) {
          // Queued in the same critical section as the arrival, so the
          // leader of this round cannot miss it.
          barrier_.waiters_.PushBack(&node_);
          return;
        }
        barrier_.arrived_ = 0;
        leader_ = true;
        node_.Grant();
        while (internal::WaitNode* node = barrier_.waiters_.PopFront()) {
          wake.push_back(std::move(node->waker));
          node->Grant();
        }
      }
      for (const internal::Waker& waker : wake) waker.wake();
    }

    Barrier& barrier_;
    internal::WaitNode node_;
    bool arrived_ = false;
    bool leader_ = false;
  };

  /// Awaitable of a BarrierWaitResult: completes when the n-th task of this
  /// round has arrived.
  Wait wait() { return Wait(*this); }

 private:
  std::mutex mu_;
  const size_t n_;
  size_t arrived_ = 0;
  internal::WaitList waiters_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SYNC_BARRIER_H_
