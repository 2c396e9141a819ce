#include "runtime/net/socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/internal/driver/driver.h"
#include "runtime/internal/driver/io_request.h"

namespace weft::net::internal {

absl::Status ErrorStatus(int error_number, std::string_view operation,
                         const std::string& address) {
  // Not absl::ErrnoToStatus: Debian's Abseil formats through its StrError,
  // which ThreadSanitizer (not seeing inside the uninstrumented library)
  // reports as a race when two threads fail at once. strerrordesc_np reads
  // a constant table.
  const char* description = strerrordesc_np(error_number);
  std::string message =
      absl::StrCat(std::string(operation), " ", address, ": ");
  if (description != nullptr) {
    absl::StrAppend(&message, description);
  } else {
    absl::StrAppend(&message, "error ", error_number);
  }
  return absl::Status(absl::ErrnoToStatusCode(error_number), message);
}

absl::StatusOr<Socket> Socket::Open(int family, int type,
                                    const SocketAddress& address_for_errors) {
  return Open(family, type, address_for_errors.ToString());
}

absl::StatusOr<Socket> Socket::Open(int family, int type,
                                    const std::string& name_for_errors) {
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrorStatus(errno, "socket for", name_for_errors);
  return Socket(fd);
}

absl::StatusOr<std::pair<Socket, Socket>> Socket::Pair(int type) {
  int fds[2];
  if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrorStatus(errno, "socketpair", "(unnamed)");
  }
  return std::pair<Socket, Socket>(Socket(fds[0]), Socket(fds[1]));
}

void Socket::Close() {
  if (fd_ < 0) return;
  int fd = std::exchange(fd_, -1);
  weft::internal::Driver* driver = weft::internal::CurrentDriver();
  if (driver == nullptr) {
    ::close(fd);
    return;
  }
  auto* request =
      weft::internal::IoRequest::New(IoOpcode::kClose, fd, /*buffer_size=*/0);
  request->Submit(*driver, weft::internal::Waker());
  request->Unref();
}

absl::StatusOr<RawAddress> Socket::RawLocalAddress() const {
  RawAddress address;
  if (::getsockname(fd_, address.get(), &address.length) != 0) {
    return ErrorStatus(errno, "getsockname of fd", std::to_string(fd_));
  }
  return address;
}

absl::StatusOr<RawAddress> Socket::RawPeerAddress() const {
  RawAddress address;
  if (::getpeername(fd_, address.get(), &address.length) != 0) {
    return ErrorStatus(errno, "getpeername of fd", std::to_string(fd_));
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

namespace {

bool WouldBlock(int error_number) {
  return error_number == EAGAIN || error_number == EWOULDBLOCK ||
         error_number == EINTR;
}

}  // namespace

Task<int32_t> Socket::WaitFor(short events, const char* operation) {
  auto* request =
      weft::internal::IoRequest::New(IoOpcode::kPoll, fd_, /*buffer_size=*/0);
  request->op().poll_events = static_cast<uint32_t>(events);
  weft::internal::IoAwaiter awaiter(operation, request);
  int32_t result = co_await awaiter;
  co_return result < 0 ? result : 0;
}

Task<int64_t> Socket::SendTo(std::string_view data, const sockaddr* to,
                             socklen_t to_length, const char* operation) {
  while (true) {
    ssize_t sent =
        to == nullptr
            ? ::send(fd_, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL)
            : ::sendto(fd_, data.data(), data.size(),
                       MSG_DONTWAIT | MSG_NOSIGNAL, to, to_length);
    if (sent >= 0) co_return sent;
    if (!WouldBlock(errno)) co_return -errno;
    int32_t ready = co_await WaitFor(POLLOUT, operation);
    if (ready < 0) co_return ready;
  }
}

Task<int64_t> Socket::RecvFrom(void* buffer, size_t length, RawAddress* from,
                               const char* operation) {
  while (true) {
    if (from != nullptr) from->length = sizeof(from->storage);
    ssize_t got = ::recvfrom(fd_, buffer, length, MSG_DONTWAIT,
                             from != nullptr ? from->get() : nullptr,
                             from != nullptr ? &from->length : nullptr);
    if (got >= 0) co_return got;
    if (!WouldBlock(errno)) co_return -errno;
    int32_t ready = co_await WaitFor(POLLIN, operation);
    if (ready < 0) co_return ready;
  }
}

}  // namespace weft::net::internal
