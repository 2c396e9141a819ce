// The libuv backend: its registration as "uv". Its thread model is the
// readiness core's (executors/common/readiness_executor.h): a uv_loop_t per
// reactor, so every runtime thread that parks parks in a loop of its own,
// and an idle worker blocks in its own loop instead of contending for a
// shared one (a single shared loop would need all workers to take turns in
// uv_run, which libuv allows from one thread at a time only). A fd used from
// several workers over time gets a poll handle in each of their loops while
// operations wait there (uv_poller.h); libuv allows that, as each loop has
// its own kernel registration.
//
// A reactor is created on one thread and may be driven by another, and
// handed from one driving thread to another (block_in_place), always with a
// happens-before edge; libuv is fine with that as long as only one thread
// uses a loop at a time, which the runtime guarantees.
//
// Its preference (executors/backends.bzl) is the lowest of the production
// backends: `auto` never picks libuv over the Linux-native ones; it runs
// when chosen by name (--//executors:backend=uv, Builder::backend("uv"),
// WEFT_BACKEND=uv), or where nothing else is linked.

#include <memory>

#include "absl/status/statusor.h"
#include "executors/common/readiness_executor.h"
#include "executors/uv/uv_poller.h"
#include "runtime/executor.h"

namespace weft {
namespace {

absl::StatusOr<std::unique_ptr<Executor>> CreateUvExecutor() {
  return executors_common::ReadinessExecutor::Create(WEFT_BACKEND_NAME,
                                                     &uv::UvPoller::Create);
}

[[maybe_unused]] const bool kRegistered = RegisterExecutor(
    {WEFT_BACKEND_NAME, WEFT_BACKEND_PREFERENCE, &CreateUvExecutor});

}  // namespace
}  // namespace weft
