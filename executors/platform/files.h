// The file-system calls runtime/ needs whose form differs between Linux and
// the other POSIX systems: a file's status (statx on Linux, fstatat
// elsewhere), rename, a directory entry's kind, and a close-on-exec pipe.
//
// A kStatx operation (runtime/executor.h) fills a NativeStat, the struct
// the platform's own call fills (io_uring writes a struct statx itself);
// DecodeStat reads what runtime/ needs from it.

#ifndef WEFT_EXECUTORS_PLATFORM_FILES_H_
#define WEFT_EXECUTORS_PLATFORM_FILES_H_

#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>

#include "executors/platform/target.h"

namespace weft::platform {

/// A time as seconds and nanoseconds since the Unix epoch.
struct FileTime {
  int64_t seconds = 0;
  uint32_t nanoseconds = 0;
};

/// What weft reports about a file (fs::Metadata).
struct FileStat {
  uint32_t mode = 0;  ///< type and permission bits, as st_mode
  uint64_t size = 0;
  FileTime accessed;
  FileTime modified;
};

#if WEFT_PLATFORM_LINUX
using NativeStat = struct statx;
#else
using NativeStat = FileStat;
#endif

/// The fields of a NativeStat that a kStatx filled.
FileStat DecodeStat(const NativeStat& native);

/// The status of `path` relative to the directory `dir` (AT_FDCWD: the
/// working directory) into `*out`; `flags` may hold AT_SYMLINK_NOFOLLOW,
/// and with an empty `path`, StatOwnFdFlags() to describe `dir` itself.
/// 0 or -errno. Blocks.
int32_t StatAt(int dir, const char* path, int flags, NativeStat* out);
/// The flags that, with an empty path, make a kStatx describe its fd.
int StatOwnFdFlags();

/// renameat, or renameat2 where `flags` is not 0 (Linux only: elsewhere
/// -EINVAL). 0 or -errno.
int32_t RenameAt(int dir, const char* from, const char* to, unsigned flags);

enum class EntryKind { kFile, kDirectory, kSymlink, kOther };
/// What `entry`, read from the directory open as `dir`, is (without
/// following a symbolic link). Uses the entry's own type where the
/// platform gives one, else an fstatat.
EntryKind KindOf(int dir, const dirent& entry);

/// A pipe whose two ends are close-on-exec. 0 or errno.
int MakePipe(int fds[2]);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_FILES_H_
