// The file-system calls runtime/ needs (weft::fs, and the blocking pool's
// FileSyscall), with the flags they take: files.cc for Linux (statx,
// renameat2) and the other POSIX systems (fstatat, renameat),
// windows_files.cc for Windows (Win32 handles).
//
// Every platform speaks POSIX here: a file is an int descriptor (on
// Windows a HANDLE's value, in the same number space as the sockets, so
// that a reactor can tell a file from a socket by asking the handle:
// platform/handles.h; kernel handles keep to 32 bits), modes and
// flags mean what they mean to POSIX, and results are >= 0 or -errno (on
// Windows mingw-w64's errno numbers, translated from Win32's codes; one
// without a POSIX counterpart is EIO).
//
// A kStatx operation (runtime/executor.h) fills a NativeStat, the struct
// the platform's own call fills (io_uring writes a struct statx itself);
// DecodeStat reads what runtime/ needs from it.
//
// Windows, as tokio (Rust's std) does there: files are binary (every read
// and write goes to the handle, with no text translation), not inherited
// by child processes, and may be renamed or deleted while open; opening a
// directory as a file is EACCES; paths are UTF-8 (invalid UTF-8: EINVAL).
// Paths are resolved only against the working directory: a `dir` other
// than kWorkingDirectory is EINVAL (weft::fs passes nothing else).

#ifndef WEFT_EXECUTORS_PLATFORM_FILES_H_
#define WEFT_EXECUTORS_PLATFORM_FILES_H_

#include <fcntl.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "executors/platform/target.h"

namespace weft::platform {

// kWorkingDirectory: the `dir` of the path calls that resolves a relative
// path against the working directory (AT_FDCWD). kNoFollowSymlinks: StatAt
// describes a final symbolic link itself (AT_SYMLINK_NOFOLLOW).
// kRemoveDirectory: UnlinkAt removes an empty directory (AT_REMOVEDIR).
// kCloseOnExec: the open flag that keeps a descriptor from child processes
// (O_CLOEXEC; OpenAt adds it itself, the uv backend for uv_fs_open); 0 on
// Windows, where a handle is created not inheritable.
#if WEFT_PLATFORM_WINDOWS
// Linux's numbers; only this layer and the uv backend read them.
inline constexpr int kWorkingDirectory = -100;
inline constexpr int kNoFollowSymlinks = 0x100;
inline constexpr int kRemoveDirectory = 0x200;
inline constexpr int kCloseOnExec = 0;
#else
inline constexpr int kWorkingDirectory = AT_FDCWD;
inline constexpr int kNoFollowSymlinks = AT_SYMLINK_NOFOLLOW;
inline constexpr int kRemoveDirectory = AT_REMOVEDIR;
inline constexpr int kCloseOnExec = O_CLOEXEC;
#endif

/// OpenAt's flags (open(2)'s; on Windows the C runtime's, which libuv's
/// uv_fs_open takes too).
inline constexpr int kOpenReadOnly = O_RDONLY;
inline constexpr int kOpenWriteOnly = O_WRONLY;
inline constexpr int kOpenReadWrite = O_RDWR;
inline constexpr int kOpenAppend = O_APPEND;
inline constexpr int kOpenCreate = O_CREAT;
inline constexpr int kOpenExclusive = O_EXCL;
inline constexpr int kOpenTruncate = O_TRUNC;

/// The type bits of a FileStat's mode: POSIX's values, which libuv's stat
/// uses on Windows too (files.cc checks them against <sys/stat.h>).
inline constexpr uint32_t kModeTypeMask = 0170000;
inline constexpr uint32_t kModeRegular = 0100000;
inline constexpr uint32_t kModeDirectory = 0040000;
inline constexpr uint32_t kModeSymlink = 0120000;
/// S_ISREG, S_ISDIR and S_ISLNK.
constexpr bool IsRegularMode(uint32_t mode) {
  return (mode & kModeTypeMask) == kModeRegular;
}
constexpr bool IsDirectoryMode(uint32_t mode) {
  return (mode & kModeTypeMask) == kModeDirectory;
}
constexpr bool IsSymlinkMode(uint32_t mode) {
  return (mode & kModeTypeMask) == kModeSymlink;
}

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

/// The status of `path` relative to the directory `dir` into `*out`;
/// `flags` may hold kNoFollowSymlinks, and with an empty `path`,
/// StatOwnFdFlags() to describe `dir` itself. 0 or -errno. Blocks.
///
/// Windows, as libuv's stat: the mode is a type (a symbolic link, or a
/// directory junction, only with kNoFollowSymlinks) and 0666, or 0444 for
/// a read-only file; a directory's size is 0.
int32_t StatAt(int dir, const char* path, int flags, NativeStat* out);
/// The flags that, with an empty path, make a kStatx describe its fd.
int StatOwnFdFlags();

/// openat(dir, path, flags | kCloseOnExec, mode): the new descriptor, or
/// -errno. Blocks. On Windows, `mode` without the owner's write bit (0200)
/// creates a read-only file, as libuv does; the other bits mean nothing.
int32_t OpenAt(int dir, const char* path, int flags, uint32_t mode);

/// Reads at most `length` bytes of `fd` into `buffer` at `offset`, or at
/// the file position (which advances) when `offset` is -1: the count (0 at
/// the end of the file) or -errno. Blocks. On Windows a read at an offset
/// puts the file position back afterwards, as libuv does (Windows moves
/// it), so it is not atomic with respect to another thread using the
/// position of the same file.
int64_t ReadAt(int fd, void* buffer, size_t length, int64_t offset);
/// The same for writing.
int64_t WriteAt(int fd, const void* buffer, size_t length, int64_t offset);

/// fsync, or fdatasync with `data_only`: 0 or -errno. On Windows both are
/// FlushFileBuffers, which needs a file open for writing (EACCES
/// otherwise, as tokio says there).
int32_t SyncFile(int fd, bool data_only);

/// ftruncate: `fd`'s size becomes `size`. 0 or -errno.
int32_t TruncateFile(int fd, uint64_t size);

/// close; errors are not reported (a regular file's close has nothing to
/// say that weft could act on).
void CloseFile(int fd);

/// unlinkat: removes the file `path`, or with kRemoveDirectory in `flags`
/// the empty directory. 0 or -errno.
int32_t UnlinkAt(int dir, const char* path, int flags);

/// mkdirat: creates the directory `path` (`mode` before the umask; Windows
/// has no mode bits). 0 or -errno.
int32_t MakeDirectoryAt(int dir, const char* path, uint32_t mode);

/// renameat, or renameat2 where `flags` is not 0 (Linux only: elsewhere
/// -EINVAL). 0 or -errno. On Windows MoveFileExW, replacing a file `to`.
int32_t RenameAt(int dir, const char* from, const char* to, unsigned flags);

enum class EntryKind { kFile, kDirectory, kSymlink, kOther };

/// One entry of a directory listing.
struct DirectoryEntry {
  std::string name;
  /// Without following a symbolic link: the entry's own type where the
  /// platform lists one, else an fstatat (kOther when that fails).
  EntryKind kind = EntryKind::kOther;
};

/// Appends the entries of the directory `path`, without "." and "..", to
/// `*entries` in the order the file system lists them. 0 or -errno.
/// Blocks.
int32_t ListDirectory(const char* path, std::vector<DirectoryEntry>* entries);

/// A pipe whose two ends are close-on-exec. 0 or errno. Linux and POSIX
/// only (no Windows implementation yet).
int MakePipe(int fds[2]);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_FILES_H_
