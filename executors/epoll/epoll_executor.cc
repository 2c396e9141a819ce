// The epoll backend: its thread model and its registration as "epoll".
//
// Thread model: every runtime thread that parks gets its own EpollReactor
// (its own epoll set, eventfd and per-fd state); reactors share nothing, so
// no lock is taken on the I/O path. An fd used from several reactors over
// time is registered in each of their epoll sets (one-shot, so a dormant
// registration costs nothing; see epoll_reactor.h).
//
// Preference 1: below io_uring, which `auto` tries first; epoll is its
// fallback when io_uring cannot be set up.

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/epoll/epoll_reactor.h"
#include "runtime/executor.h"

namespace weft {
namespace {

class EpollExecutor final : public Executor {
 public:
  std::string_view name() const override { return "epoll"; }

  absl::StatusOr<std::unique_ptr<Reactor>> CreateReactor() override {
    absl::StatusOr<std::unique_ptr<epoll::EpollReactor>> reactor =
        epoll::EpollReactor::Create();
    if (!reactor.ok()) return reactor.status();
    return std::unique_ptr<Reactor>(std::move(*reactor));
  }
};

absl::StatusOr<std::unique_ptr<Executor>> CreateEpollExecutor() {
  // The probe: a seccomp filter or a kernel without epoll says so here, so
  // that `auto` can fall back, rather than at the first reactor.
  absl::StatusOr<std::unique_ptr<epoll::EpollReactor>> probe =
      epoll::EpollReactor::Create();
  if (!probe.ok()) return probe.status();
  return std::make_unique<EpollExecutor>();
}

[[maybe_unused]] const bool kRegistered = RegisterExecutor(
    {WEFT_BACKEND_NAME, WEFT_BACKEND_PREFERENCE, &CreateEpollExecutor});

}  // namespace
}  // namespace weft
