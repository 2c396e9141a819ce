/// \file
/// SlowPollReport: what a runtime built with
/// Runtime::Builder::slow_poll_threshold tells about a task whose single poll
/// (one resumption, from one suspension point to the next) took longer than the
/// threshold. A long poll holds its worker: nothing else queued there runs
/// meanwhile, so it is the usual cause of latency spikes (blocking calls or
/// heavy computation inside a task; the fix is spawn_blocking, block_in_place
/// or more co_await points).
///
///   Runtime rt = *%Runtime::Builder::multi_thread()
///                     .slow_poll_threshold(10ms, [](const SlowPollReport& r) {
///                       LOG(WARNING) << "task " << r.task_id.value() << " ("
///                                    << r.task_name << ", spawned at "
///                                    << r.location.file_name() << ":"
///                                    << r.location.line() << ") polled for "
///                                    << r.duration;
///                     })
///                     .build();
///   ... rt.handle().metrics().slow_polls counts them too.

#ifndef WEFT_RUNTIME_SLOW_POLL_H_
#define WEFT_RUNTIME_SLOW_POLL_H_

#include <chrono>
#include <source_location>
#include <string>

#include "runtime/task_id.h"

namespace weft {

/// One slow poll, as passed to the Builder's `on_slow_poll` callback.
struct SlowPollReport {
  /// The task that was polled.
  TaskId task_id;
  /// The task's name (spawn_named / SpawnOptions), empty if it has none.
  std::string task_name;
  /// Where the task was spawned.
  std::source_location location;
  /// How long the poll took.
  std::chrono::nanoseconds duration{0};
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SLOW_POLL_H_
