#include "runtime/net/unix_datagram.h"

namespace weft::net {
namespace {

absl::StatusOr<UnixSocketAddress> ToUnix(
    const absl::StatusOr<internal::RawAddress>& raw) {
  if (!raw.ok()) return raw.status();
  return UnixSocketAddress::FromRaw(raw->get(), raw->length);
}

}  // namespace

absl::StatusOr<UnixDatagram> UnixDatagram::bind(std::string_view path) {
  absl::StatusOr<UnixSocketAddress> address = UnixSocketAddress::FromPath(path);
  if (!address.ok()) return address.status();
  std::string name(path);
  absl::StatusOr<internal::Socket> socket =
      internal::Socket::Open(AF_UNIX, platform::SocketType::kDatagram, name);
  if (!socket.ok()) return socket.status();
  if (int error =
          platform::Bind(socket->fd(), address->raw(), address->length());
      error != 0) {
    absl::Status status = internal::ErrorStatus(error, "bind", name);
    // For a path, "in use" means a file is there (tokio: AddrInUse).
    if (platform::IsAddressInUse(error)) {
      return absl::AlreadyExistsError(status.message());
    }
    return status;
  }
  return UnixDatagram(*std::move(socket));
}

absl::StatusOr<UnixDatagram> UnixDatagram::unbound() {
  absl::StatusOr<internal::Socket> socket = internal::Socket::Open(
      AF_UNIX, platform::SocketType::kDatagram, std::string("(unnamed)"));
  if (!socket.ok()) return socket.status();
  return UnixDatagram(*std::move(socket));
}

absl::StatusOr<std::pair<UnixDatagram, UnixDatagram>> UnixDatagram::pair() {
  absl::StatusOr<std::pair<internal::Socket, internal::Socket>> sockets =
      internal::Socket::Pair(platform::SocketType::kDatagram);
  if (!sockets.ok()) return sockets.status();
  return std::pair<UnixDatagram, UnixDatagram>(
      UnixDatagram(std::move(sockets->first)),
      UnixDatagram(std::move(sockets->second)));
}

absl::Status UnixDatagram::connect(std::string_view path) {
  absl::StatusOr<UnixSocketAddress> address = UnixSocketAddress::FromPath(path);
  if (!address.ok()) return address.status();
  if (int error = platform::ConnectDatagram(socket_.fd(), address->raw(),
                                            address->length());
      error != 0) {
    return internal::ErrorStatus(error, "connect to", path);
  }
  return absl::OkStatus();
}

std::string UnixDatagram::Name() const {
  absl::StatusOr<UnixSocketAddress> local = local_addr();
  return local.ok() ? local->ToString() : "(closed)";
}

Task<absl::StatusOr<size_t>> UnixDatagram::send_to(std::string_view data,
                                                   std::string path) {
  absl::StatusOr<UnixSocketAddress> target = UnixSocketAddress::FromPath(path);
  if (!target.ok()) co_return target.status();
  int64_t sent = co_await socket_.SendTo(data, target->raw(), target->length(),
                                         "UnixDatagram::send_to");
  if (sent < 0) {
    co_return internal::ErrorStatus(static_cast<int>(-sent), "send_to", path);
  }
  co_return static_cast<size_t>(sent);
}

Task<absl::StatusOr<std::pair<size_t, UnixSocketAddress>>>
UnixDatagram::recv_from(void* buffer, size_t length) {
  internal::RawAddress from;
  int64_t got = co_await socket_.RecvFrom(buffer, length, &from,
                                          "UnixDatagram::recv_from");
  if (got < 0) {
    co_return internal::ErrorStatus(static_cast<int>(-got), "recv_from on",
                                    Name());
  }
  co_return std::pair<size_t, UnixSocketAddress>(
      static_cast<size_t>(got),
      UnixSocketAddress::FromRaw(from.get(), from.length));
}

Task<absl::StatusOr<size_t>> UnixDatagram::send(std::string_view data) {
  int64_t sent =
      co_await socket_.SendTo(data, /*to=*/nullptr, 0, "UnixDatagram::send");
  if (sent < 0) {
    absl::StatusOr<UnixSocketAddress> peer = peer_addr();
    co_return internal::ErrorStatus(
        static_cast<int>(-sent), "send to",
        peer.ok() ? peer->ToString()
                  : "(not connected; bound to " + Name() + ")");
  }
  co_return static_cast<size_t>(sent);
}

Task<absl::StatusOr<size_t>> UnixDatagram::recv(void* buffer, size_t length) {
  int64_t got = co_await socket_.RecvFrom(buffer, length, /*from=*/nullptr,
                                          "UnixDatagram::recv");
  if (got < 0) {
    co_return internal::ErrorStatus(static_cast<int>(-got), "recv on", Name());
  }
  co_return static_cast<size_t>(got);
}

absl::StatusOr<UnixSocketAddress> UnixDatagram::local_addr() const {
  return ToUnix(socket_.RawLocalAddress());
}

absl::StatusOr<UnixSocketAddress> UnixDatagram::peer_addr() const {
  return ToUnix(socket_.RawPeerAddress());
}

}  // namespace weft::net
