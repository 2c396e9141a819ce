/// \file
/// Socket: an owned, non-blocking socket (a platform::SocketHandle), and the
/// helpers the TCP, UDP and Unix domain socket types share: errors that name
/// the operation and the address, closing through the backend, and datagram
/// sends and receives that wait for readiness. The OS calls themselves are
/// the platform layer's (executors/platform/sockets.h).

#ifndef WEFT_RUNTIME_NET_SOCKET_H_
#define WEFT_RUNTIME_NET_SOCKET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/platform/sockets.h"
#include "runtime/net/socket_address.h"
#include "runtime/task.h"

namespace weft::net::internal {

/// A socket address as getsockname, accept or recvfrom fill it in, of any
/// family.
using RawAddress = weft::platform::RawSocketAddress;

/// "<operation> <address>: <description>" with the matching status code
/// (the same on every platform).
using weft::platform::ErrorStatus;

class Socket {
 public:
  Socket() = default;
  explicit Socket(platform::SocketHandle fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Socket() { Close(); }

  /// A new non-blocking, close-on-exec socket; errors name
  /// `name_for_errors` (the address it is for).
  ///@{
  static absl::StatusOr<Socket> Open(int family, platform::SocketType type,
                                     const SocketAddress& address_for_errors);
  static absl::StatusOr<Socket> Open(int family, platform::SocketType type,
                                     const std::string& name_for_errors);
  ///@}
  /// Two non-blocking, close-on-exec AF_UNIX sockets connected to each other
  /// (socketpair).
  static absl::StatusOr<std::pair<Socket, Socket>> Pair(
      platform::SocketType type);

  platform::SocketHandle fd() const { return fd_; }
  bool valid() const { return fd_ != platform::kNoSocket; }
  /// Closes through this thread's reactor when there is one (so the backend
  /// forgets the fd), else directly.
  void Close();

  absl::StatusOr<SocketAddress> LocalAddress() const;
  absl::StatusOr<SocketAddress> PeerAddress() const;
  /// getsockname and getpeername, for families SocketAddress does not hold.
  ///@{
  absl::StatusOr<RawAddress> RawLocalAddress() const;
  absl::StatusOr<RawAddress> RawPeerAddress() const;
  ///@}

  /// Sends one datagram to `to` (the connected peer when null), waiting for
  /// writability while the socket buffer is full. `data` must outlive the
  /// await. Yields the bytes sent, or -errno.
  Task<int64_t> SendTo(std::string_view data, const sockaddr* to,
                       socklen_t to_length, const char* operation);
  /// Receives one datagram into `buffer` (truncated to `length`), waiting for
  /// readability. Fills in `from` when it is not null. Yields the datagram's
  /// size, or -errno.
  Task<int64_t> RecvFrom(void* buffer, size_t length, RawAddress* from,
                         const char* operation);

 private:
  /// Waits until the socket has `events` (platform::ReadableEvents() or
  /// WritableEvents()); 0 or -error.
  Task<int32_t> WaitFor(uint32_t events, const char* operation);

  platform::SocketHandle fd_ = platform::kNoSocket;
};

}  // namespace weft::net::internal

#endif  // WEFT_RUNTIME_NET_SOCKET_H_
