// What the two socket layers (posix_sockets.cc, windows_sockets.cc) share,
// since BSD sockets and Winsock name these alike: the level and name of
// each SocketOption, and the addresses in getaddrinfo's answer.

#ifndef WEFT_EXECUTORS_PLATFORM_SOCKET_OPTIONS_H_
#define WEFT_EXECUTORS_PLATFORM_SOCKET_OPTIONS_H_

#include <vector>

#include "executors/platform/sockets.h"

struct addrinfo;

namespace weft::platform {

struct OptionName {
  int level;
  int name;
};

/// setsockopt's level and name for `option` on `socket` (kTtl depends on
/// the socket's family).
OptionName NameOf(SocketHandle socket, SocketOption option);

/// The IPv4 and IPv6 addresses of a getaddrinfo answer, in its order.
std::vector<RawSocketAddress> AddressesOf(const addrinfo* results);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_SOCKET_OPTIONS_H_
