// What an IoOperation's handle (platform::IoHandle) is, for a poller that
// must tell a socket it can wait on from a file it cannot, or a handle that
// was closed behind its back; and closing one whatever it is.

#ifndef WEFT_EXECUTORS_PLATFORM_HANDLES_H_
#define WEFT_EXECUTORS_PLATFORM_HANDLES_H_

#include <cstdint>

#include "executors/platform/socket_types.h"

namespace weft::platform {

enum class HandleKind {
  kClosed,    ///< not an open handle (EBADF)
  kFileLike,  ///< a regular file, block device or directory: readiness
              ///< means nothing for it
  kPollable,  ///< a socket, pipe, terminal, ...: it can be waited on
};

/// POSIX: fstat. Windows: a socket is pollable (uv_poll_init_socket), a
/// disk file file-like, anything else (a pipe, a console) neither socket
/// nor file: reported file-like, so that its operations run in the thread
/// pool instead of waiting for readiness Winsock cannot give.
HandleKind KindOfHandle(IoHandle handle);

/// Closes a socket or a file: 0 or the error. POSIX: close(2), where
/// EINTR counts as closed (Linux releases the fd anyway, and a retry could
/// close someone else's). Windows: closesocket or CloseHandle.
int CloseIoHandle(IoHandle handle);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_HANDLES_H_
