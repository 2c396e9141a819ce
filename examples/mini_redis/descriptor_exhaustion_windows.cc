// Windows: a process's sockets are kernel handles, bounded by its handle
// table (about 16 million entries) and memory, not by a limit the process
// can lower as RLIMIT_NOFILE; using them all up is not a test's business.

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "examples/mini_redis/descriptor_exhaustion.h"

namespace mini_redis {

absl::Status CanExhaustDescriptors() {
  return absl::UnimplementedError(
      "Windows has no per-process descriptor limit to lower (no "
      "RLIMIT_NOFILE): sockets are kernel handles bounded only by the handle "
      "table and memory, so accept cannot be made to fail for want of "
      "descriptors");
}

absl::StatusOr<std::unique_ptr<DescriptorExhaustion>> ExhaustDescriptors() {
  return CanExhaustDescriptors();
}

}  // namespace mini_redis
