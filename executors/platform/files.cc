#include "executors/platform/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

namespace weft::platform {
namespace {

static_assert(kModeTypeMask == S_IFMT && kModeRegular == S_IFREG &&
              kModeDirectory == S_IFDIR && kModeSymlink == S_IFLNK);

// A call that sets errno, retried on EINTR: its result, or -errno.
template <typename F>
auto Retrying(F call) -> decltype(call()) {
  for (;;) {
    const auto result = call();
    if (result >= 0) return result;
    if (errno != EINTR) return -errno;
  }
}

#if WEFT_PLATFORM_LINUX
FileTime TimeOf(const statx_timestamp& time) {
  return FileTime{time.tv_sec, time.tv_nsec};
}
#endif

EntryKind KindOfMode(mode_t mode) {
  if (S_ISREG(mode)) return EntryKind::kFile;
  if (S_ISDIR(mode)) return EntryKind::kDirectory;
  if (S_ISLNK(mode)) return EntryKind::kSymlink;
  return EntryKind::kOther;
}

EntryKind KindByStat(int dir, const char* name) {
  struct stat status;
  if (::fstatat(dir, name, &status, AT_SYMLINK_NOFOLLOW) != 0) {
    return EntryKind::kOther;
  }
  return KindOfMode(status.st_mode);
}

// What `entry`, read from the directory open as `dir`, is.
EntryKind KindOf(int dir, const dirent& entry) {
#if WEFT_PLATFORM_LINUX
  switch (entry.d_type) {
    case DT_REG:
      return EntryKind::kFile;
    case DT_DIR:
      return EntryKind::kDirectory;
    case DT_LNK:
      return EntryKind::kSymlink;
    case DT_UNKNOWN:
      return KindByStat(dir, entry.d_name);
    default:
      return EntryKind::kOther;
  }
#else
  // POSIX does not promise d_type.
  return KindByStat(dir, entry.d_name);
#endif
}

}  // namespace

#if WEFT_PLATFORM_LINUX

FileStat DecodeStat(const NativeStat& native) {
  return FileStat{.mode = native.stx_mode,
                  .size = native.stx_size,
                  .accessed = TimeOf(native.stx_atime),
                  .modified = TimeOf(native.stx_mtime)};
}

int32_t StatAt(int dir, const char* path, int flags, NativeStat* out) {
  while (::statx(dir, path, flags, STATX_BASIC_STATS, out) != 0) {
    if (errno != EINTR) return -errno;
  }
  return 0;
}

int StatOwnFdFlags() { return AT_EMPTY_PATH; }

int32_t RenameAt(int dir, const char* from, const char* to, unsigned flags) {
  while (::renameat2(dir, from, dir, to, flags) != 0) {
    if (errno != EINTR) return -errno;
  }
  return 0;
}

int MakePipe(int fds[2]) { return ::pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno; }

#else  // POSIX

FileStat DecodeStat(const NativeStat& native) { return native; }

int32_t StatAt(int dir, const char* path, int flags, NativeStat* out) {
  struct stat status;
  int result;
  do {
    result = path[0] == '\0' ? ::fstat(dir, &status)
                             : ::fstatat(dir, path, &status, flags);
  } while (result != 0 && errno == EINTR);
  if (result != 0) return -errno;
  *out = FileStat{.mode = static_cast<uint32_t>(status.st_mode),
                  .size = static_cast<uint64_t>(status.st_size),
                  .accessed = {status.st_atim.tv_sec,
                               static_cast<uint32_t>(status.st_atim.tv_nsec)},
                  .modified = {status.st_mtim.tv_sec,
                               static_cast<uint32_t>(status.st_mtim.tv_nsec)}};
  return 0;
}

int StatOwnFdFlags() { return 0; }

int32_t RenameAt(int dir, const char* from, const char* to, unsigned flags) {
  if (flags != 0) return -EINVAL;
  while (::renameat(dir, from, dir, to) != 0) {
    if (errno != EINTR) return -errno;
  }
  return 0;
}

int MakePipe(int fds[2]) {
  // No pipe2: a fork between the two calls could leak the fds into a
  // child; POSIX before 2024 offers nothing better.
  if (::pipe(fds) != 0) return errno;
  ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  return 0;
}

#endif

int32_t OpenAt(int dir, const char* path, int flags, uint32_t mode) {
  return Retrying([&] { return ::openat(dir, path, flags | O_CLOEXEC, mode); });
}

int64_t ReadAt(int fd, void* buffer, size_t length, int64_t offset) {
  return Retrying([&]() -> int64_t {
    return offset >= 0 ? ::pread(fd, buffer, length, offset)
                       : ::read(fd, buffer, length);
  });
}

int64_t WriteAt(int fd, const void* buffer, size_t length, int64_t offset) {
  return Retrying([&]() -> int64_t {
    return offset >= 0 ? ::pwrite(fd, buffer, length, offset)
                       : ::write(fd, buffer, length);
  });
}

int32_t SyncFile(int fd, bool data_only) {
  return Retrying([&] { return data_only ? ::fdatasync(fd) : ::fsync(fd); });
}

int32_t TruncateFile(int fd, uint64_t size) {
  return Retrying([&] { return ::ftruncate(fd, static_cast<off_t>(size)); });
}

void CloseFile(int fd) {
  if (fd >= 0) ::close(fd);
}

int32_t UnlinkAt(int dir, const char* path, int flags) {
  return Retrying([&] { return ::unlinkat(dir, path, flags); });
}

int32_t MakeDirectoryAt(int dir, const char* path, uint32_t mode) {
  return Retrying(
      [&] { return ::mkdirat(dir, path, static_cast<mode_t>(mode)); });
}

int32_t ListDirectory(const char* path, std::vector<DirectoryEntry>* entries) {
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return -errno;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    entries->push_back({name, KindOf(::dirfd(dir), *entry)});
  }
  // readdir's end and its failure differ only in errno.
  const int error = errno;
  ::closedir(dir);
  return -error;
}

}  // namespace weft::platform
