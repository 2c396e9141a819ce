/// \file
/// Socket: an owned, non-blocking socket file descriptor, and the helpers the
/// TCP and UDP types share: errors that name the operation and the address,
/// and closing through the backend.

#ifndef WEFT_RUNTIME_NET_SOCKET_H_
#define WEFT_RUNTIME_NET_SOCKET_H_

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/net/socket_address.h"

namespace weft::net::internal {

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Socket() { Close(); }

  /// A new non-blocking, close-on-exec socket.
  static absl::StatusOr<Socket> Open(int family, int type,
                                     const SocketAddress& address_for_errors);

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Closes through this thread's reactor when there is one (so the backend
  /// forgets the fd), else directly.
  void Close();

  absl::StatusOr<SocketAddress> LocalAddress() const;
  absl::StatusOr<SocketAddress> PeerAddress() const;

 private:
  int fd_ = -1;
};

/// "<operation> <address>: <strerror>" with the matching status code.
absl::Status ErrorStatus(int error_number, std::string_view operation,
                         const std::string& address);

}  // namespace weft::net::internal

#endif  // WEFT_RUNTIME_NET_SOCKET_H_
