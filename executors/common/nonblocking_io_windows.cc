// nonblocking_io.h on Windows: the operations on Winsock sockets, which the
// uv backend's poller watches with uv_poll_init_socket. weft's sockets are
// non-blocking from the start (platform::OpenSocket); PrepareIo makes a
// socket from elsewhere so too (Winsock has no per-call MSG_DONTWAIT, and
// raises no SIGPIPE). Files never come here: the uv poller offloads every
// operation on one to libuv's thread pool.

#include <winsock2.h>

#include <algorithm>
#include <cerrno>

#include "executors/common/nonblocking_io.h"
#include "executors/platform/sockets.h"
#include "executors/platform/winsock_errors.h"

namespace weft::executors_common {
namespace {

SOCKET AsSocket(platform::IoHandle fd) { return static_cast<SOCKET>(fd); }

int Length(const IoOperation* op) {
  return static_cast<int>(std::min(op->length, kMaxIo));
}

// A Winsock call's return value as a result; std::nullopt if it would
// block.
std::optional<int32_t> Outcome(int n) {
  if (n != SOCKET_ERROR) return n;
  const int error = platform::LastWinsockError();
  if (platform::WouldBlock(error)) return std::nullopt;
  return -error;
}

std::optional<int32_t> TryAccept(IoOperation* op) {
  int length = static_cast<int>(op->address_length);
  SOCKET accepted = ::accept(AsSocket(op->fd), op->address,
                             op->address != nullptr ? &length : nullptr);
  if (accepted == INVALID_SOCKET) return Outcome(SOCKET_ERROR);
  if (op->address != nullptr) op->address_length = length;
  if (int error = platform::MakeNonBlockingCloseOnExec(accepted); error != 0) {
    ::closesocket(accepted);
    return -error;
  }
  // A kernel handle's value fits in 32 bits (Windows keeps them so for
  // 32-bit processes), so it fits in the result.
  return static_cast<int32_t>(accepted);
}

std::optional<int32_t> FinishConnect(const IoOperation* op) {
  int error = 0;
  int length = sizeof error;
  if (::getsockopt(AsSocket(op->fd), SOL_SOCKET, SO_ERROR,
                   reinterpret_cast<char*>(&error), &length) == SOCKET_ERROR) {
    return -platform::LastWinsockError();
  }
  if (error != 0) return -platform::ErrorFromWinsock(error);
  // Writable without an error means connected, unless the readiness was
  // spurious: then there is no peer yet, and the wait goes on.
  sockaddr_storage peer;
  int peer_length = sizeof peer;
  if (::getpeername(AsSocket(op->fd), reinterpret_cast<sockaddr*>(&peer),
                    &peer_length) == 0) {
    return 0;
  }
  const int peer_error = platform::LastWinsockError();
  if (peer_error == ENOTCONN) return std::nullopt;
  return -peer_error;
}

}  // namespace

int32_t PrepareIo(IoOperation* op) {
  if (op->fd < 0) return -EBADF;
  switch (op->opcode) {
    case IoOpcode::kRecv:
    case IoOpcode::kSend:
    case IoOpcode::kAccept:
    case IoOpcode::kConnect: {
      u_long non_blocking = 1;
      if (::ioctlsocket(AsSocket(op->fd), FIONBIO, &non_blocking) ==
          SOCKET_ERROR) {
        return -platform::LastWinsockError();
      }
      return 0;
    }
    default:
      return 0;
  }
}

std::optional<int32_t> TryIo(IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
    case IoOpcode::kRecv: {
      const int n =
          ::recv(AsSocket(op->fd), static_cast<char*>(op->buffer), Length(op),
                 op->opcode == IoOpcode::kRecv ? op->flags : 0);
      if (n != SOCKET_ERROR) return n;
      const int error =
          platform::ReceiveError(AsSocket(op->fd), WSAGetLastError());
      if (platform::WouldBlock(error)) return std::nullopt;
      return -error;
    }
    case IoOpcode::kWrite:
    case IoOpcode::kSend:
      return Outcome(::send(AsSocket(op->fd),
                            static_cast<const char*>(op->buffer), Length(op),
                            op->opcode == IoOpcode::kSend ? op->flags : 0));
    case IoOpcode::kAccept:
      return TryAccept(op);
    case IoOpcode::kConnect:
      return FinishConnect(op);
    default:
      return -EINVAL;
  }
}

std::optional<int32_t> StartConnect(IoOperation* op) {
  if (::connect(AsSocket(op->fd), op->address, op->address_length) == 0) {
    return 0;
  }
  // A non-blocking connect in progress says WSAEWOULDBLOCK on Windows.
  const int error = platform::LastWinsockError();
  if (platform::WouldBlock(error) || error == EINPROGRESS) return std::nullopt;
  return -error;
}

int32_t BlockingIo(IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kPoll:
      return static_cast<int32_t>(op->poll_events & (POLLIN | POLLOUT));
    default:
      // Only sockets reach the readiness core here (files are offloaded),
      // and a socket is always pollable: this is a handle that is neither.
      return TryIo(op).value_or(-EAGAIN);
  }
}

int32_t PollNow(platform::IoHandle fd, uint32_t events) {
  WSAPOLLFD entry{};
  entry.fd = AsSocket(fd);
  // WSAPoll rejects (WSAEINVAL) the bits it reports without being asked.
  entry.events =
      static_cast<short>(events & (POLLRDNORM | POLLRDBAND | POLLWRNORM));
  const int n = ::WSAPoll(&entry, 1, 0);
  if (n == SOCKET_ERROR) return -platform::LastWinsockError();
  return n == 0 ? 0 : static_cast<uint16_t>(entry.revents);
}

int32_t CloseFd(platform::IoHandle fd) {
  return ::closesocket(AsSocket(fd)) == 0 ? 0 : -platform::LastWinsockError();
}

}  // namespace weft::executors_common
