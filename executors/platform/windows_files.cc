// files.h on Windows: Win32 calls on a file's HANDLE (whose value is the
// "descriptor"), opened as Rust's std (and libuv) open files there.

#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "executors/platform/files.h"

namespace weft::platform {
namespace {

// At most this much moves in one ReadFile or WriteFile (its count is a
// DWORD); FileSyscall asks for no more anyway.
constexpr size_t kMaxTransfer = 0x7ffff000;

// 100-nanosecond ticks from 1601-01-01 to 1970-01-01.
constexpr int64_t kUnixEpochTicks = 116444736000000000;

// The POSIX error number for a Win32 code (GetLastError), as libuv's
// uv_translate_sys_error and Rust's decode_error_kind see them; EIO for
// the rest.
int ErrorFromWin32(DWORD code) {
  switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
      return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_NETWORK_ACCESS_DENIED:
      return EACCES;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_BUSY:
    case ERROR_PATH_BUSY:
      return EBUSY;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
      return EEXIST;
    case ERROR_DIR_NOT_EMPTY:
      return ENOTEMPTY;
    case ERROR_DIRECTORY:
      return ENOTDIR;
    case ERROR_INVALID_HANDLE:
    case ERROR_INVALID_TARGET_HANDLE:
      return EBADF;
    case ERROR_TOO_MANY_OPEN_FILES:
      return EMFILE;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
      return ENOMEM;
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_FLAGS:
    case ERROR_NEGATIVE_SEEK:
    case ERROR_NO_UNICODE_TRANSLATION:
      return EINVAL;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
      return ENOSPC;
    case ERROR_FILE_TOO_LARGE:
      return EFBIG;
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_BUFFER_OVERFLOW:
      return ENAMETOOLONG;
    case ERROR_NOT_SAME_DEVICE:
      return EXDEV;
    case ERROR_WRITE_PROTECT:
      return EROFS;
    case ERROR_TOO_MANY_LINKS:
      return EMLINK;
    case ERROR_CANT_RESOLVE_FILENAME:
      return ELOOP;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
      return EPIPE;
    case ERROR_NOT_SUPPORTED:
      return ENOTSUP;
    case ERROR_CALL_NOT_IMPLEMENTED:
      return ENOSYS;
    case ERROR_OPERATION_ABORTED:
      return ECANCELED;
    case ERROR_NOACCESS:
      return EFAULT;
    default:
      return EIO;
  }
}

int32_t LastError() { return -ErrorFromWin32(::GetLastError()); }

// `path` (UTF-8) as Windows' UTF-16 into `*wide`: 0 or -errno.
int32_t Widen(const char* path, std::wstring* wide) {
  if (path == nullptr) return -EFAULT;
  const int length = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path,
                                           -1, nullptr, 0);
  if (length <= 0) return -EINVAL;
  wide->resize(static_cast<size_t>(length));
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide->data(),
                        length);
  wide->pop_back();  // the terminator, which std::wstring keeps itself
  return 0;
}

std::string Narrow(const wchar_t* name) {
  const int length =
      ::WideCharToMultiByte(CP_UTF8, 0, name, -1, nullptr, 0, nullptr, nullptr);
  if (length <= 0) return std::string();
  std::string narrow(static_cast<size_t>(length), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, name, -1, narrow.data(), length, nullptr,
                        nullptr);
  narrow.pop_back();
  return narrow;
}

// The path of a path call, resolved as files.h says: 0 or -errno.
int32_t PathOf(int dir, const char* path, std::wstring* wide) {
  if (dir != kWorkingDirectory) return -EINVAL;
  return Widen(path, wide);
}

// A file's "fd" on Windows is its HANDLE's value, in the same number space
// as the sockets' (a SOCKET is a HANDLE), so that a reactor can tell the two
// apart by asking the handle (platform/handles.h), which a C runtime
// descriptor would not allow. Kernel handles keep to 32 bits (Windows
// guarantees it for 32-bit processes), so the value survives an int and
// its sign extension back.
HANDLE HandleOf(int fd) {
  if (fd < 0) return INVALID_HANDLE_VALUE;
  return reinterpret_cast<HANDLE>(static_cast<intptr_t>(fd));
}

FileTime TimeOf(const FILETIME& time) {
  const int64_t ticks =
      static_cast<int64_t>(static_cast<uint64_t>(time.dwHighDateTime) << 32 |
                           time.dwLowDateTime) -
      kUnixEpochTicks;
  int64_t seconds = ticks / 10000000;
  int64_t rest = ticks % 10000000;
  if (rest < 0) {
    --seconds;
    rest += 10000000;
  }
  return FileTime{seconds, static_cast<uint32_t>(rest * 100)};
}

// A symbolic link or a junction: the reparse points Rust's std calls
// symbolic links (name surrogates).
bool IsLink(HANDLE handle, DWORD attributes) {
  if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) == 0) return false;
  FILE_ATTRIBUTE_TAG_INFO tag{};
  return ::GetFileInformationByHandleEx(handle, FileAttributeTagInfo, &tag,
                                        sizeof tag) &&
         IsReparseTagNameSurrogate(tag.ReparseTag);
}

int32_t StatHandle(HANDLE handle, bool link_itself, FileStat* out) {
  BY_HANDLE_FILE_INFORMATION info;
  if (!::GetFileInformationByHandle(handle, &info)) return LastError();
  FileStat stat;
  if (link_itself && IsLink(handle, info.dwFileAttributes)) {
    stat.mode = kModeSymlink;
  } else if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    stat.mode = kModeDirectory;
  } else {
    stat.mode = kModeRegular;
    stat.size =
        static_cast<uint64_t>(info.nFileSizeHigh) << 32 | info.nFileSizeLow;
  }
  stat.mode |=
      (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0 ? 0444 : 0666;
  stat.accessed = TimeOf(info.ftLastAccessTime);
  stat.modified = TimeOf(info.ftLastWriteTime);
  *out = stat;
  return 0;
}

EntryKind KindOf(const WIN32_FIND_DATAW& found) {
  if ((found.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0 &&
      IsReparseTagNameSurrogate(found.dwReserved0)) {
    return EntryKind::kSymlink;
  }
  return (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0
             ? EntryKind::kDirectory
             : EntryKind::kFile;
}

// Windows moves the file position even for a read or write at an offset;
// this puts it back, as libuv does, so that the position means what it
// does on POSIX.
class KeepPosition {
 public:
  explicit KeepPosition(HANDLE handle) : handle_(handle) {
    LARGE_INTEGER zero{};
    kept_ = ::SetFilePointerEx(handle_, zero, &position_, FILE_CURRENT);
  }
  KeepPosition(const KeepPosition&) = delete;
  KeepPosition& operator=(const KeepPosition&) = delete;
  ~KeepPosition() {
    if (kept_) ::SetFilePointerEx(handle_, position_, nullptr, FILE_BEGIN);
  }

 private:
  HANDLE handle_;
  LARGE_INTEGER position_{};
  BOOL kept_;
};

OVERLAPPED At(int64_t offset) {
  OVERLAPPED at{};
  at.Offset = static_cast<DWORD>(static_cast<uint64_t>(offset));
  at.OffsetHigh = static_cast<DWORD>(static_cast<uint64_t>(offset) >> 32);
  return at;
}

}  // namespace

FileStat DecodeStat(const NativeStat& native) { return native; }

int StatOwnFdFlags() { return 0; }

int32_t StatAt(int dir, const char* path, int flags, NativeStat* out) {
  if ((flags & ~kNoFollowSymlinks) != 0) return -EINVAL;
  if (path != nullptr && path[0] == '\0') {
    const HANDLE handle = HandleOf(dir);
    if (handle == INVALID_HANDLE_VALUE) return -EBADF;
    return StatHandle(handle, false, out);
  }
  std::wstring wide;
  if (int32_t error = PathOf(dir, path, &wide); error != 0) return error;
  const bool link_itself = (flags & kNoFollowSymlinks) != 0;
  // Backup semantics: a directory opens too.
  const HANDLE handle =
      ::CreateFileW(wide.c_str(), FILE_READ_ATTRIBUTES,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    nullptr, OPEN_EXISTING,
                    FILE_FLAG_BACKUP_SEMANTICS |
                        (link_itself ? FILE_FLAG_OPEN_REPARSE_POINT : 0),
                    nullptr);
  if (handle == INVALID_HANDLE_VALUE) return LastError();
  const int32_t result = StatHandle(handle, link_itself, out);
  ::CloseHandle(handle);
  return result;
}

int32_t OpenAt(int dir, const char* path, int flags, uint32_t mode) {
  std::wstring wide;
  if (int32_t error = PathOf(dir, path, &wide); error != 0) return error;
  DWORD access;
  switch (flags & (O_RDONLY | O_WRONLY | O_RDWR)) {
    case O_RDONLY:
      access = FILE_GENERIC_READ;
      break;
    case O_WRONLY:
      access = FILE_GENERIC_WRITE;
      break;
    case O_RDWR:
      access = FILE_GENERIC_READ | FILE_GENERIC_WRITE;
      break;
    default:
      return -EINVAL;
  }
  // Append-only access: Windows then writes at the end itself, atomically.
  if ((flags & O_APPEND) != 0)
    access = (access & ~FILE_WRITE_DATA) | FILE_APPEND_DATA;
  DWORD disposition;
  switch (flags & (O_CREAT | O_EXCL | O_TRUNC)) {
    case O_CREAT | O_EXCL:
    case O_CREAT | O_EXCL | O_TRUNC:
      disposition = CREATE_NEW;
      break;
    case O_CREAT | O_TRUNC:
      disposition = CREATE_ALWAYS;
      break;
    case O_CREAT:
      disposition = OPEN_ALWAYS;
      break;
    case O_TRUNC:
    case O_TRUNC | O_EXCL:
      disposition = TRUNCATE_EXISTING;
      break;
    default:
      disposition = OPEN_EXISTING;
      break;
  }
  DWORD attributes = FILE_ATTRIBUTE_NORMAL;
  if ((flags & O_CREAT) != 0 && (mode & 0200) == 0) {
    attributes = FILE_ATTRIBUTE_READONLY;
  }
  // No security attributes: the handle is not inherited. Every sharing
  // mode, so that the file can be renamed or removed while open, as on
  // POSIX (Rust's std and libuv do the same).
  const HANDLE handle =
      ::CreateFileW(wide.c_str(), access,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    nullptr, disposition, attributes, nullptr);
  if (handle == INVALID_HANDLE_VALUE) return LastError();
  return static_cast<int32_t>(reinterpret_cast<intptr_t>(handle));
}

int64_t ReadAt(int fd, void* buffer, size_t length, int64_t offset) {
  const HANDLE handle = HandleOf(fd);
  if (handle == INVALID_HANDLE_VALUE) return -EBADF;
  const auto wanted = static_cast<DWORD>(std::min(length, kMaxTransfer));
  DWORD got = 0;
  BOOL done;
  if (offset < 0) {
    done = ::ReadFile(handle, buffer, wanted, &got, nullptr);
  } else {
    KeepPosition keep(handle);
    OVERLAPPED at = At(offset);
    done = ::ReadFile(handle, buffer, wanted, &got, &at);
  }
  if (done) return got;
  const DWORD error = ::GetLastError();
  // The end of the file (or of a pipe whose writer is gone).
  if (error == ERROR_HANDLE_EOF || error == ERROR_BROKEN_PIPE) return 0;
  return -ErrorFromWin32(error);
}

int64_t WriteAt(int fd, const void* buffer, size_t length, int64_t offset) {
  const HANDLE handle = HandleOf(fd);
  if (handle == INVALID_HANDLE_VALUE) return -EBADF;
  const auto wanted = static_cast<DWORD>(std::min(length, kMaxTransfer));
  DWORD put = 0;
  BOOL done;
  if (offset < 0) {
    done = ::WriteFile(handle, buffer, wanted, &put, nullptr);
  } else {
    KeepPosition keep(handle);
    OVERLAPPED at = At(offset);
    done = ::WriteFile(handle, buffer, wanted, &put, &at);
  }
  return done ? static_cast<int64_t>(put) : LastError();
}

int32_t SyncFile(int fd, bool /*data_only*/) {
  const HANDLE handle = HandleOf(fd);
  if (handle == INVALID_HANDLE_VALUE) return -EBADF;
  return ::FlushFileBuffers(handle) ? 0 : LastError();
}

int32_t TruncateFile(int fd, uint64_t size) {
  const HANDLE handle = HandleOf(fd);
  if (handle == INVALID_HANDLE_VALUE) return -EBADF;
  if (size > static_cast<uint64_t>(INT64_MAX)) return -EINVAL;
  // Not _chsize_s, which moves the file position.
  FILE_END_OF_FILE_INFO end{};
  end.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
  return ::SetFileInformationByHandle(handle, FileEndOfFileInfo, &end,
                                      sizeof end)
             ? 0
             : LastError();
}

void CloseFile(int fd) {
  if (fd >= 0) ::CloseHandle(HandleOf(fd));
}

int32_t UnlinkAt(int dir, const char* path, int flags) {
  if ((flags & ~kRemoveDirectory) != 0) return -EINVAL;
  std::wstring wide;
  if (int32_t error = PathOf(dir, path, &wide); error != 0) return error;
  const BOOL done = (flags & kRemoveDirectory) != 0
                        ? ::RemoveDirectoryW(wide.c_str())
                        : ::DeleteFileW(wide.c_str());
  return done ? 0 : LastError();
}

int32_t MakeDirectoryAt(int dir, const char* path, uint32_t /*mode*/) {
  std::wstring wide;
  if (int32_t error = PathOf(dir, path, &wide); error != 0) return error;
  return ::CreateDirectoryW(wide.c_str(), nullptr) ? 0 : LastError();
}

int32_t RenameAt(int dir, const char* from, const char* to, unsigned flags) {
  if (flags != 0) return -EINVAL;  // renameat2's flags are Linux's
  std::wstring wide_from;
  std::wstring wide_to;
  if (int32_t error = PathOf(dir, from, &wide_from); error != 0) return error;
  if (int32_t error = PathOf(dir, to, &wide_to); error != 0) return error;
  return ::MoveFileExW(wide_from.c_str(), wide_to.c_str(),
                       MOVEFILE_REPLACE_EXISTING)
             ? 0
             : LastError();
}

int32_t ListDirectory(const char* path, std::vector<DirectoryEntry>* entries) {
  std::wstring wide;
  if (int32_t error = Widen(path, &wide); error != 0) return error;
  if (wide.empty()) return -ENOENT;  // as opendir("")
  std::wstring pattern = wide;
  if (pattern.back() != L'\\' && pattern.back() != L'/') pattern += L'\\';
  pattern += L'*';
  WIN32_FIND_DATAW found;
  const HANDLE search =
      ::FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &found,
                         FindExSearchNameMatch, nullptr, 0);
  if (search == INVALID_HANDLE_VALUE) {
    const DWORD error = ::GetLastError();
    // Which of a missing path, a file and an empty directory (as opendir
    // tells them apart: ENOENT, ENOTDIR, no entries).
    const DWORD attributes = ::GetFileAttributesW(wide.c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES) return LastError();
    if ((attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) return -ENOTDIR;
    return error == ERROR_FILE_NOT_FOUND ? 0 : -ErrorFromWin32(error);
  }
  int32_t result = 0;
  do {
    if (std::wcscmp(found.cFileName, L".") == 0 ||
        std::wcscmp(found.cFileName, L"..") == 0) {
      continue;
    }
    entries->push_back({Narrow(found.cFileName), KindOf(found)});
  } while (::FindNextFileW(search, &found));
  if (const DWORD error = ::GetLastError(); error != ERROR_NO_MORE_FILES) {
    result = -ErrorFromWin32(error);
  }
  ::FindClose(search);
  return result;
}

}  // namespace weft::platform
