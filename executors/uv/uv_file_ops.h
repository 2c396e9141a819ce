// The file operations of the libuv backend as requests to libuv's thread
// pool: what UvPoller::Offload starts for a regular file's kRead/kWrite and
// for every file-system opcode (executor.h: kOpenAt, kFsync, kStatx,
// kRenameAt, kUnlinkAt, kMkdirAt), so that weft::fs runs through uv_fs_*
// on this backend rather than the runtime's blocking pool.
//
// Each opcode becomes the uv_fs_* call that does the same system call:
// uv_fs_read/uv_fs_write (at the offset, or the file position for -1),
// uv_fs_open (flags | platform::kCloseOnExec), uv_fs_fsync/uv_fs_fdatasync,
// uv_fs_fstat/uv_fs_stat/uv_fs_lstat, uv_fs_rename, uv_fs_unlink/
// uv_fs_rmdir, uv_fs_mkdir. The results are io_uring's: the new fd, the
// bytes moved, 0, or -errno (libuv's codes through uv_errors.h), and a
// kStatx fills its `struct statx` from libuv's uv_stat_t (which libuv
// itself fills from statx(2) on Linux).
//
// uv_fs_* names paths only relative to the working directory and takes no
// flags beyond the plain calls', so an operation it cannot express (a path
// relative to a directory fd, renameat2's flags, statx flags other than
// platform::kNoFollowSymlinks / StatOwnFdFlags()) runs its exact system
// call in the same thread pool instead (uv_queue_work; weft::FileSyscall).
// weft::fs itself never submits those.

#ifndef WEFT_EXECUTORS_UV_UV_FILE_OPS_H_
#define WEFT_EXECUTORS_UV_UV_FILE_OPS_H_

#include <uv.h>

#include <cstdint>

#include "executors/platform/files.h"
#include "runtime/executor.h"

namespace weft::uv {

// kOpenAt ... kMkdirAt.
bool IsFileSystemOpcode(IoOpcode opcode);

// Whether StartUvFs can run `op` (a kRead, kWrite or file-system opcode);
// if not, weft::FileSyscall does on a thread-pool thread.
bool ExpressibleWithUvFs(const IoOperation& op);

// -EFAULT for a file-system opcode without its path (or a kStatx without
// its buffer), as the kernel would say, else 0. Checked before StartUvFs:
// libuv would copy a null path (strdup) and crash the loop's thread.
int32_t MissingArgument(const IoOperation& op);

// Starts `op` as a uv_fs_* request on `loop`, which calls `done` on the
// loop's thread once it finished or was cancelled. Returns 0, or a negative
// libuv code when it did not start (then `done` never comes, and `request`
// still needs uv_fs_req_cleanup).
int StartUvFs(uv_loop_t* loop, uv_fs_t* request, const IoOperation& op,
              uv_fs_cb done);

// The result of `op` from its finished `request` (started by StartUvFs),
// as executor.h defines it; for a kStatx that succeeded, also fills
// `op.buffer`.
int32_t UvFsResult(const uv_fs_t& request, IoOperation& op);

// libuv's stat as the platform::NativeStat that a kStatx returns (on Linux
// a struct statx with the STATX_BASIC_STATS fields).
void NativeStatFromUv(const uv_stat_t& in, platform::NativeStat* out);

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_UV_FILE_OPS_H_
