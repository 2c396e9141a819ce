#include "executors/platform/socket_options.h"

#include <cstring>

#include "executors/platform/target.h"

#if !WEFT_PLATFORM_WINDOWS
#include <netdb.h>
#include <netinet/tcp.h>
#endif

namespace weft::platform {

OptionName NameOf(SocketHandle socket, SocketOption option) {
  switch (option) {
    case SocketOption::kReuseAddress:
      return {SOL_SOCKET, SO_REUSEADDR};
    case SocketOption::kNoDelay:
      return {IPPROTO_TCP, TCP_NODELAY};
    case SocketOption::kKeepAlive:
      return {SOL_SOCKET, SO_KEEPALIVE};
    case SocketOption::kLinger:
      return {SOL_SOCKET, SO_LINGER};
    case SocketOption::kTtl: {
      RawSocketAddress local;
      if (LocalAddress(socket, &local) == 0 &&
          local.storage.ss_family == AF_INET6) {
        return {IPPROTO_IPV6, IPV6_UNICAST_HOPS};
      }
      return {IPPROTO_IP, IP_TTL};
    }
  }
  return {SOL_SOCKET, 0};
}

std::vector<RawSocketAddress> AddressesOf(const addrinfo* results) {
  std::vector<RawSocketAddress> addresses;
  for (const addrinfo* entry = results; entry != nullptr;
       entry = entry->ai_next) {
    if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
    RawSocketAddress& address = addresses.emplace_back();
    std::memcpy(&address.storage, entry->ai_addr, entry->ai_addrlen);
    address.length = static_cast<socklen_t>(entry->ai_addrlen);
  }
  return addresses;
}

}  // namespace weft::platform
