#include "runtime/net/udp.h"

namespace weft::net {

absl::StatusOr<UdpSocket> UdpSocket::bind(const SocketAddress& address) {
  absl::StatusOr<internal::Socket> socket = internal::Socket::Open(
      address.family(), platform::SocketType::kDatagram, address);
  if (!socket.ok()) return socket.status();
  if (int error = platform::Bind(socket->fd(), address.raw(), address.length());
      error != 0) {
    return internal::ErrorStatus(error, "bind", address.ToString());
  }
  absl::StatusOr<SocketAddress> local = socket->LocalAddress();
  if (!local.ok()) return local.status();
  return UdpSocket(*std::move(socket), *local);
}

absl::StatusOr<UdpSocket> UdpSocket::bind(std::string_view address) {
  absl::StatusOr<SocketAddress> parsed = SocketAddress::Parse(address);
  if (!parsed.ok()) return parsed.status();
  return bind(*parsed);
}

absl::Status UdpSocket::connect(const SocketAddress& address) {
  if (int error = platform::ConnectDatagram(socket_.fd(), address.raw(),
                                            address.length());
      error != 0) {
    return internal::ErrorStatus(error, "connect to", address.ToString());
  }
  return absl::OkStatus();
}

absl::Status UdpSocket::connect(std::string_view address) {
  absl::StatusOr<SocketAddress> parsed = SocketAddress::Parse(address);
  if (!parsed.ok()) return parsed.status();
  return connect(*parsed);
}

absl::StatusOr<SocketAddress> UdpSocket::peer_addr() const {
  return socket_.PeerAddress();
}

std::string UdpSocket::PeerForErrors() const {
  absl::StatusOr<SocketAddress> peer = socket_.PeerAddress();
  return peer.ok() ? peer->ToString()
                   : "(not connected; bound to " + local_.ToString() + ")";
}

Task<absl::StatusOr<size_t>> UdpSocket::send(std::string_view data) {
  int64_t sent =
      co_await socket_.SendTo(data, /*to=*/nullptr, 0, "UdpSocket::send");
  if (sent < 0) {
    co_return internal::ErrorStatus(static_cast<int>(-sent), "send to",
                                    PeerForErrors());
  }
  co_return static_cast<size_t>(sent);
}

Task<absl::StatusOr<size_t>> UdpSocket::recv(void* buffer, size_t length) {
  int64_t got = co_await socket_.RecvFrom(buffer, length, /*from=*/nullptr,
                                          "UdpSocket::recv");
  if (got < 0) {
    co_return internal::ErrorStatus(static_cast<int>(-got), "recv from",
                                    PeerForErrors());
  }
  co_return static_cast<size_t>(got);
}

Task<absl::StatusOr<size_t>> UdpSocket::send_to(std::string_view data,
                                                SocketAddress target) {
  int64_t sent = co_await socket_.SendTo(data, target.raw(), target.length(),
                                         "UdpSocket::send_to");
  if (sent < 0) {
    co_return internal::ErrorStatus(static_cast<int>(-sent), "send_to",
                                    target.ToString());
  }
  co_return static_cast<size_t>(sent);
}

Task<absl::StatusOr<std::pair<size_t, SocketAddress>>> UdpSocket::recv_from(
    void* buffer, size_t length) {
  internal::RawAddress from;
  int64_t got =
      co_await socket_.RecvFrom(buffer, length, &from, "UdpSocket::recv_from");
  if (got < 0) {
    co_return internal::ErrorStatus(static_cast<int>(-got), "recv_from on",
                                    local_.ToString());
  }
  co_return std::pair<size_t, SocketAddress>(
      static_cast<size_t>(got),
      SocketAddress::FromRaw(from.get(), from.length));
}

}  // namespace weft::net
