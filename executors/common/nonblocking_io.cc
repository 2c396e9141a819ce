#include "executors/common/nonblocking_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>

#include "executors/common/readiness_op_state.h"
#include "executors/platform/sockets.h"
#include "executors/platform/target.h"

namespace weft::executors_common {
namespace {

// Per-call "do not block" for recv/send. Every Unix weft targets has
// MSG_DONTWAIT; without it, sockets are made O_NONBLOCK instead.
#if defined(MSG_DONTWAIT)
constexpr int kDontWait = MSG_DONTWAIT;
#else
constexpr int kDontWait = 0;
#endif

// Per-call "no SIGPIPE" for send. Where it is missing (macOS), PrepareIo sets
// SO_NOSIGPIPE on the socket instead.
#if defined(MSG_NOSIGNAL)
constexpr int kNoSignal = MSG_NOSIGNAL;
#else
constexpr int kNoSignal = 0;
#endif

size_t Length(const IoOperation* op) { return std::min(op->length, kMaxIo); }

// Sets O_NONBLOCK on `fd` if it is not set. Returns 0 or -errno.
int32_t EnsureNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -errno;
  if ((flags & O_NONBLOCK) != 0) return 0;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -errno : 0;
}

int32_t PrepareRecvSend(int fd, bool send) {
  if (kDontWait == 0) {
    if (int32_t error = EnsureNonBlocking(fd); error != 0) return error;
  }
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
  const int on = 1;
  if (send && setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on) < 0) {
    return -errno;
  }
#else
  (void)send;
#endif
  return 0;
}

// A finished system call's return value as a result; std::nullopt if it
// would block. EINTR is left to the caller's retry loop.
std::optional<int32_t> Outcome(ssize_t n) {
  if (n >= 0) return static_cast<int32_t>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
  return -errno;
}

// Runs `call` until it is not interrupted.
template <typename Call>
std::optional<int32_t> Retrying(Call call) {
  for (;;) {
    const ssize_t n = call();
    if (n < 0 && errno == EINTR) continue;
    return Outcome(n);
  }
}

// read/write, positioned when `offset` >= 0.
ssize_t PlainReadWrite(const IoOperation* op, bool write) {
  if (write) {
    return op->offset >= 0 ? pwrite(op->fd, op->buffer, Length(op), op->offset)
                           : ::write(op->fd, op->buffer, Length(op));
  }
  return op->offset >= 0 ? pread(op->fd, op->buffer, Length(op), op->offset)
                         : ::read(op->fd, op->buffer, Length(op));
}

// One read or write with RWF_NOWAIT; std::nullopt where the fd or the
// platform does not take the flag.
std::optional<ssize_t> NoWaitReadWrite(const IoOperation* op, bool write) {
#if WEFT_PLATFORM_LINUX
  iovec iov{op->buffer, Length(op)};
  off_t offset = op->offset >= 0 ? op->offset : -1;  // -1: file position
  ssize_t n = write ? pwritev2(op->fd, &iov, 1, offset, RWF_NOWAIT)
                    : preadv2(op->fd, &iov, 1, offset, RWF_NOWAIT);
  if (n < 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) return std::nullopt;
  return n;
#else
  (void)op;
  (void)write;
  return std::nullopt;
#endif
}

std::optional<int32_t> TryReadWrite(IoOperation* op, bool write) {
  for (;;) {
    std::optional<ssize_t> n;
    if (!HasFlag(op, kPlainIo)) {
      n = NoWaitReadWrite(op, write);
      if (!n) {
        if (int32_t error = EnsureNonBlocking(op->fd); error != 0) {
          return error;
        }
        SetFlag(op, kPlainIo);
      }
    }
    if (!n) n = PlainReadWrite(op, write);
    if (*n < 0 && errno == EINTR) continue;
    return Outcome(*n);
  }
}

std::optional<int32_t> TryAccept(IoOperation* op) {
  socklen_t* length = op->address != nullptr ? &op->address_length : nullptr;
  return Retrying([op, length]() -> ssize_t {
#if WEFT_PLATFORM_LINUX
    return accept4(op->fd, op->address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    // No accept4 (macOS): the flags it would take do not exist there either,
    // and both are set right after (a fork in between could leak the fd into
    // a child; such platforms offer nothing better).
    const int fd = accept(op->fd, op->address, length);
    if (fd >= 0) (void)platform::MakeNonBlockingCloseOnExec(fd);
    return fd;
#endif
  });
}

std::optional<int32_t> FinishConnect(const IoOperation* op) {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) {
    return -errno;
  }
  if (error != 0) return -error;
  // Writable without an error means connected, unless the readiness was
  // spurious (a stale registration): then there is no peer yet, and the
  // wait goes on.
  sockaddr_storage peer;
  socklen_t peer_length = sizeof peer;
  if (getpeername(op->fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) ==
      0) {
    return 0;
  }
  if (errno == ENOTCONN) return std::nullopt;
  return -errno;
}

}  // namespace

int32_t PrepareIo(IoOperation* op) {
  if (op->fd < 0) return -EBADF;
  switch (op->opcode) {
    case IoOpcode::kRecv:
    case IoOpcode::kSend:
      return PrepareRecvSend(op->fd, op->opcode == IoOpcode::kSend);
    case IoOpcode::kAccept:
    case IoOpcode::kConnect:
      return EnsureNonBlocking(op->fd);
    default:
      return 0;
  }
}

std::optional<int32_t> TryIo(IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
      return TryReadWrite(op, /*write=*/false);
    case IoOpcode::kWrite:
      return TryReadWrite(op, /*write=*/true);
    case IoOpcode::kRecv:
      return Retrying([op] {
        return recv(op->fd, op->buffer, Length(op), op->flags | kDontWait);
      });
    case IoOpcode::kSend:
      return Retrying([op] {
        return send(op->fd, op->buffer, Length(op),
                    op->flags | kDontWait | kNoSignal);
      });
    case IoOpcode::kAccept:
      return TryAccept(op);
    case IoOpcode::kConnect:
      return FinishConnect(op);
    default:
      return -EINVAL;
  }
}

std::optional<int32_t> StartConnect(IoOperation* op) {
  if (connect(op->fd, op->address, op->address_length) == 0) return 0;
  // EINTR: the connection is still being set up, as after EINPROGRESS.
  if (errno == EINPROGRESS || errno == EINTR) return std::nullopt;
  // EAGAIN (a full AF_UNIX backlog) is reported rather than retried: such a
  // socket polls writable at once, so waiting for writability would spin.
  return -errno;
}

int32_t BlockingIo(IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
    case IoOpcode::kWrite: {
      ssize_t n;
      do {
        n = PlainReadWrite(op, op->opcode == IoOpcode::kWrite);
      } while (n < 0 && errno == EINTR);
      return n >= 0 ? static_cast<int32_t>(n) : -errno;
    }
    case IoOpcode::kPoll:
      return static_cast<int32_t>(op->poll_events &
                                  (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM));
    default:
      // Sockets are always pollable; anything else fails its own way here.
      return TryIo(op).value_or(-EAGAIN);
  }
}

int32_t PollNow(platform::IoHandle fd, uint32_t events) {
  pollfd entry{};
  entry.fd = fd;
  entry.events = static_cast<short>(events);
  int n;
  do {
    n = poll(&entry, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  return n == 0 ? 0 : static_cast<uint16_t>(entry.revents);
}

int32_t CloseFd(platform::IoHandle fd) {
  // Linux releases the fd even when close is interrupted, so EINTR is success:
  // reporting it would invite a retry that closes someone else's fd.
  if (close(fd) == 0 || errno == EINTR) return 0;
  return -errno;
}

}  // namespace weft::executors_common
