/// \file
/// FileOp: the awaitable of one file operation, shared by weft::fs's types
/// and functions. It runs the operation natively on the thread's backend
/// when the backend supports file operations (io_uring's opcodes, libuv's
/// uv_fs_* in its own thread pool), and on the runtime's blocking pool
/// otherwise (epoll), as tokio does. Either
/// way it goes through the same IoRequest (runtime/internal/driver), so an
/// aborted task's operation is cancelled or left to finish on the request's
/// own buffer, and an fd that an abandoned open produced is closed.

#ifndef WEFT_RUNTIME_FS_FILE_OP_H_
#define WEFT_RUNTIME_FS_FILE_OP_H_

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "runtime/executor.h"
#include "runtime/file_syscall.h"
#include "runtime/internal/driver/io_request.h"

namespace weft::fs::internal {

/// An owned file descriptor, closed (synchronously: a regular file's close
/// does not wait on a peer) when the last owner lets go: the File, or a
/// request still in flight on it.
class OwnedFd {
 public:
  /// Takes ownership of `fd`.
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd();

  /// The descriptor.
  int get() const { return fd_; }

 private:
  int fd_;
};

/// The largest read or write one operation makes (see FileSyscall).
inline constexpr size_t kMaxTransfer = weft::kMaxFileTransfer;

/// A request for `opcode` relative to the working directory, with `path`,
/// `second_path` (kRenameAt) and a `payload`-byte buffer (kStatx: the
/// struct statx) all in the request's own memory.
weft::internal::IoRequest* NewPathRequest(IoOpcode opcode,
                                          std::string_view path,
                                          std::string_view second_path = {},
                                          size_t payload = 0);

/// The awaitable of one request: yields its result (>= 0, or -errno).
class FileOp {
 public:
  /// `operation` names the call in the UsageError outside a runtime.
  FileOp(const char* operation, weft::internal::IoRequest* request);

  /// The awaitable protocol.
  ///@{
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> handle) {
    return awaiter_.await_suspend(handle);
  }
  int32_t await_resume() { return awaiter_.await_resume(); }
  ///@}

  /// The request, whose buffer holds what the operation read.
  weft::internal::IoRequest& request() { return awaiter_.request(); }

 private:
  weft::internal::IoAwaiter awaiter_;
};

/// "<operation> <path>: <strerror>" with the status code of `error_number`,
/// e.g. "open /x/y: No such file or directory" (NotFound).
absl::Status FsError(int error_number, std::string_view operation,
                     std::string_view path);

}  // namespace weft::fs::internal

#endif  // WEFT_RUNTIME_FS_FILE_OP_H_
