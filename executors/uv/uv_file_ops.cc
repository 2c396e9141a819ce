#include "executors/uv/uv_file_ops.h"

#include <errno.h>
#include <uv.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "executors/common/nonblocking_io.h"
#include "executors/platform/files.h"
#include "executors/platform/target.h"
#include "executors/uv/uv_errors.h"
#include "runtime/executor.h"

#if WEFT_PLATFORM_LINUX
#include <sys/sysmacros.h>  // major, minor
#endif

namespace weft::uv {
namespace {

// Whether `path` names what the system call would with `dir` as its
// directory, for a uv_fs_* call that resolves relative paths against the
// working directory.
bool ResolvesLikeTheCwd(int dir, const char* path) {
  return dir == platform::kWorkingDirectory ||
         (path != nullptr && path[0] == '/');
}

#if WEFT_PLATFORM_LINUX
statx_timestamp Timestamp(const uv_timespec_t& time) {
  statx_timestamp stamp{};
  stamp.tv_sec = time.tv_sec;
  stamp.tv_nsec = static_cast<uint32_t>(time.tv_nsec);
  return stamp;
}
#else
platform::FileTime Timestamp(const uv_timespec_t& time) {
  return platform::FileTime{time.tv_sec, static_cast<uint32_t>(time.tv_nsec)};
}
#endif

}  // namespace

bool IsFileSystemOpcode(IoOpcode opcode) {
  switch (opcode) {
    case IoOpcode::kOpenAt:
    case IoOpcode::kFsync:
    case IoOpcode::kStatx:
    case IoOpcode::kRenameAt:
    case IoOpcode::kUnlinkAt:
    case IoOpcode::kMkdirAt:
      return true;
    default:
      return false;
  }
}

bool ExpressibleWithUvFs(const IoOperation& op) {
#if WEFT_PLATFORM_WINDOWS
  // uv_fs_* take C runtime descriptors there, and weft's files are HANDLEs
  // (platform/windows_files.cc): every file operation runs the platform
  // layer's call in libuv's thread pool instead.
  (void)op;
  return false;
#endif
  switch (op.opcode) {
    case IoOpcode::kRead:
    case IoOpcode::kWrite:
    case IoOpcode::kFsync:
      return true;
    case IoOpcode::kOpenAt:
    case IoOpcode::kMkdirAt:
      return ResolvesLikeTheCwd(op.fd, op.path);
    case IoOpcode::kStatx:
      if ((op.flags &
           ~(platform::kNoFollowSymlinks | platform::StatOwnFdFlags())) != 0) {
        return false;
      }
      // An empty path names the fd itself (platform::StatOwnFdFlags).
      if (op.path != nullptr && op.path[0] == '\0') {
        return op.fd >= 0;  // uv_fs_fstat
      }
      return ResolvesLikeTheCwd(op.fd, op.path);
    case IoOpcode::kRenameAt:
      return op.flags == 0 && ResolvesLikeTheCwd(op.fd, op.path) &&
             ResolvesLikeTheCwd(op.fd, op.second_path);
    case IoOpcode::kUnlinkAt:
      return (op.flags & ~platform::kRemoveDirectory) == 0 &&
             ResolvesLikeTheCwd(op.fd, op.path);
    default:
      return false;
  }
}

int32_t MissingArgument(const IoOperation& op) {
  if (!IsFileSystemOpcode(op.opcode) || op.opcode == IoOpcode::kFsync) {
    return 0;
  }
  if (op.path == nullptr ||
      (op.opcode == IoOpcode::kRenameAt && op.second_path == nullptr) ||
      (op.opcode == IoOpcode::kStatx && op.buffer == nullptr)) {
    return -EFAULT;
  }
  return 0;
}

int StartUvFs(uv_loop_t* loop, uv_fs_t* request, const IoOperation& op,
              uv_fs_cb done) {
  switch (op.opcode) {
    case IoOpcode::kRead:
    case IoOpcode::kWrite: {
      uv_buf_t buffer = uv_buf_init(static_cast<char*>(op.buffer),
                                    static_cast<unsigned int>(std::min(
                                        op.length, executors_common::kMaxIo)));
      // An offset of -1 reads or writes at the file position, as
      // executor.h's offset does.
      return op.opcode == IoOpcode::kRead
                 ? uv_fs_read(loop, request, op.fd, &buffer, 1, op.offset, done)
                 : uv_fs_write(loop, request, op.fd, &buffer, 1, op.offset,
                               done);
    }
    case IoOpcode::kOpenAt:
      // libuv adds O_CLOEXEC itself on Linux; said here for every port.
      return uv_fs_open(loop, request, op.path,
                        op.flags | platform::kCloseOnExec,
                        static_cast<int>(op.mode), done);
    case IoOpcode::kFsync:
      return (op.flags & kFsyncDataOnly) != 0
                 ? uv_fs_fdatasync(loop, request, op.fd, done)
                 : uv_fs_fsync(loop, request, op.fd, done);
    case IoOpcode::kStatx:
      // An empty path names the fd itself (platform::StatOwnFdFlags).
      if (op.path[0] == '\0') {
        return uv_fs_fstat(loop, request, op.fd, done);
      }
      return (op.flags & platform::kNoFollowSymlinks) != 0
                 ? uv_fs_lstat(loop, request, op.path, done)
                 : uv_fs_stat(loop, request, op.path, done);
    case IoOpcode::kRenameAt:
      return uv_fs_rename(loop, request, op.path, op.second_path, done);
    case IoOpcode::kUnlinkAt:
      return (op.flags & platform::kRemoveDirectory) != 0
                 ? uv_fs_rmdir(loop, request, op.path, done)
                 : uv_fs_unlink(loop, request, op.path, done);
    case IoOpcode::kMkdirAt:
      return uv_fs_mkdir(loop, request, op.path, static_cast<int>(op.mode),
                         done);
    default:
      return UV_EINVAL;
  }
}

int32_t UvFsResult(const uv_fs_t& request, IoOperation& op) {
  const int32_t result = ResultFromUv(request.result);
  if (result >= 0 && op.opcode == IoOpcode::kStatx) {
    NativeStatFromUv(request.statbuf,
                     static_cast<platform::NativeStat*>(op.buffer));
    return 0;
  }
  return result;
}

#if WEFT_PLATFORM_LINUX
void NativeStatFromUv(const uv_stat_t& in, platform::NativeStat* out) {
  std::memset(out, 0, sizeof *out);
  // Not STATX_BTIME: libuv copies a birth time the file system may not
  // know (then 0, or the change time where libuv falls back to stat(2)).
  out->stx_mask = STATX_BASIC_STATS;
  out->stx_blksize = static_cast<uint32_t>(in.st_blksize);
  out->stx_nlink = static_cast<uint32_t>(in.st_nlink);
  out->stx_uid = static_cast<uint32_t>(in.st_uid);
  out->stx_gid = static_cast<uint32_t>(in.st_gid);
  out->stx_mode = static_cast<uint16_t>(in.st_mode);
  out->stx_ino = in.st_ino;
  out->stx_size = in.st_size;
  out->stx_blocks = in.st_blocks;
  out->stx_atime = Timestamp(in.st_atim);
  out->stx_btime = Timestamp(in.st_birthtim);
  out->stx_ctime = Timestamp(in.st_ctim);
  out->stx_mtime = Timestamp(in.st_mtim);
  out->stx_rdev_major = major(in.st_rdev);
  out->stx_rdev_minor = minor(in.st_rdev);
  out->stx_dev_major = major(in.st_dev);
  out->stx_dev_minor = minor(in.st_dev);
}
#else
void NativeStatFromUv(const uv_stat_t& in, platform::NativeStat* out) {
  *out = platform::FileStat{.mode = static_cast<uint32_t>(in.st_mode),
                            .size = in.st_size,
                            .accessed = Timestamp(in.st_atim),
                            .modified = Timestamp(in.st_mtim)};
}
#endif

}  // namespace weft::uv
