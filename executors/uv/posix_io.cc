#include "executors/uv/posix_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <optional>

#include "executors/uv/op_state.h"

namespace weft::uv {
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

// A finished system call's return value as a result; std::nullopt if it
// would block.
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

int EnsureNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -errno;
  if ((flags & O_NONBLOCK) != 0) return 0;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -errno : 0;
}

int PrepareSend(int fd) {
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on) < 0) {
    return -errno;
  }
#else
  (void)fd;
#endif
  return 0;
}

int PrepareRecvSend(int fd, bool send) {
  if (kDontWait == 0) {
    if (int error = EnsureNonBlocking(fd); error != 0) return error;
  }
  return send ? PrepareSend(fd) : 0;
}

std::optional<int32_t> Recv(const IoOperation* op, int flags) {
  return Retrying([op, flags] {
    return recv(op->fd, op->buffer, Length(op), flags | kDontWait);
  });
}

std::optional<int32_t> Send(const IoOperation* op, int flags) {
  return Retrying([op, flags] {
    return send(op->fd, op->buffer, Length(op), flags | kDontWait | kNoSignal);
  });
}

std::optional<int32_t> ReadWrite(const IoOperation* op, bool write) {
  return Retrying([op, write]() -> ssize_t {
    if (write) {
      return op->offset >= 0
                 ? pwrite(op->fd, op->buffer, Length(op), op->offset)
                 : ::write(op->fd, op->buffer, Length(op));
    }
    return op->offset >= 0 ? pread(op->fd, op->buffer, Length(op), op->offset)
                           : ::read(op->fd, op->buffer, Length(op));
  });
}

std::optional<int32_t> Accept(IoOperation* op) {
  socklen_t* length = op->address != nullptr ? &op->address_length : nullptr;
  return Retrying([op, length]() -> ssize_t {
#if defined(SOCK_CLOEXEC)
    return accept4(op->fd, op->address, length, op->flags | SOCK_CLOEXEC);
#else
    // No accept4 (macOS): the flags it would take do not exist there either,
    // and close-on-exec is set right after (a fork in between could leak
    // the fd into a child; such platforms offer nothing better).
    const int fd = accept(op->fd, op->address, length);
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
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
  // spurious: then there is no peer yet, and the wait goes on.
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

int32_t PrepareIo(IoOperation* op, IoRoute* route) {
  *route = IoRoute::kAttempt;
  if (op->fd < 0) return -EBADF;
  switch (op->opcode) {
    case IoOpcode::kRecv:
      return PrepareRecvSend(op->fd, /*send=*/false);
    case IoOpcode::kSend:
      return PrepareRecvSend(op->fd, /*send=*/true);
    case IoOpcode::kAccept:
    case IoOpcode::kConnect:
      return EnsureNonBlocking(op->fd);
    case IoOpcode::kRead:
    case IoOpcode::kWrite: {
      struct stat info;
      if (fstat(op->fd, &info) < 0) return -errno;
      if (S_ISREG(info.st_mode) || S_ISBLK(info.st_mode) ||
          S_ISDIR(info.st_mode)) {
        *route = IoRoute::kThreadPool;
        return 0;
      }
      if (S_ISSOCK(info.st_mode)) {
        // A position means nothing to a socket; pread would say so.
        if (op->offset >= 0) return -ESPIPE;
        SetFlag(op, kSocketIo);
        return PrepareRecvSend(op->fd, op->opcode == IoOpcode::kWrite);
      }
      return EnsureNonBlocking(op->fd);
    }
    default:
      return -EINVAL;
  }
}

std::optional<int32_t> TryIo(IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
      return HasFlag(op, kSocketIo) ? Recv(op, 0)
                                    : ReadWrite(op, /*write=*/false);
    case IoOpcode::kWrite:
      return HasFlag(op, kSocketIo) ? Send(op, 0)
                                    : ReadWrite(op, /*write=*/true);
    case IoOpcode::kRecv:
      return Recv(op, op->flags);
    case IoOpcode::kSend:
      return Send(op, op->flags);
    case IoOpcode::kAccept:
      return Accept(op);
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

int32_t PollNow(int fd, uint32_t events) {
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

}  // namespace weft::uv
