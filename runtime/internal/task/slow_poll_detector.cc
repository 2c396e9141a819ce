#include "runtime/internal/task/slow_poll_detector.h"

#include <string>
#include <utility>

#include "runtime/internal/task/task_header.h"

namespace weft::internal {
namespace {

thread_local SlowPollDetector* tls_detector = nullptr;
thread_local bool tls_poll_excused = false;

}  // namespace

void SlowPollDetector::Report(const TaskHeader& task,
                              std::chrono::nanoseconds duration) {
  slow_polls_.fetch_add(1, std::memory_order_relaxed);
  if (!on_slow_poll_) return;
  SlowPollReport report;
  report.task_id = task.id();
  report.task_name = std::string(task.name_view());
  report.location = task.location();
  report.duration = duration;
  try {
    on_slow_poll_(report);
  } catch (...) {
  }
}

SlowPollDetector* CurrentSlowPollDetector() { return tls_detector; }
void SetCurrentSlowPollDetector(SlowPollDetector* detector) {
  tls_detector = detector;
}

void ExcusePollInProgress() { tls_poll_excused = true; }

bool BeginExcusablePoll() { return std::exchange(tls_poll_excused, false); }

bool EndExcusablePoll(bool enclosing) {
  bool excused = tls_poll_excused;
  // A nested poll that gave the worker away gave the enclosing one's away
  // too.
  tls_poll_excused = enclosing || excused;
  return excused;
}

}  // namespace weft::internal
