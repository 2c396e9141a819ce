#include "runtime/net/socket.h"

#include <string>

#include "runtime/internal/driver/driver.h"
#include "runtime/internal/driver/io_request.h"

namespace weft::net::internal {

absl::StatusOr<Socket> Socket::Open(int family, platform::SocketType type,
                                    const SocketAddress& address_for_errors) {
  return Open(family, type, address_for_errors.ToString());
}

absl::StatusOr<Socket> Socket::Open(int family, platform::SocketType type,
                                    const std::string& name_for_errors) {
  platform::SocketHandle handle = platform::kNoSocket;
  if (int error = platform::OpenSocket(family, type, &handle); error != 0) {
    return ErrorStatus(error, "socket for", name_for_errors);
  }
  return Socket(handle);
}

absl::StatusOr<std::pair<Socket, Socket>> Socket::Pair(
    platform::SocketType type) {
  platform::SocketHandle handles[2];
  if (int error = platform::OpenSocketPair(type, handles); error != 0) {
    return ErrorStatus(error, "socketpair", "(unnamed)");
  }
  return std::pair<Socket, Socket>(Socket(handles[0]), Socket(handles[1]));
}

void Socket::Close() {
  if (!valid()) return;
  platform::SocketHandle fd = std::exchange(fd_, platform::kNoSocket);
  weft::internal::Driver* driver = weft::internal::CurrentDriver();
  if (driver == nullptr) {
    platform::CloseSocket(fd);
    return;
  }
  auto* request =
      weft::internal::IoRequest::New(IoOpcode::kClose, fd, /*buffer_size=*/0);
  request->Submit(*driver, weft::internal::Waker());
  request->Unref();
}

absl::StatusOr<RawAddress> Socket::RawLocalAddress() const {
  RawAddress address;
  if (int error = platform::LocalAddress(fd_, &address); error != 0) {
    return ErrorStatus(error, "getsockname of socket", std::to_string(fd_));
  }
  return address;
}

absl::StatusOr<RawAddress> Socket::RawPeerAddress() const {
  RawAddress address;
  if (int error = platform::PeerAddress(fd_, &address); error != 0) {
    return ErrorStatus(error, "getpeername of socket", std::to_string(fd_));
  }
  return address;
}

absl::StatusOr<SocketAddress> Socket::LocalAddress() const {
  absl::StatusOr<RawAddress> raw = RawLocalAddress();
  if (!raw.ok()) return raw.status();
  return SocketAddress::FromRaw(raw->get(), raw->length);
}

absl::StatusOr<SocketAddress> Socket::PeerAddress() const {
  absl::StatusOr<RawAddress> raw = RawPeerAddress();
  if (!raw.ok()) return raw.status();
  return SocketAddress::FromRaw(raw->get(), raw->length);
}

Task<int32_t> Socket::WaitFor(uint32_t events, const char* operation) {
  auto* request =
      weft::internal::IoRequest::New(IoOpcode::kPoll, fd_, /*buffer_size=*/0);
  request->op().poll_events = events;
  weft::internal::IoAwaiter awaiter(operation, request);
  int32_t result = co_await awaiter;
  co_return result < 0 ? result : 0;
}

Task<int64_t> Socket::SendTo(std::string_view data, const sockaddr* to,
                             socklen_t to_length, const char* operation) {
  while (true) {
    int64_t sent =
        platform::TrySend(fd_, data.data(), data.size(), to, to_length);
    if (sent >= 0 || !platform::WouldBlock(static_cast<int>(-sent))) {
      co_return sent;
    }
    int32_t ready = co_await WaitFor(platform::WritableEvents(), operation);
    if (ready < 0) co_return ready;
  }
}

Task<int64_t> Socket::RecvFrom(void* buffer, size_t length, RawAddress* from,
                               const char* operation) {
  while (true) {
    int64_t got = platform::TryReceive(fd_, buffer, length, from);
    if (got >= 0 || !platform::WouldBlock(static_cast<int>(-got))) {
      co_return got;
    }
    int32_t ready = co_await WaitFor(platform::ReadableEvents(), operation);
    if (ready < 0) co_return ready;
  }
}

}  // namespace weft::net::internal
