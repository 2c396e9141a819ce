// DescriptorExhaustion: uses up this process's file descriptors, so that the
// next socket() or accept() fails for want of one (EMFILE), as server_test
// needs to see mini_redis's accept loop back off. Where a process's
// descriptors cannot be used up (Windows; Linux under UBSan),
// CanExhaustDescriptors says why, so that the test skips naming the reason
// instead of failing.

#ifndef WEFT_EXAMPLES_MINI_REDIS_DESCRIPTOR_EXHAUSTION_H_
#define WEFT_EXAMPLES_MINI_REDIS_DESCRIPTOR_EXHAUSTION_H_

#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mini_redis {

// Holds every free descriptor until destroyed, which gives them back.
class DescriptorExhaustion {
 public:
  virtual ~DescriptorExhaustion() = default;

  // Takes every free descriptor (again).
  virtual void Fill() = 0;

  // Gives `count` descriptors back.
  virtual void Free(size_t count) = 0;
};

// OK where this process's descriptors can be used up; otherwise why not
// (the platform and what it lacks, or the sanitizer that needs them).
absl::Status CanExhaustDescriptors();

// Takes every free descriptor; CanExhaustDescriptors()'s error where that
// cannot be done.
absl::StatusOr<std::unique_ptr<DescriptorExhaustion>> ExhaustDescriptors();

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_DESCRIPTOR_EXHAUSTION_H_
