#include "executors/uring/ring_setup.h"

#include <errno.h>

#include <atomic>

namespace weft::uring {
namespace {

constexpr unsigned kOptionalFlags = IORING_SETUP_COOP_TASKRUN |
                                    IORING_SETUP_TASKRUN_FLAG |
                                    IORING_SETUP_SUBMIT_ALL;
constexpr unsigned kCqPerSq = 4;

// Set once the kernel refused kOptionalFlags, so later rings do not ask.
std::atomic<bool> optional_flags_refused{false};

}  // namespace

int SetUpRing(io_uring* ring, unsigned sq_entries) {
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
  params.cq_entries = sq_entries * kCqPerSq;
  if (!optional_flags_refused.load(std::memory_order_relaxed)) {
    io_uring_params with_optional = params;
    with_optional.flags |= kOptionalFlags;
    const int ret =
        io_uring_queue_init_params(sq_entries, ring, &with_optional);
    if (ret != -EINVAL) return ret;
    optional_flags_refused.store(true, std::memory_order_relaxed);
  }
  return io_uring_queue_init_params(sq_entries, ring, &params);
}

}  // namespace weft::uring
