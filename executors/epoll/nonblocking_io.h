// The system calls behind each operation, attempted without blocking: the
// completion-shaped operations of executor.h emulated over readiness.
//
// The fds handed to the reactor may be blocking, and the reactor thread must
// never block on one. How each attempt avoids it:
//   * kRecv, kSend: MSG_DONTWAIT per call (kSend also MSG_NOSIGNAL); the fd's
//     flags are left alone.
//   * kRead, kWrite: preadv2/pwritev2 with RWF_NOWAIT per call, so sockets,
//     pipes and regular files need no flag change either. An fd that refuses
//     RWF_NOWAIT (EOPNOTSUPP: a tty, some character devices, older kernels'
//     pipes) is switched to O_NONBLOCK and plain read/write are used for that
//     operation (the kPlainIo flag).
//   * kAccept, kConnect: there is no per-call flag, so the fd is switched to
//     O_NONBLOCK (one fcntl(F_GETFL), and F_SETFL only if it was blocking).
// Switching to O_NONBLOCK changes the open file description, which other
// holders of it see; weft's own sockets are non-blocking from the start.
//
// Regular files (and other fds epoll refuses with EPERM) are never waited
// for: BlockingIo does the plain, possibly blocking, system call.
//
// Results are as executor.h describes: >= 0 on success, -errno on failure.

#ifndef WEFT_EXECUTORS_EPOLL_NONBLOCKING_IO_H_
#define WEFT_EXECUTORS_EPOLL_NONBLOCKING_IO_H_

#include <cstdint>
#include <optional>

#include "runtime/executor.h"

namespace weft::epoll {

// Sets O_NONBLOCK on `fd` if it is not set. Returns 0 or an errno value.
int EnsureNonBlocking(int fd);

// One attempt at a kRead, kWrite, kRecv, kSend or kAccept, or, for a kConnect
// that StartConnect left in progress, collects its outcome. std::nullopt: it
// would block; wait for readiness (EPOLLIN for kRead, kRecv and kAccept,
// EPOLLOUT for the others) and try again.
std::optional<int32_t> TryIo(IoOperation* op);

// Starts a kConnect. std::nullopt: in progress, TryIo after EPOLLOUT.
std::optional<int32_t> StartConnect(IoOperation* op);

// The operation on an fd that cannot be polled (a regular file): the plain
// system call, allowed to block. kPoll completes with the events such an fd
// always has (readable and writable).
int32_t BlockingIo(IoOperation* op);

// close(2) for kClose.
int32_t CloseFd(int fd);

}  // namespace weft::epoll

#endif  // WEFT_EXECUTORS_EPOLL_NONBLOCKING_IO_H_
