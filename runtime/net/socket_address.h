/// \file
/// SocketAddress: an IPv4 or IPv6 address with a port, parsed from and printed
/// as "127.0.0.1:6379" or "[::1]:6379".

#ifndef WEFT_RUNTIME_NET_SOCKET_ADDRESS_H_
#define WEFT_RUNTIME_NET_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace weft::net {

class SocketAddress {
 public:
  SocketAddress() = default;
  /// "1.2.3.4:80", "[::1]:80"; numeric hosts only (no name lookup).
  static absl::StatusOr<SocketAddress> Parse(std::string_view text);
  static SocketAddress FromRaw(const sockaddr* address, socklen_t length);
  static SocketAddress Ipv4Loopback(uint16_t port);
  static SocketAddress Ipv6Loopback(uint16_t port);

  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  const sockaddr* raw() const {
    return reinterpret_cast<const sockaddr*>(&storage_);
  }
  socklen_t length() const { return length_; }
  std::string ToString() const;

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) {
    return a.ToString() == b.ToString();
  }
  friend std::ostream& operator<<(std::ostream& os, const SocketAddress& a) {
    return os << a.ToString();
  }

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_SOCKET_ADDRESS_H_
