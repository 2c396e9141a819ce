#include "runtime/fs/file_op.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "executors/platform/errors.h"
#include "executors/platform/files.h"
#include "runtime/file_syscall.h"
#include "runtime/internal/driver/driver.h"
#include "runtime/spawn.h"

namespace weft::fs::internal {
namespace {

using weft::internal::IoAwaiter;
using weft::internal::IoRequest;

// The runner's reference to a request on the blocking pool. Destroyed
// without having run (the runtime shut down first), it still completes the
// request, with -ECANCELED, so that the request is freed and its awaiter
// woken.
class BlockingRun {
 public:
  explicit BlockingRun(IoRequest* request) : request_(request) {}
  BlockingRun(BlockingRun&& other) noexcept
      : request_(std::exchange(other.request_, nullptr)) {}
  BlockingRun& operator=(BlockingRun&&) = delete;
  ~BlockingRun() {
    if (request_ != nullptr) Complete(-ECANCELED);
  }

  void operator()() { Complete(weft::FileSyscall(request_->op())); }

 private:
  void Complete(int32_t result) {
    IoOperation& op = std::exchange(request_, nullptr)->op();
    op.complete(op.context, result);  // may free the request
  }

  IoRequest* request_;
};

void RunOnBlockingPool(IoRequest* request) {
  BlockingRun run(request);
  (void)weft::spawn_blocking(std::move(run));  // detached
}

IoAwaiter::Runner RunnerForThisThread() {
  weft::internal::Driver* driver = weft::internal::CurrentDriver();
  // No driver: the IoAwaiter throws the UsageError that says so.
  if (driver == nullptr || driver->SupportsFileOps()) return nullptr;
  return &RunOnBlockingPool;
}

}  // namespace

OwnedFd::~OwnedFd() { platform::CloseFile(fd_); }

IoRequest* NewPathRequest(IoOpcode opcode, std::string_view path,
                          std::string_view second_path, size_t payload) {
  // Payload first: it is suitably aligned right after the request.
  const size_t size = payload + path.size() + 1 + second_path.size() + 1;
  IoRequest* request =
      IoRequest::New(opcode, platform::kWorkingDirectory, size);
  char* memory = request->buffer();
  std::memset(memory, 0, size);
  char* first = memory + payload;
  // An empty view may have a null data(), which memcpy must not get.
  if (!path.empty()) std::memcpy(first, path.data(), path.size());
  char* second = first + path.size() + 1;
  if (!second_path.empty()) {
    std::memcpy(second, second_path.data(), second_path.size());
  }
  IoOperation& op = request->op();
  op.buffer = payload > 0 ? memory : nullptr;
  op.length = payload;
  op.path = first;
  op.second_path = second;
  return request;
}

FileOp::FileOp(const char* operation, IoRequest* request)
    : awaiter_(operation, request, RunnerForThisThread()) {}

absl::Status FsError(int error_number, std::string_view operation,
                     std::string_view path) {
  return platform::ErrorStatus(error_number, operation, path);
}

}  // namespace weft::fs::internal
