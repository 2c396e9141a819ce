#include "runtime/net/socket_address.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "executors/platform/sockets.h"

namespace weft::net {

absl::StatusOr<SocketAddress> SocketAddress::Parse(std::string_view text) {
  auto invalid = [&text](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid socket address \"", std::string(text), "\": ", why,
        " (expected \"1.2.3.4:port\" or \"[::1]:port\")"));
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return invalid("no port");
  std::string host(text.substr(0, colon));
  std::string port_text(text.substr(colon + 1));
  uint32_t port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port > 65535) {
    return invalid("bad port");
  }
  SocketAddress address;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage_);
    if (!platform::ParseIpAddress(AF_INET6, host, &v6->sin6_addr)) {
      return invalid("bad IPv6 address");
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    address.length_ = sizeof(sockaddr_in6);
    return address;
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage_);
  if (!platform::ParseIpAddress(AF_INET, host, &v4->sin_addr)) {
    return invalid("bad IPv4 address");
  }
  v4->sin_family = AF_INET;
  v4->sin_port = htons(static_cast<uint16_t>(port));
  address.length_ = sizeof(sockaddr_in);
  return address;
}

SocketAddress SocketAddress::FromRaw(const sockaddr* raw, socklen_t length) {
  SocketAddress address;
  if (length > sizeof(address.storage_)) length = sizeof(address.storage_);
  std::memcpy(&address.storage_, raw, length);
  address.length_ = length;
  return address;
}

SocketAddress SocketAddress::Ipv4Loopback(uint16_t port) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return FromRaw(reinterpret_cast<sockaddr*>(&v4), sizeof(v4));
}

SocketAddress SocketAddress::Ipv6Loopback(uint16_t port) {
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  v6.sin6_addr = in6addr_loopback;
  return FromRaw(reinterpret_cast<sockaddr*>(&v6), sizeof(v6));
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  }
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

std::string SocketAddress::ToString() const {
  if (family() == AF_INET) {
    return absl::StrCat(
        platform::FormatIpAddress(
            AF_INET,
            &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr),
        ":", port());
  }
  if (family() == AF_INET6) {
    return absl::StrCat(
        "[",
        platform::FormatIpAddress(
            AF_INET6,
            &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr),
        "]:", port());
  }
  return "(unspecified address)";
}

}  // namespace weft::net
