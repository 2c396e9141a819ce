// sockets.h on POSIX systems: the BSD socket calls on file descriptors.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "executors/platform/socket_options.h"
#include "executors/platform/sockets.h"
#include "executors/platform/target.h"

namespace weft::platform {
namespace {

int SocketTypeValue(SocketType type) {
  return type == SocketType::kStream ? SOCK_STREAM : SOCK_DGRAM;
}

// 0, or errno after a call that returned `result` < 0.
int ErrorOf(int result) { return result < 0 ? errno : 0; }

#if WEFT_PLATFORM_LINUX
// Non-blocking and close-on-exec from the start: no window in which a fork
// could leak the fd.
int Flags(SocketType type) {
  return SocketTypeValue(type) | SOCK_NONBLOCK | SOCK_CLOEXEC;
}

int Configure(int) { return 0; }
#else
// Where socket() takes no such flags (POSIX before 2024): set them after.
int Flags(SocketType type) { return SocketTypeValue(type); }

int Configure(int fd) { return MakeNonBlockingCloseOnExec(fd); }
#endif

}  // namespace

int MakeNonBlockingCloseOnExec(SocketHandle socket) {
  if (::fcntl(socket, F_SETFD, FD_CLOEXEC) != 0) return errno;
  int flags = ::fcntl(socket, F_GETFL);
  if (flags < 0 || ::fcntl(socket, F_SETFL, flags | O_NONBLOCK) != 0) {
    return errno;
  }
  return 0;
}

int OpenSocket(int family, SocketType type, SocketHandle* socket) {
  int fd = ::socket(family, Flags(type), 0);
  if (fd < 0) return errno;
  if (int error = Configure(fd); error != 0) {
    ::close(fd);
    return error;
  }
  *socket = fd;
  return 0;
}

int OpenSocketPair(SocketType type, SocketHandle sockets[2]) {
  if (::socketpair(AF_UNIX, Flags(type), 0, sockets) != 0) return errno;
  for (int i = 0; i < 2; ++i) {
    if (int error = Configure(sockets[i]); error != 0) {
      ::close(sockets[0]);
      ::close(sockets[1]);
      return error;
    }
  }
  return 0;
}

void CloseSocket(SocketHandle socket) {
  if (socket >= 0) ::close(socket);
}

int Bind(SocketHandle socket, const sockaddr* address, socklen_t length) {
  return ErrorOf(::bind(socket, address, length));
}

int Listen(SocketHandle socket, int backlog) {
  return ErrorOf(::listen(socket, backlog));
}

int ConnectDatagram(SocketHandle socket, const sockaddr* address,
                    socklen_t length) {
  return ErrorOf(::connect(socket, address, length));
}

int ShutdownWrite(SocketHandle socket) {
  return ErrorOf(::shutdown(socket, SHUT_WR));
}

int LocalAddress(SocketHandle socket, RawSocketAddress* address) {
  address->length = sizeof(address->storage);
  return ErrorOf(::getsockname(socket, address->get(), &address->length));
}

int PeerAddress(SocketHandle socket, RawSocketAddress* address) {
  address->length = sizeof(address->storage);
  return ErrorOf(::getpeername(socket, address->get(), &address->length));
}

void AllowRebindDuringTimeWait(SocketHandle socket) {
  SetOption(socket, SocketOption::kReuseAddress, 1);
}

int SetOption(SocketHandle socket, SocketOption option, int value) {
  OptionName name = NameOf(socket, option);
  if (option == SocketOption::kLinger) {
    linger setting{.l_onoff = value >= 0 ? 1 : 0,
                   .l_linger = value >= 0 ? value : 0};
    return ErrorOf(
        ::setsockopt(socket, name.level, name.name, &setting, sizeof(setting)));
  }
  return ErrorOf(
      ::setsockopt(socket, name.level, name.name, &value, sizeof(value)));
}

int GetOption(SocketHandle socket, SocketOption option, int* value) {
  OptionName name = NameOf(socket, option);
  if (option == SocketOption::kLinger) {
    linger setting{};
    socklen_t length = sizeof(setting);
    if (::getsockopt(socket, name.level, name.name, &setting, &length) != 0) {
      return errno;
    }
    *value = setting.l_onoff != 0 ? setting.l_linger : -1;
    return 0;
  }
  socklen_t length = sizeof(*value);
  return ErrorOf(::getsockopt(socket, name.level, name.name, value, &length));
}

int64_t TrySend(SocketHandle socket, const void* data, size_t length,
                const sockaddr* to, socklen_t to_length) {
  while (true) {
    ssize_t sent = ::sendto(socket, data, length, MSG_DONTWAIT | MSG_NOSIGNAL,
                            to, to == nullptr ? 0 : to_length);
    if (sent >= 0) return sent;
    if (errno != EINTR) return -errno;
  }
}

int64_t TryReceive(SocketHandle socket, void* buffer, size_t length,
                   RawSocketAddress* from) {
  while (true) {
    if (from != nullptr) from->length = sizeof(from->storage);
    ssize_t got = ::recvfrom(socket, buffer, length, MSG_DONTWAIT,
                             from != nullptr ? from->get() : nullptr,
                             from != nullptr ? &from->length : nullptr);
    if (got >= 0) return got;
    if (errno != EINTR) return -errno;
  }
}

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

uint32_t ReadableEvents() { return POLLIN; }
uint32_t WritableEvents() { return POLLOUT; }

bool ParseIpAddress(int family, const std::string& text, void* address) {
  return ::inet_pton(family, text.c_str(), address) == 1;
}

std::string FormatIpAddress(int family, const void* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(family, address, text, sizeof(text)) == nullptr) return "";
  return text;
}

absl::StatusOr<std::vector<RawSocketAddress>> ResolveHost(
    const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  // One entry per address, not one per socket type.
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* results = nullptr;
  int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &results);
  if (error != 0) {
    if (error == EAI_SYSTEM) return ErrorStatus(errno, "lookup_host", host);
    // gai_strerror returns glibc's constant strings.
    std::string message =
        absl::StrCat("lookup_host ", host, ": ", gai_strerror(error));
    switch (error) {
      case EAI_NONAME:
#if WEFT_PLATFORM_LINUX
      case EAI_NODATA:
      case EAI_ADDRFAMILY:
#endif
        return absl::NotFoundError(message);
      case EAI_AGAIN:
        return absl::UnavailableError(message);
      case EAI_MEMORY:
        return absl::ResourceExhaustedError(message);
      default:
        return absl::UnknownError(message);
    }
  }
  std::vector<RawSocketAddress> addresses = AddressesOf(results);
  ::freeaddrinfo(results);
  return addresses;
}

bool IsAddressInUse(int error) { return error == EADDRINUSE; }

}  // namespace weft::platform
