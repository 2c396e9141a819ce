// The io_uring backend: its thread model and its registration as "uring".
//
// Thread model: every runtime thread that parks gets its own UringReactor,
// with its own ring, eventfd and operation table; reactors share nothing,
// so no lock is taken on the I/O path (thread-per-core leaning: a ring is
// cheap, and a ring per worker keeps submission and completion local).
//
// Start-up: io_uring is probed once per process (probe.h) when the backend
// is first created; a failure is returned from here, so that
// Runtime::Builder::build() reports it, and `auto` falls back to the next
// backend (epoll) with one line on stderr.
//
// Preference 2: above epoll (1), so `auto` tries io_uring first.

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "executors/uring/probe.h"
#include "executors/uring/uring_reactor.h"
#include "runtime/executor.h"

namespace weft {
namespace {

class UringExecutor final : public Executor {
 public:
  explicit UringExecutor(const uring::UringCapabilities& capabilities)
      : capabilities_(capabilities) {}

  std::string_view name() const override { return "uring"; }

  absl::StatusOr<std::unique_ptr<Reactor>> CreateReactor() override {
    absl::StatusOr<std::unique_ptr<uring::UringReactor>> reactor =
        uring::UringReactor::Create(capabilities_, {});
    if (!reactor.ok()) return reactor.status();
    return std::unique_ptr<Reactor>(std::move(*reactor));
  }

 private:
  const uring::UringCapabilities capabilities_;
};

absl::StatusOr<std::unique_ptr<Executor>> CreateUringExecutor() {
  absl::StatusOr<uring::UringCapabilities> capabilities = uring::ProbeIoUring();
  if (!capabilities.ok()) return capabilities.status();
  return std::make_unique<UringExecutor>(*capabilities);
}

[[maybe_unused]] const bool kRegistered = RegisterExecutor(
    {WEFT_BACKEND_NAME, WEFT_BACKEND_PREFERENCE, &CreateUringExecutor});

}  // namespace
}  // namespace weft
