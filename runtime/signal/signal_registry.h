// SignalRegistry: the process-wide half of weft::signal. One handler per
// signal number, installed on first use through the platform layer
// (executors/platform/signals.h) and kept for the process's life; the
// handler records the delivery in an atomic counter and sends the
// platform's wake-up (a self-pipe on POSIX, an event on Windows), both safe
// in a signal handler. One detached thread waits for the wake-up and
// publishes each signal's delivery count on a watch channel, whose
// receivers are the Signals tasks await. Nothing here depends on a runtime
// or a backend, so one handler serves every runtime.

#ifndef WEFT_RUNTIME_SIGNAL_SIGNAL_REGISTRY_H_
#define WEFT_RUNTIME_SIGNAL_SIGNAL_REGISTRY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "runtime/sync/watch.h"

namespace weft::signal::internal {

// A receiver of `signum`'s delivery count, marked seen (it waits for the
// next delivery). Installs the handler on first use. InvalidArgument, from
// the platform layer, for a signal that cannot be listened for here.
absl::StatusOr<watch::Receiver<uint64_t>> Listen(int signum);

}  // namespace weft::signal::internal

#endif  // WEFT_RUNTIME_SIGNAL_SIGNAL_REGISTRY_H_
