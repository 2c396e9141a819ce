#include "runtime/file_syscall.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "executors/platform/files.h"

namespace weft {
namespace {

template <typename F>
int32_t Retrying(F call) {
  for (;;) {
    const auto result = call();
    if (result >= 0) return static_cast<int32_t>(result);
    if (errno != EINTR) return -errno;
  }
}

}  // namespace

int32_t FileSyscall(const IoOperation& op) {
  switch (op.opcode) {
    case IoOpcode::kRead:
      return Retrying([&] {
        const size_t length = std::min(op.length, kMaxFileTransfer);
        return op.offset >= 0 ? ::pread(op.fd, op.buffer, length, op.offset)
                              : ::read(op.fd, op.buffer, length);
      });
    case IoOpcode::kWrite:
      return Retrying([&] {
        const size_t length = std::min(op.length, kMaxFileTransfer);
        return op.offset >= 0 ? ::pwrite(op.fd, op.buffer, length, op.offset)
                              : ::write(op.fd, op.buffer, length);
      });
    case IoOpcode::kOpenAt:
      return Retrying([&] {
        return ::openat(op.fd, op.path, op.flags | O_CLOEXEC, op.mode);
      });
    case IoOpcode::kFsync:
      return Retrying([&] {
        return (op.flags & kFsyncDataOnly) != 0 ? ::fdatasync(op.fd)
                                                : ::fsync(op.fd);
      });
    case IoOpcode::kStatx:
      return platform::StatAt(op.fd, op.path, op.flags,
                              static_cast<platform::NativeStat*>(op.buffer));
    case IoOpcode::kRenameAt:
      return platform::RenameAt(op.fd, op.path, op.second_path,
                                static_cast<unsigned>(op.flags));
    case IoOpcode::kUnlinkAt:
      return Retrying([&] { return ::unlinkat(op.fd, op.path, op.flags); });
    case IoOpcode::kMkdirAt:
      return Retrying([&] { return ::mkdirat(op.fd, op.path, op.mode); });
    default:
      return -EINVAL;
  }
}

}  // namespace weft
