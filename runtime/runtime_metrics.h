// RuntimeMetrics: counters of a runtime at one moment (Handle::metrics()).

#ifndef WEFT_RUNTIME_RUNTIME_METRICS_H_
#define WEFT_RUNTIME_RUNTIME_METRICS_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"

namespace weft {

struct RuntimeMetrics {
  size_t workers = 0;
  size_t alive_tasks = 0;
  size_t blocking_threads = 0;
  size_t idle_blocking_threads = 0;
  size_t queued_tasks = 0;
  uint64_t total_spawned = 0;
  uint64_t total_polls = 0;
  // Times a backend's reactor failed to wait for events, and the last such
  // failure (OK when there was none). A driver backs off after a failure
  // rather than spin; a count that keeps growing means the backend is broken.
  uint64_t reactor_failures = 0;
  absl::Status last_reactor_failure;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_RUNTIME_METRICS_H_
