// Linux: lowers RLIMIT_NOFILE to a little above the highest descriptor open
// (so that filling is quick) and opens /dev/null until that fails; not
// under UndefinedBehaviorSanitizer, which needs descriptors of its own.

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "examples/mini_redis/descriptor_exhaustion.h"
#include "gtest/gtest.h"

// Defined when UndefinedBehaviorSanitizer's runtime is linked (--config=asan).
extern "C" __attribute__((weak)) void __ubsan_handle_dynamic_type_cache_miss(
    void*, void*, void*);

namespace mini_redis {
namespace {

class RlimitExhaustion : public DescriptorExhaustion {
 public:
  RlimitExhaustion() {
    EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &saved_), 0);
    int highest = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd")) {
      highest = std::max(highest, std::stoi(entry.path().filename()));
    }
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, highest + 32);
    EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
    Fill();
  }
  ~RlimitExhaustion() override {
    for (int fd : fillers_) close(fd);
    setrlimit(RLIMIT_NOFILE, &saved_);
  }

  void Fill() override {
    while (true) {
      int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      fillers_.push_back(fd);
    }
    EXPECT_EQ(errno, EMFILE);
  }

  void Free(size_t count) override {
    for (; count > 0 && !fillers_.empty(); --count) {
      close(fillers_.back());
      fillers_.pop_back();
    }
  }

 private:
  rlimit saved_{};
  std::vector<int> fillers_;
};

}  // namespace

absl::Status CanExhaustDescriptors() {
  if (&__ubsan_handle_dynamic_type_cache_miss != nullptr) {
    // UBSan's vptr check opens a pipe to see whether an object's memory is
    // readable; while every descriptor is held that fails, and the check
    // reports a valid object as having an invalid vptr.
    return absl::FailedPreconditionError(
        "needs free descriptors under UBSan's vptr check");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DescriptorExhaustion>> ExhaustDescriptors() {
  if (absl::Status can = CanExhaustDescriptors(); !can.ok()) return can;
  return std::make_unique<RlimitExhaustion>();
}

}  // namespace mini_redis
