#include "runtime/net/unix_socket_address.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace weft::net {

UnixSocketAddress::UnixSocketAddress() { address_.sun_family = AF_UNIX; }

absl::StatusOr<UnixSocketAddress> UnixSocketAddress::FromPath(
    std::string_view path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "Unix socket path is empty (give a filesystem path)");
  }
  if (path.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("Unix socket path \"", std::string(path),
                     "\" holds a NUL byte (give a filesystem path)"));
  }
  if (path.size() > kMaxPathLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Unix socket path \"", std::string(path), "\" is ", path.size(),
        " bytes; at most ", kMaxPathLength,
        " fit in sun_path (use a shorter path, e.g. a relative one)"));
  }
  UnixSocketAddress address;
  std::memcpy(address.address_.sun_path, path.data(), path.size());
  address.length_ = static_cast<socklen_t>(kPathOffset + path.size() + 1);
  return address;
}

UnixSocketAddress UnixSocketAddress::FromRaw(const sockaddr* raw,
                                             socklen_t length) {
  UnixSocketAddress address;
  length = std::min<socklen_t>(length, sizeof(address.address_));
  if (length > kPathOffset) {
    std::memcpy(&address.address_, raw, length);
    address.length_ = length;
  }
  address.address_.sun_family = AF_UNIX;
  return address;
}

std::string UnixSocketAddress::path() const {
  if (is_unnamed() || is_abstract()) return "";
  // The kernel may or may not count the terminating NUL in the length.
  size_t capacity = length_ - kPathOffset;
  return std::string(address_.sun_path, strnlen(address_.sun_path, capacity));
}

std::string UnixSocketAddress::ToString() const {
  if (is_unnamed()) return "(unnamed)";
  if (is_abstract()) {
    return "@" + std::string(address_.sun_path + 1, length_ - kPathOffset - 1);
  }
  return path();
}

}  // namespace weft::net
