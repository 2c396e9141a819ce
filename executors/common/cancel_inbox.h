// CancelInbox: the tokens (op_table.h) of operations whose cancellation any
// thread asked for, waiting for the reactor's driving thread to act on them.
//
// Cancel may come from any thread, but only the driving thread may touch an
// operation, so a request is a token in this inbox (under a short lock) plus
// a wake-up of the reactor; pending() is a lock-free check for the driving
// thread's hot path.

#ifndef WEFT_EXECUTORS_COMMON_CANCEL_INBOX_H_
#define WEFT_EXECUTORS_COMMON_CANCEL_INBOX_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace weft::executors_common {

class CancelInbox {
 public:
  // Any thread.
  void Push(uint64_t token) {
    std::lock_guard lock(mu_);
    requests_.push_back(token);
    pending_.store(true, std::memory_order_release);
  }

  // Any thread: whether requests are waiting.
  bool pending() const { return pending_.load(std::memory_order_acquire); }

  // Driving thread: every request so far, oldest first. The vector is the
  // inbox's own (its capacity is reused); valid until the next Take.
  std::vector<uint64_t>& Take() {
    taken_.clear();
    std::lock_guard lock(mu_);
    taken_.swap(requests_);
    pending_.store(false, std::memory_order_relaxed);
    return taken_;
  }

  // Driving thread: gives back the first `count` tokens of what Take
  // returned (requests it could not act on yet) for the next Take.
  void PutBack(size_t count) {
    if (count == 0) return;
    std::lock_guard lock(mu_);
    requests_.insert(requests_.end(), taken_.begin(), taken_.begin() + count);
    pending_.store(true, std::memory_order_relaxed);
  }

 private:
  std::mutex mu_;
  std::vector<uint64_t> requests_;  // guarded by mu_
  std::vector<uint64_t> taken_;     // driving thread only
  std::atomic<bool> pending_{false};
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_CANCEL_INBOX_H_
