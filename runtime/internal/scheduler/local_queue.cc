#include "runtime/internal/scheduler/local_queue.h"

namespace weft::internal {

bool LocalQueue::Push(TaskHeader* task, std::vector<TaskHeader*>& overflow) {
  while (true) {
    uint64_t head = head_.load(std::memory_order_acquire);
    uint32_t steal = Steal(head);
    uint32_t real = Real(head);
    uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - steal < kCapacity) {
      buffer_[tail & kMask].store(task, std::memory_order_relaxed);
      tail_.store(tail + 1, std::memory_order_release);
      return true;
    }
    if (steal != real) return false;
    // Full and nobody stealing: claim half of the queue for the overflow.
    constexpr uint32_t kTaken = kCapacity / 2;
    uint64_t expected = Pack(real, real);
    if (!head_.compare_exchange_strong(
            expected, Pack(real + kTaken, real + kTaken),
            std::memory_order_release, std::memory_order_relaxed)) {
      continue;  // A thief got in first; there may be room now.
    }
    for (uint32_t i = 0; i < kTaken; ++i) {
      overflow.push_back(
          buffer_[(real + i) & kMask].load(std::memory_order_relaxed));
    }
    overflow.push_back(task);
    return true;
  }
}

TaskHeader* LocalQueue::Pop() {
  uint64_t head = head_.load(std::memory_order_acquire);
  uint32_t index;
  while (true) {
    uint32_t steal = Steal(head);
    uint32_t real = Real(head);
    uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (real == tail) return nullptr;
    uint32_t next_real = real + 1;
    uint64_t next =
        steal == real ? Pack(next_real, next_real) : Pack(steal, next_real);
    if (head_.compare_exchange_weak(head, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      index = real & kMask;
      break;
    }
  }
  return buffer_[index].load(std::memory_order_relaxed);
}

TaskHeader* LocalQueue::StealInto(LocalQueue& destination,
                                  uint32_t* stolen_count) {
  uint32_t destination_tail = destination.tail_.load(std::memory_order_relaxed);
  uint32_t destination_steal =
      Steal(destination.head_.load(std::memory_order_acquire));
  if (destination_tail - destination_steal > kCapacity / 2) {
    return nullptr;  // No room to receive half of another queue.
  }
  uint32_t count = StealInto2(destination, destination_tail);
  if (stolen_count != nullptr) *stolen_count = count;
  if (count == 0) return nullptr;
  --count;
  TaskHeader* task =
      destination.buffer_[(destination_tail + count) & kMask].load(
          std::memory_order_relaxed);
  if (count > 0) {
    destination.tail_.store(destination_tail + count,
                            std::memory_order_release);
  }
  return task;
}

uint32_t LocalQueue::StealInto2(LocalQueue& destination,
                                uint32_t destination_tail) {
  uint64_t previous = head_.load(std::memory_order_acquire);
  uint64_t next;
  uint32_t count;
  while (true) {
    uint32_t steal = Steal(previous);
    uint32_t real = Real(previous);
    uint32_t tail = tail_.load(std::memory_order_acquire);
    if (steal != real) return 0;  // Another thief is at work.
    count = tail - real;
    count -= count / 2;
    if (count == 0) return 0;
    next = Pack(steal, real + count);
    if (head_.compare_exchange_weak(previous, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      break;
    }
  }
  uint32_t first = Steal(next);
  for (uint32_t i = 0; i < count; ++i) {
    TaskHeader* task =
        buffer_[(first + i) & kMask].load(std::memory_order_relaxed);
    destination.buffer_[(destination_tail + i) & kMask].store(
        task, std::memory_order_relaxed);
  }
  // Release the claim: steal catches up with real.
  previous = next;
  while (true) {
    uint32_t real = Real(previous);
    if (head_.compare_exchange_weak(previous, Pack(real, real),
                                    std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      return count;
    }
  }
}

uint32_t LocalQueue::Size() const {
  uint32_t real = Real(head_.load(std::memory_order_acquire));
  uint32_t tail = tail_.load(std::memory_order_acquire);
  return tail - real;
}

}  // namespace weft::internal
