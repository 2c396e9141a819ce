// The system calls behind the fd-based operations, attempted without
// blocking: the completion-shaped operations of executor.h emulated over
// readiness (which comes from the fd's uv_poll_t, fd_watch.h).
//
// Why uv_poll_t plus system calls rather than libuv's streams (uv_tcp_t,
// uv_pipe_t): the interface's operations name a raw fd, one operation at a
// time, with the caller's buffer. A stream handle would adopt the fd for good
// (uv_tcp_open), read whenever data arrive into buffers its alloc callback
// hands out rather than once into the caller's buffer, and close the fd with
// the handle. None of that fits "read up to this many bytes into this buffer,
// once, and leave the fd as it was". A uv_poll_t per fd plus one non-blocking
// call per attempt keeps the fd the caller's, and is what libuv offers for
// exactly this (uv_poll_t: "for integrating with libraries that handle the
// I/O themselves").
//
// How an attempt avoids blocking on an fd that may be blocking:
//   * kRecv, kSend, and kRead/kWrite on a socket: recv/send with
//     MSG_DONTWAIT per call (sends also MSG_NOSIGNAL, or the socket gets
//     SO_NOSIGPIPE where only that exists), so the fd's flags are left alone;
//   * kRead/kWrite on a pipe, tty or character device, kAccept, kConnect:
//     the fd is made O_NONBLOCK (uv_poll_init does the same when it waits).
//     This changes the open file description, which other holders see;
//     weft's own sockets are non-blocking from the start anyway;
//   * regular files, block devices and directories are never attempted
//     here: readiness means nothing for them, so they go to libuv's thread
//     pool (uv_fs_read/uv_fs_write) and never block the loop.
// Only POSIX calls (and accept4 where the platform has it), so this compiles
// on macOS and the BSDs; Windows needs its own (README.md).
//
// Results are as executor.h describes: >= 0 on success, -errno on failure.

#ifndef WEFT_EXECUTORS_UV_POSIX_IO_H_
#define WEFT_EXECUTORS_UV_POSIX_IO_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "runtime/executor.h"

namespace weft::uv {

// At most this much moves in one read or write: Linux's own limit, and it
// keeps the byte count within the int32_t result.
inline constexpr size_t kMaxIo = 0x7ffff000;

// How the reactor runs an fd-based operation.
enum class IoRoute {
  kAttempt,     // non-blocking attempts, waiting for readiness in between
  kThreadPool,  // a regular file: uv_fs_read/uv_fs_write in the thread pool
};

// Sets `op`'s fd up for its attempts (see above: O_NONBLOCK where needed,
// the kSocketIo flag for reads and writes on sockets, SO_NOSIGPIPE where
// sends need it) and says how to run it. Returns 0, or -errno when the fd is
// unusable (-EBADF for a closed one). For kRead, kWrite, kRecv, kSend,
// kAccept and kConnect.
int32_t PrepareIo(IoOperation* op, IoRoute* route);

// One attempt at a kRead, kWrite, kRecv, kSend or kAccept, or, for a kConnect
// that StartConnect left in progress, collects its outcome. std::nullopt: it
// would block; wait for readiness (readable for kRead, kRecv and kAccept,
// writable for the others) and try again.
std::optional<int32_t> TryIo(IoOperation* op);

// Starts a prepared kConnect. std::nullopt: in progress; TryIo once the fd
// is writable.
std::optional<int32_t> StartConnect(IoOperation* op);

// poll(2) with a zero timeout: the fd's revents among `events` (plus
// POLLERR, POLLHUP and POLLNVAL, which poll always reports), or -errno.
int32_t PollNow(int fd, uint32_t events);

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_POSIX_IO_H_
