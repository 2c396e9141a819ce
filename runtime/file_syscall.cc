#include "runtime/file_syscall.h"

#include <algorithm>
#include <cerrno>

#include "executors/platform/files.h"

namespace weft {

int32_t FileSyscall(const IoOperation& op) {
  switch (op.opcode) {
    case IoOpcode::kRead:
      return static_cast<int32_t>(platform::ReadAt(
          op.fd, op.buffer, std::min(op.length, kMaxFileTransfer), op.offset));
    case IoOpcode::kWrite:
      return static_cast<int32_t>(platform::WriteAt(
          op.fd, op.buffer, std::min(op.length, kMaxFileTransfer), op.offset));
    case IoOpcode::kOpenAt:
      return platform::OpenAt(op.fd, op.path, op.flags, op.mode);
    case IoOpcode::kFsync:
      return platform::SyncFile(op.fd, (op.flags & kFsyncDataOnly) != 0);
    case IoOpcode::kStatx:
      return platform::StatAt(op.fd, op.path, op.flags,
                              static_cast<platform::NativeStat*>(op.buffer));
    case IoOpcode::kRenameAt:
      return platform::RenameAt(op.fd, op.path, op.second_path,
                                static_cast<unsigned>(op.flags));
    case IoOpcode::kUnlinkAt:
      return platform::UnlinkAt(op.fd, op.path, op.flags);
    case IoOpcode::kMkdirAt:
      return platform::MakeDirectoryAt(op.fd, op.path, op.mode);
    default:
      return -EINVAL;
  }
}

}  // namespace weft
