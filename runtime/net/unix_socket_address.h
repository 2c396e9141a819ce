/// \file
/// UnixSocketAddress: the address of a Unix domain socket (tokio's
/// tokio::net::unix::SocketAddr): a filesystem path, or unnamed, as an
/// unbound or socketpair socket is. Separate from SocketAddress, whose text
/// form and port are IP notions.

#ifndef WEFT_RUNTIME_NET_UNIX_SOCKET_ADDRESS_H_
#define WEFT_RUNTIME_NET_UNIX_SOCKET_ADDRESS_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "executors/platform/socket_types.h"

namespace weft::net {

/// A Unix domain socket address: a path, or unnamed; see
/// unix_socket_address.h.
class UnixSocketAddress {
 public:
  /// The longest path a socket can be bound to or connected to: sun_path
  /// holds 108 bytes with the terminating NUL.
  static constexpr size_t kMaxPathLength = sizeof(sockaddr_un::sun_path) - 1;

  /// An unnamed address.
  UnixSocketAddress();
  /// The address of `path`; InvalidArgument (naming the path) when it is
  /// empty, holds a NUL byte, or is longer than kMaxPathLength.
  static absl::StatusOr<UnixSocketAddress> FromPath(std::string_view path);
  /// Copies a system call's sockaddr_un (as accept or recvfrom fill in).
  static UnixSocketAddress FromRaw(const sockaddr* address, socklen_t length);

  /// True for an unbound or socketpair socket's address.
  bool is_unnamed() const { return length_ <= kPathOffset; }
  /// True for a Linux abstract address (one whose name starts with a NUL
  /// byte; weft does not bind them, but a peer may have one).
  bool is_abstract() const {
    return !is_unnamed() && address_.sun_path[0] == '\0';
  }
  /// The path; empty when unnamed or abstract.
  std::string path() const;
  /// The path, "(unnamed)", or "@name" for an abstract address.
  std::string ToString() const;
  /// The address as the socket system calls take it.
  ///@{
  const sockaddr* raw() const {
    return reinterpret_cast<const sockaddr*>(&address_);
  }
  socklen_t length() const { return length_; }
  ///@}

  /// Compared and printed as ToString().
  ///@{
  friend bool operator==(const UnixSocketAddress& a,
                         const UnixSocketAddress& b) {
    return a.ToString() == b.ToString();
  }
  friend std::ostream& operator<<(std::ostream& os,
                                  const UnixSocketAddress& a) {
    return os << a.ToString();
  }
  ///@}

 private:
  static constexpr socklen_t kPathOffset = offsetof(sockaddr_un, sun_path);

  sockaddr_un address_{};
  socklen_t length_ = kPathOffset;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_UNIX_SOCKET_ADDRESS_H_
