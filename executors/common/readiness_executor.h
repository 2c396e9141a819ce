// ReadinessExecutor: the Executor of a backend over the readiness core, and
// its thread model: every runtime thread that parks gets its own
// ReadinessReactor over a poller of its own (its own epoll set, uv_loop_t,
// poll(2) set and wake-up), and reactors share nothing, so no lock is taken
// on the I/O path and a Wake reaches exactly the thread that should run.
// Work stealing moves tasks, never an operation in flight: an operation's
// readiness, retries and completion stay with the reactor it was submitted
// to, and its completion wakes the task wherever it runs by then. An fd used
// from several reactors over time is watched by each of them while
// operations wait there.

#ifndef WEFT_EXECUTORS_COMMON_READINESS_EXECUTOR_H_
#define WEFT_EXECUTORS_COMMON_READINESS_EXECUTOR_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "executors/common/poller.h"
#include "runtime/executor.h"

namespace weft::executors_common {

// Creates one poller, or says why it cannot (the status names the call and
// the cause).
using PollerFactory = absl::StatusOr<std::unique_ptr<Poller>> (*)();

class ReadinessExecutor final : public Executor {
 public:
  // The probe: creates one poller first, so that a system where the backend
  // cannot start (out of fds, a seccomp filter) says so here, where `auto`
  // can fall back, rather than at the first reactor. `name` must outlive
  // the executor (a string literal).
  static absl::StatusOr<std::unique_ptr<Executor>> Create(
      std::string_view name, PollerFactory create_poller);

  std::string_view name() const override { return name_; }
  absl::StatusOr<std::unique_ptr<Reactor>> CreateReactor() override;

 private:
  ReadinessExecutor(std::string_view name, PollerFactory create_poller)
      : name_(name), create_poller_(create_poller) {}

  const std::string_view name_;
  const PollerFactory create_poller_;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_READINESS_EXECUTOR_H_
