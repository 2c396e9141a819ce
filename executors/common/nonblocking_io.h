// The system calls behind each fd operation of the readiness core,
// attempted without blocking: the completion-shaped operations of
// executor.h emulated over readiness. One file for every readiness backend.
//
// The fds handed to the reactor may be blocking, and the reactor thread must
// never block on one. How each attempt avoids it:
//   * kRecv, kSend: MSG_DONTWAIT per call (kSend also MSG_NOSIGNAL, or the
//     socket gets SO_NOSIGPIPE where only that exists); the fd's flags are
//     left alone.
//   * kRead, kWrite: preadv2/pwritev2 with RWF_NOWAIT per call, so sockets,
//     pipes and regular files need no flag change either. An fd that refuses
//     RWF_NOWAIT (EOPNOTSUPP: a tty, some character devices, older kernels'
//     pipes), or a platform without it, is switched to O_NONBLOCK and plain
//     read/write are used for that operation (the kPlainIo flag).
//   * kAccept, kConnect: there is no per-call flag, so the fd is switched to
//     O_NONBLOCK (one fcntl(F_GETFL), and F_SETFL only if it was blocking).
// Switching to O_NONBLOCK changes the open file description, which other
// holders of it see; weft's own sockets are non-blocking from the start.
//
// Regular files (and other fds the poller refuses with EPERM) are never
// waited for: BlockingIo does the plain, possibly blocking, system call,
// unless the poller offloads them (libuv's thread pool).
//
// Results are as executor.h describes: >= 0 on success, -errno on failure.

#ifndef WEFT_EXECUTORS_COMMON_NONBLOCKING_IO_H_
#define WEFT_EXECUTORS_COMMON_NONBLOCKING_IO_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "runtime/executor.h"

namespace weft::executors_common {

// At most this much moves in one read or write: Linux's own limit, and it
// keeps the byte count within the int32_t result.
inline constexpr size_t kMaxIo = 0x7ffff000;

// Sets up `op`'s fd for its attempts (O_NONBLOCK for kAccept and kConnect,
// SO_NOSIGPIPE for sends where MSG_NOSIGNAL is missing). Returns 0, or
// -errno when the fd is unusable (-EBADF for a negative one). For kRead,
// kWrite, kRecv, kSend, kAccept and kConnect.
int32_t PrepareIo(IoOperation* op);

// One attempt at a kRead, kWrite, kRecv, kSend or kAccept, or, for a kConnect
// that StartConnect left in progress, collects its outcome. std::nullopt: it
// would block; wait for readiness (readable for kRead, kRecv and kAccept,
// writable for the others) and try again.
std::optional<int32_t> TryIo(IoOperation* op);

// Starts a prepared kConnect. std::nullopt: in progress; TryIo once the fd
// is writable.
std::optional<int32_t> StartConnect(IoOperation* op);

// The operation on an fd that cannot be polled (a regular file): the plain
// system call, allowed to block. kPoll completes with the events such an fd
// always has (readable and writable).
int32_t BlockingIo(IoOperation* op);

// poll(2) with a zero timeout: the fd's revents among `events` (plus
// POLLERR, POLLHUP and POLLNVAL, which poll always reports), or -errno.
int32_t PollNow(platform::IoHandle fd, uint32_t events);

// close(2) for kClose.
int32_t CloseFd(platform::IoHandle fd);

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_NONBLOCKING_IO_H_
