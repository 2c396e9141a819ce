// LocalQueue: a worker's bounded run queue. The owning worker pushes and pops
// at its ends without locks; any other worker may steal half of it.
//
// The algorithm is tokio's (runtime/scheduler/multi_thread/queue.rs):
//   head_ packs two 32-bit positions: `steal` (where a thief in progress
//   started) and `real` (the next task the owner pops). steal == real means
//   no steal is in progress. tail_ is written only by the owner.
//   * The owner pushes at tail while tail - steal < kCapacity; when full and
//     no steal is in progress, it moves half of the queue to the injection
//     queue at once (so overflowing is amortized).
//   * A thief claims [real, real + n/2) by advancing `real` with a CAS while
//     keeping `steal` where it was, copies the tasks, then sets steal = real.
//   * Only one thief at a time: a thief that sees steal != real gives up.
// Slots are atomics (relaxed) so that the copies of a thief racing with the
// owner's writes at other positions are well defined; ordering comes from
// the acquire/release on head_ and tail_.

#ifndef WEFT_RUNTIME_INTERNAL_SCHEDULER_LOCAL_QUEUE_H_
#define WEFT_RUNTIME_INTERNAL_SCHEDULER_LOCAL_QUEUE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace weft::internal {

class TaskHeader;

class LocalQueue {
 public:
  static constexpr uint32_t kCapacity = 256;

  // Owner only. Returns false if the queue is full and a steal is in
  // progress (push the task to the injection queue instead); when full with
  // no steal, moves half the queue plus `task` into `overflow` and returns
  // true.
  bool Push(TaskHeader* task, std::vector<TaskHeader*>& overflow);

  // Owner only.
  TaskHeader* Pop();

  // Called by the owner of `destination` (another worker) to steal from
  // this queue: moves up to half of it into `destination` and returns one of
  // the stolen tasks, or nullptr. `*stolen_count` (if given) receives how
  // many tasks were stolen, the returned one included.
  TaskHeader* StealInto(LocalQueue& destination,
                        uint32_t* stolen_count = nullptr);

  // Approximate, any thread.
  uint32_t Size() const;
  bool IsEmpty() const { return Size() == 0; }

 private:
  static uint64_t Pack(uint32_t steal, uint32_t real) {
    return (static_cast<uint64_t>(steal) << 32) | real;
  }
  static uint32_t Steal(uint64_t packed) {
    return static_cast<uint32_t>(packed >> 32);
  }
  static uint32_t Real(uint64_t packed) {
    return static_cast<uint32_t>(packed);
  }
  uint32_t StealInto2(LocalQueue& destination, uint32_t destination_tail);

  static constexpr uint32_t kMask = kCapacity - 1;
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint32_t> tail_{0};
  std::array<std::atomic<TaskHeader*>, kCapacity> buffer_{};
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_SCHEDULER_LOCAL_QUEUE_H_
