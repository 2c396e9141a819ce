// SpinLock: a lock for critical sections of a few instructions that two
// threads rarely want at once (the owned-task shards: a spawn links a task,
// a completion unlinks one).
//
// Uncontended it costs one atomic exchange to lock and a plain release store
// to unlock, where a pthread mutex costs an atomic read-modify-write for
// each; a spawn locks twice, so this is two of the twenty-odd atomic
// operations of a task's life. A thread that finds it held spins briefly
// and then yields, so a holder that was preempted gets the CPU back.
// std::atomic keeps it visible to ThreadSanitizer.

#ifndef WEFT_RUNTIME_INTERNAL_LOCK_SPIN_LOCK_H_
#define WEFT_RUNTIME_INTERNAL_LOCK_SPIN_LOCK_H_

#include <atomic>
#include <thread>

namespace weft::internal {

class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      int spins = 0;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > kSpinsBeforeYield) {
          std::this_thread::yield();
          spins = 0;
        }
      }
    }
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  static constexpr int kSpinsBeforeYield = 64;
  std::atomic<bool> locked_{false};
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_LOCK_SPIN_LOCK_H_
