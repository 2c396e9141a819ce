#include "executors/common/readiness_executor.h"

#include <memory>
#include <utility>

#include "executors/common/readiness_reactor.h"

namespace weft::executors_common {

absl::StatusOr<std::unique_ptr<Executor>> ReadinessExecutor::Create(
    std::string_view name, PollerFactory create_poller) {
  absl::StatusOr<std::unique_ptr<Poller>> probe = create_poller();
  if (!probe.ok()) return probe.status();
  return std::unique_ptr<Executor>(new ReadinessExecutor(name, create_poller));
}

absl::StatusOr<std::unique_ptr<Reactor>> ReadinessExecutor::CreateReactor() {
  absl::StatusOr<std::unique_ptr<Poller>> poller = create_poller_();
  if (!poller.ok()) return poller.status();
  return std::make_unique<ReadinessReactor>(std::move(*poller));
}

}  // namespace weft::executors_common
