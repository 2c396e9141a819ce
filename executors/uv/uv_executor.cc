// The libuv backend: its thread model and its registration as "uv".
//
// Thread model: a uv_loop_t per reactor. weft asks for one reactor per
// runtime thread that parks (each worker of a multi_thread runtime, the core
// of a current_thread runtime, each thread inside block_on), so every such
// thread parks in a loop of its own, and loops share nothing: no lock on the
// I/O path, and a Wake reaches exactly the thread that should run.
//
// Why a loop per worker serves work stealing well: tasks migrate between
// workers, but an operation stays with the loop it was submitted to. Its
// readiness, its retries and its completion all happen on that loop, driven
// by whichever thread drives it (a loop never needs the submitting task to
// still be there); the completion then wakes the task through the runtime's
// waker, wherever the task runs by then, and the task resumes on its current
// worker. So stealing never moves an in-flight operation, never needs one
// loop to be touched by two threads, and an idle worker blocks in its own
// loop instead of contending for a shared one. (A single shared loop would
// need all workers to take turns in uv_run, which libuv allows from one
// thread at a time only.) A fd used from several workers over time simply
// gets a poll handle in each of their loops while operations wait there
// (fd_watch.h); libuv allows that, as each loop has its own kernel
// registration.
//
// A reactor is created on one thread and may be driven by another, and
// handed from one driving thread to another (block_in_place), always with a
// happens-before edge; libuv is fine with that as long as only one thread
// uses a loop at a time, which the runtime guarantees.
//
// Preference 0, the lowest: `auto` never picks libuv over the Linux-native
// backends; it runs when chosen by name (--//executors:backend=uv,
// Builder::backend("uv"), WEFT_BACKEND=uv), or where nothing else is linked.

#include <memory>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "executors/uv/uv_reactor.h"
#include "runtime/executor.h"

namespace weft {
namespace {

class UvExecutor final : public Executor {
 public:
  std::string_view name() const override { return "uv"; }

  absl::StatusOr<std::unique_ptr<Reactor>> CreateReactor() override {
    absl::StatusOr<std::unique_ptr<uv::UvReactor>> reactor =
        uv::UvReactor::Create();
    if (!reactor.ok()) return reactor.status();
    return std::unique_ptr<Reactor>(std::move(*reactor));
  }
};

absl::StatusOr<std::unique_ptr<Executor>> CreateUvExecutor() {
  // The probe: a loop that cannot be created (out of fds, a seccomp filter)
  // says so here, rather than at the first reactor.
  absl::StatusOr<std::unique_ptr<uv::UvReactor>> probe =
      uv::UvReactor::Create();
  if (!probe.ok()) return probe.status();
  return std::make_unique<UvExecutor>();
}

[[maybe_unused]] const bool kRegistered = RegisterExecutor(
    {WEFT_BACKEND_NAME, WEFT_BACKEND_PREFERENCE, &CreateUvExecutor});

}  // namespace
}  // namespace weft
