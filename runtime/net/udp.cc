#include "runtime/net/udp.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "runtime/internal/driver/io_request.h"

namespace weft::net {

absl::StatusOr<UdpSocket> UdpSocket::bind(const SocketAddress& address) {
  absl::StatusOr<internal::Socket> socket =
      internal::Socket::Open(address.family(), SOCK_DGRAM, address);
  if (!socket.ok()) return socket.status();
  if (::bind(socket->fd(), address.raw(), address.length()) != 0) {
    return internal::ErrorStatus(errno, "bind", address.ToString());
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
  if (::connect(socket_.fd(), address.raw(), address.length()) != 0) {
    return internal::ErrorStatus(errno, "connect to", address.ToString());
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
  while (true) {
    ssize_t sent = ::send(socket_.fd(), data.data(), data.size(),
                          MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) co_return static_cast<size_t>(sent);
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      co_return internal::ErrorStatus(errno, "send to", PeerForErrors());
    }
    absl::Status ready = co_await WaitFor(POLLOUT, "UdpSocket::send");
    if (!ready.ok()) co_return ready;
  }
}

Task<absl::StatusOr<size_t>> UdpSocket::recv(void* buffer, size_t length) {
  while (true) {
    ssize_t got = ::recv(socket_.fd(), buffer, length, MSG_DONTWAIT);
    if (got >= 0) co_return static_cast<size_t>(got);
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      co_return internal::ErrorStatus(errno, "recv from", PeerForErrors());
    }
    absl::Status ready = co_await WaitFor(POLLIN, "UdpSocket::recv");
    if (!ready.ok()) co_return ready;
  }
}

Task<absl::Status> UdpSocket::WaitFor(short events, const char* operation) {
  auto* request =
      weft::internal::IoRequest::New(IoOpcode::kPoll, socket_.fd(), 0);
  request->op().poll_events = static_cast<uint32_t>(events);
  int32_t result = co_await weft::internal::IoAwaiter(operation, request);
  if (result < 0) {
    co_return internal::ErrorStatus(-result, operation, local_.ToString());
  }
  co_return absl::OkStatus();
}

Task<absl::StatusOr<size_t>> UdpSocket::send_to(std::string_view data,
                                                SocketAddress target) {
  while (true) {
    ssize_t sent =
        ::sendto(socket_.fd(), data.data(), data.size(),
                 MSG_DONTWAIT | MSG_NOSIGNAL, target.raw(), target.length());
    if (sent >= 0) co_return static_cast<size_t>(sent);
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      co_return internal::ErrorStatus(errno, "send_to", target.ToString());
    }
    absl::Status ready = co_await WaitFor(POLLOUT, "UdpSocket::send_to");
    if (!ready.ok()) co_return ready;
  }
}

Task<absl::StatusOr<std::pair<size_t, SocketAddress>>> UdpSocket::recv_from(
    void* buffer, size_t length) {
  while (true) {
    sockaddr_storage from{};
    socklen_t from_length = sizeof(from);
    ssize_t got = ::recvfrom(socket_.fd(), buffer, length, MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &from_length);
    if (got >= 0) {
      co_return std::pair<size_t, SocketAddress>(
          static_cast<size_t>(got),
          SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&from),
                                 from_length));
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      co_return internal::ErrorStatus(errno, "recv_from on", local_.ToString());
    }
    absl::Status ready = co_await WaitFor(POLLIN, "UdpSocket::recv_from");
    if (!ready.ok()) co_return ready;
  }
}

}  // namespace weft::net
