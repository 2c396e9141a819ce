#include "executors/platform/handles.h"

#include <cerrno>

#include "executors/platform/target.h"

#if WEFT_PLATFORM_WINDOWS
#include <windows.h>

#include "executors/platform/winsock_errors.h"
#else
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace weft::platform {

#if WEFT_PLATFORM_WINDOWS
namespace {

bool IsSocket(IoHandle handle) {
  int type = 0;
  int length = sizeof(type);
  return ::getsockopt(static_cast<SOCKET>(handle), SOL_SOCKET, SO_TYPE,
                      reinterpret_cast<char*>(&type), &length) == 0;
}

}  // namespace

HandleKind KindOfHandle(IoHandle handle) {
  if (handle < 0) return HandleKind::kClosed;
  if (IsSocket(handle)) return HandleKind::kPollable;
  ::SetLastError(ERROR_SUCCESS);
  if (::GetFileType(reinterpret_cast<HANDLE>(handle)) == FILE_TYPE_UNKNOWN &&
      ::GetLastError() != ERROR_SUCCESS) {
    return HandleKind::kClosed;
  }
  return HandleKind::kFileLike;
}

int CloseIoHandle(IoHandle handle) {
  if (IsSocket(handle)) {
    return ::closesocket(static_cast<SOCKET>(handle)) == 0 ? 0
                                                           : LastWinsockError();
  }
  return ::CloseHandle(reinterpret_cast<HANDLE>(handle)) ? 0 : EBADF;
}
#else
HandleKind KindOfHandle(IoHandle handle) {
  struct stat info;
  if (::fstat(handle, &info) < 0) return HandleKind::kClosed;
  if (S_ISREG(info.st_mode) || S_ISBLK(info.st_mode) || S_ISDIR(info.st_mode)) {
    return HandleKind::kFileLike;
  }
  return HandleKind::kPollable;
}

int CloseIoHandle(IoHandle handle) {
  if (::close(handle) == 0 || errno == EINTR) return 0;
  return errno;
}
#endif

}  // namespace weft::platform
