#include "runtime/net/lookup_host.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "executors/platform/sockets.h"
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
  absl::StatusOr<std::vector<platform::RawSocketAddress>> resolved =
      platform::ResolveHost(target.host, target.port);
  if (!resolved.ok()) return resolved.status();
  std::vector<SocketAddress> addresses;
  addresses.reserve(resolved->size());
  for (const platform::RawSocketAddress& raw : *resolved) {
    addresses.push_back(SocketAddress::FromRaw(raw.get(), raw.length));
  }
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
