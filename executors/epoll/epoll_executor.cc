// The epoll backend: its registration as "epoll". Its thread model is the
// readiness core's (executors/common/readiness_executor.h): every runtime
// thread that parks gets its own epoll set, eventfd and per-fd state. An fd
// used from several reactors over time is registered in each of their epoll
// sets (one-shot, so a dormant registration costs nothing; see
// epoll_poller.h).
//
// Its preference (executors/backends.bzl) is below io_uring, which `auto`
// tries first; epoll is its fallback when io_uring cannot be set up.

#include <memory>

#include "absl/status/statusor.h"
#include "executors/common/readiness_executor.h"
#include "executors/epoll/epoll_poller.h"
#include "runtime/executor.h"

namespace weft {
namespace {

absl::StatusOr<std::unique_ptr<Executor>> CreateEpollExecutor() {
  return executors_common::ReadinessExecutor::Create(
      WEFT_BACKEND_NAME, &epoll::EpollPoller::Create);
}

[[maybe_unused]] const bool kRegistered = RegisterExecutor(
    {WEFT_BACKEND_NAME, WEFT_BACKEND_PREFERENCE, &CreateEpollExecutor});

}  // namespace
}  // namespace weft
