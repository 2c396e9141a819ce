#include "runtime/net/socket.h"

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
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return ErrorStatus(errno, "socket for", address_for_errors.ToString());
  }
  return Socket(fd);
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

absl::StatusOr<SocketAddress> Socket::LocalAddress() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return ErrorStatus(errno, "getsockname of fd", std::to_string(fd_));
  }
  return SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&storage), length);
}

absl::StatusOr<SocketAddress> Socket::PeerAddress() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return ErrorStatus(errno, "getpeername of fd", std::to_string(fd_));
  }
  return SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&storage), length);
}

}  // namespace weft::net::internal
