#include "executors/epoll/nonblocking_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>

#include "executors/epoll/op_state.h"

namespace weft::epoll {
namespace {

// Linux moves at most this much in one read or write; it also keeps the byte
// count within the int32_t result.
constexpr size_t kMaxIo = 0x7ffff000;

size_t Length(const IoOperation* op) { return std::min(op->length, kMaxIo); }

// A finished system call's return value as a result; std::nullopt if it
// would block. EINTR is left to the caller's retry loop.
std::optional<int32_t> Outcome(ssize_t n) {
  if (n >= 0) return static_cast<int32_t>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
  return -errno;
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

std::optional<int32_t> TryReadWrite(IoOperation* op, bool write) {
  for (;;) {
    ssize_t n;
    if (HasFlag(op, kPlainIo)) {
      n = PlainReadWrite(op, write);
    } else {
      iovec iov{op->buffer, Length(op)};
      off_t offset = op->offset >= 0 ? op->offset : -1;  // -1: file position
      n = write ? pwritev2(op->fd, &iov, 1, offset, RWF_NOWAIT)
                : preadv2(op->fd, &iov, 1, offset, RWF_NOWAIT);
      if (n < 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) {
        if (int error = EnsureNonBlocking(op->fd); error != 0) return -error;
        SetFlag(op, kPlainIo);
        continue;
      }
    }
    if (n < 0 && errno == EINTR) continue;
    return Outcome(n);
  }
}

std::optional<int32_t> TryAccept(IoOperation* op) {
  socklen_t* length = op->address != nullptr ? &op->address_length : nullptr;
  for (;;) {
    int fd = accept4(op->fd, op->address, length, op->flags | SOCK_CLOEXEC);
    if (fd < 0 && errno == EINTR) continue;
    return Outcome(fd);
  }
}

std::optional<int32_t> FinishConnect(IoOperation* op) {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) {
    return -errno;
  }
  return -error;
}

template <typename Call>
std::optional<int32_t> Retrying(Call call) {
  for (;;) {
    ssize_t n = call();
    if (n < 0 && errno == EINTR) continue;
    return Outcome(n);
  }
}

}  // namespace

int EnsureNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  if ((flags & O_NONBLOCK) != 0) return 0;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? errno : 0;
}

std::optional<int32_t> TryIo(IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
      return TryReadWrite(op, /*write=*/false);
    case IoOpcode::kWrite:
      return TryReadWrite(op, /*write=*/true);
    case IoOpcode::kRecv:
      return Retrying([op] {
        return recv(op->fd, op->buffer, Length(op), op->flags | MSG_DONTWAIT);
      });
    case IoOpcode::kSend:
      return Retrying([op] {
        return send(op->fd, op->buffer, Length(op),
                    op->flags | MSG_DONTWAIT | MSG_NOSIGNAL);
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
  if (int error = EnsureNonBlocking(op->fd); error != 0) return -error;
  if (connect(op->fd, op->address, op->address_length) == 0) return 0;
  // EINTR: the connection is still being set up, as after EINPROGRESS.
  if (errno == EINPROGRESS || errno == EINTR) return std::nullopt;
  // EAGAIN (a full AF_UNIX backlog) is reported rather than retried: such a
  // socket polls writable at once, so waiting for EPOLLOUT would spin.
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

int32_t CloseFd(int fd) {
  // Linux releases the fd even when close is interrupted, so EINTR is success:
  // reporting it would invite a retry that closes someone else's fd.
  if (close(fd) == 0 || errno == EINTR) return 0;
  return -errno;
}

}  // namespace weft::epoll
