// SlowPollDetector: the runtime's slow_poll_threshold (see runtime/slow_poll.h)
// as TaskHeader::Run sees it. A runtime that has one makes it current on every
// thread where the runtime is current (RuntimeScope); Run times a coroutine
// task's poll only when one is current, so a runtime without it reads no
// clock at all.
//
// A poll that gave its worker away (block_in_place) is not reported: blocking
// there is what block_in_place is for.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_SLOW_POLL_DETECTOR_H_
#define WEFT_RUNTIME_INTERNAL_TASK_SLOW_POLL_DETECTOR_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "runtime/slow_poll.h"

namespace weft::internal {

class TaskHeader;

class SlowPollDetector {
 public:
  using Callback = std::function<void(const SlowPollReport&)>;

  SlowPollDetector(std::chrono::nanoseconds threshold, Callback on_slow_poll)
      : threshold_(threshold), on_slow_poll_(std::move(on_slow_poll)) {}

  std::chrono::nanoseconds threshold() const { return threshold_; }
  // Counts the slow poll of `task` and calls the callback (an exception it
  // throws is dropped: the scheduler that polled the task cannot take it).
  void Report(const TaskHeader& task, std::chrono::nanoseconds duration);
  uint64_t slow_polls() const {
    return slow_polls_.load(std::memory_order_relaxed);
  }

 private:
  const std::chrono::nanoseconds threshold_;
  const Callback on_slow_poll_;
  std::atomic<uint64_t> slow_polls_{0};
};

// The detector of the runtime current on this thread, or nullptr.
SlowPollDetector* CurrentSlowPollDetector();
void SetCurrentSlowPollDetector(SlowPollDetector* detector);

// block_in_place: the poll running on this thread is not to be reported.
void ExcusePollInProgress();
// For TaskHeader::Run: starts a poll's excuse flag (returning the enclosing
// poll's, e.g. the task that drives a LocalSet) and ends it (returning
// whether this poll was excused, and restoring the enclosing one's).
bool BeginExcusablePoll();
bool EndExcusablePoll(bool enclosing);

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_SLOW_POLL_DETECTOR_H_
