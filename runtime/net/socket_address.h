/// \file
/// SocketAddress: an IPv4 or IPv6 address with a port, parsed from and printed
/// as "127.0.0.1:6379" or "[::1]:6379".

#ifndef WEFT_RUNTIME_NET_SOCKET_ADDRESS_H_
#define WEFT_RUNTIME_NET_SOCKET_ADDRESS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "executors/platform/socket_types.h"

namespace weft::net {

/// An IPv4 or IPv6 address with a port; see socket_address.h.
class SocketAddress {
 public:
  /// An empty address (family AF_UNSPEC); parse or build a real one.
  SocketAddress() = default;
  /// "1.2.3.4:80", "[::1]:80"; numeric hosts only (no name lookup).
  static absl::StatusOr<SocketAddress> Parse(std::string_view text);
  /// Copies a system call's sockaddr (as accept or recvfrom fill in).
  static SocketAddress FromRaw(const sockaddr* address, socklen_t length);
  /// 127.0.0.1:`port` and [::1]:`port`.
  ///@{
  static SocketAddress Ipv4Loopback(uint16_t port);
  static SocketAddress Ipv6Loopback(uint16_t port);
  ///@}

  /// AF_INET or AF_INET6 (AF_UNSPEC when empty).
  int family() const { return storage_.ss_family; }
  /// The port, in host byte order.
  uint16_t port() const;
  /// The address as the socket system calls take it.
  ///@{
  const sockaddr* raw() const {
    return reinterpret_cast<const sockaddr*>(&storage_);
  }
  socklen_t length() const { return length_; }
  ///@}
  /// "127.0.0.1:6379" or "[::1]:6379", as Parse reads it.
  std::string ToString() const;

  /// Compared and printed as ToString().
  ///@{
  friend bool operator==(const SocketAddress& a, const SocketAddress& b) {
    return a.ToString() == b.ToString();
  }
  friend std::ostream& operator<<(std::ostream& os, const SocketAddress& a) {
    return os << a.ToString();
  }
  ///@}

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_SOCKET_ADDRESS_H_
