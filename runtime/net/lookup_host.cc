#include "runtime/net/lookup_host.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/net/socket.h"
#include "runtime/spawn.h"

namespace weft::net {
namespace {

struct HostPort {
  std::string host;
  std::string port;
};

absl::StatusOr<HostPort> SplitHostPort(const std::string& text) {
  size_t colon = text.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(text.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("lookup_host \"", text,
                     "\": expected \"host:port\" with a numeric port"));
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("lookup_host \"", text, "\": empty host"));
  }
  return HostPort{std::move(host), std::to_string(port)};
}

// Runs on the blocking pool.
absl::StatusOr<std::vector<SocketAddress>> Resolve(const HostPort& target) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  // One entry per address, not one per socket type.
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* results = nullptr;
  int error =
      ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &results);
  if (error != 0) {
    if (error == EAI_SYSTEM) {
      return internal::ErrorStatus(errno, "lookup_host", target.host);
    }
    // gai_strerror returns glibc's constant strings.
    std::string message =
        absl::StrCat("lookup_host ", target.host, ": ", gai_strerror(error));
    switch (error) {
      case EAI_NONAME:
      case EAI_NODATA:
      case EAI_ADDRFAMILY:
        return absl::NotFoundError(message);
      case EAI_AGAIN:
        return absl::UnavailableError(message);
      case EAI_MEMORY:
        return absl::ResourceExhaustedError(message);
      default:
        return absl::UnknownError(message);
    }
  }
  std::vector<SocketAddress> addresses;
  for (addrinfo* entry = results; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
    addresses.push_back(
        SocketAddress::FromRaw(entry->ai_addr, entry->ai_addrlen));
  }
  ::freeaddrinfo(results);
  if (addresses.empty()) {
    return absl::NotFoundError(
        absl::StrCat("lookup_host ", target.host, ": no IPv4 or IPv6 address"));
  }
  return addresses;
}

}  // namespace

Task<absl::StatusOr<std::vector<SocketAddress>>> lookup_host(
    std::string host_port) {
  absl::StatusOr<SocketAddress> numeric = SocketAddress::Parse(host_port);
  if (numeric.ok()) co_return std::vector<SocketAddress>{*numeric};
  absl::StatusOr<HostPort> target = SplitHostPort(host_port);
  if (!target.ok()) co_return target.status();
  auto resolve = [target = *std::move(target)] { return Resolve(target); };
  JoinHandle<absl::StatusOr<std::vector<SocketAddress>>> handle =
      spawn_blocking(std::move(resolve));
  auto joined = co_await handle;
  if (!joined.has_value()) {
    co_return absl::CancelledError(absl::StrCat(
        "lookup_host ", host_port, ": the resolver task did not finish"));
  }
  co_return *std::move(joined);
}

}  // namespace weft::net
