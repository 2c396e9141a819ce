// sockets.h on Windows: Winsock 2. Sockets are SOCKETs, made non-blocking
// and not inheritable when opened; Winsock's error codes (WSAGetLastError)
// become the POSIX error numbers the rest of weft speaks
// (ErrorFromWinsock).

#include <cerrno>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "executors/platform/socket_options.h"
#include "executors/platform/sockets.h"
#include "executors/platform/winsock_errors.h"

namespace weft::platform {
namespace {

// Winsock must be started once per process before any other call; it is
// never stopped (sockets may be closed during static destruction).
void StartWinsock() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

// 0, or the error after a call that returned SOCKET_ERROR.
int ErrorOf(int result) {
  return result == SOCKET_ERROR ? LastWinsockError() : 0;
}

int SocketTypeValue(SocketType type) {
  return type == SocketType::kStream ? SOCK_STREAM : SOCK_DGRAM;
}

}  // namespace

int MakeNonBlockingCloseOnExec(SocketHandle socket) {
  u_long non_blocking = 1;
  if (::ioctlsocket(socket, FIONBIO, &non_blocking) == SOCKET_ERROR) {
    return LastWinsockError();
  }
  // Windows' close-on-exec: a child process does not inherit the handle.
  if (!::SetHandleInformation(reinterpret_cast<HANDLE>(socket),
                              HANDLE_FLAG_INHERIT, 0)) {
    return EBADF;
  }
  return 0;
}

int OpenSocket(int family, SocketType type, SocketHandle* socket) {
  if (family == AF_UNIX) return EAFNOSUPPORT;  // kHasUnixDomainSockets
  StartWinsock();
  SOCKET handle =
      ::WSASocketW(family, SocketTypeValue(type), 0, nullptr, 0,
                   WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (handle == INVALID_SOCKET) return LastWinsockError();
  if (int error = MakeNonBlockingCloseOnExec(handle); error != 0) {
    ::closesocket(handle);
    return error;
  }
  *socket = handle;
  return 0;
}

int OpenSocketPair(SocketType, SocketHandle[2]) { return EAFNOSUPPORT; }

void CloseSocket(SocketHandle socket) {
  if (socket != kNoSocket) ::closesocket(socket);
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
  return ErrorOf(::shutdown(socket, SD_SEND));
}

int LocalAddress(SocketHandle socket, RawSocketAddress* address) {
  address->length = sizeof(address->storage);
  return ErrorOf(::getsockname(socket, address->get(), &address->length));
}

int PeerAddress(SocketHandle socket, RawSocketAddress* address) {
  address->length = sizeof(address->storage);
  return ErrorOf(::getpeername(socket, address->get(), &address->length));
}

void AllowRebindDuringTimeWait(SocketHandle) {}

int SetOption(SocketHandle socket, SocketOption option, int value) {
  OptionName name = NameOf(socket, option);
  if (option == SocketOption::kLinger) {
    linger setting{};
    setting.l_onoff = value >= 0 ? 1 : 0;
    setting.l_linger = static_cast<u_short>(value >= 0 ? value : 0);
    return ErrorOf(::setsockopt(socket, name.level, name.name,
                                reinterpret_cast<const char*>(&setting),
                                sizeof(setting)));
  }
  // Winsock's BOOL options take a DWORD-sized int as well.
  return ErrorOf(::setsockopt(socket, name.level, name.name,
                              reinterpret_cast<const char*>(&value),
                              sizeof(value)));
}

int GetOption(SocketHandle socket, SocketOption option, int* value) {
  OptionName name = NameOf(socket, option);
  if (option == SocketOption::kLinger) {
    linger setting{};
    int length = sizeof(setting);
    if (::getsockopt(socket, name.level, name.name,
                     reinterpret_cast<char*>(&setting),
                     &length) == SOCKET_ERROR) {
      return LastWinsockError();
    }
    *value = setting.l_onoff != 0 ? setting.l_linger : -1;
    return 0;
  }
  // Some options are a one-byte BOOLEAN (TCP_NODELAY on older Windows):
  // start from zero so that a short answer still reads right.
  *value = 0;
  int length = sizeof(*value);
  return ErrorOf(::getsockopt(socket, name.level, name.name,
                              reinterpret_cast<char*>(value), &length));
}

int64_t TrySend(SocketHandle socket, const void* data, size_t length,
                const sockaddr* to, socklen_t to_length) {
  // The socket is non-blocking, and Windows raises no SIGPIPE.
  int sent =
      ::sendto(socket, static_cast<const char*>(data), static_cast<int>(length),
               0, to, to == nullptr ? 0 : to_length);
  return sent == SOCKET_ERROR ? -LastWinsockError() : sent;
}

int64_t TryReceive(SocketHandle socket, void* buffer, size_t length,
                   RawSocketAddress* from) {
  if (from != nullptr) from->length = sizeof(from->storage);
  int got =
      ::recvfrom(socket, static_cast<char*>(buffer), static_cast<int>(length),
                 0, from != nullptr ? from->get() : nullptr,
                 from != nullptr ? &from->length : nullptr);
  if (got != SOCKET_ERROR) return got;
  int error = WSAGetLastError();
  // A datagram larger than the buffer: POSIX truncates and returns the
  // length read, Winsock fails with WSAEMSGSIZE after filling the buffer.
  if (error == WSAEMSGSIZE) return static_cast<int64_t>(length);
  return -ReceiveError(socket, error);
}

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

uint32_t ReadableEvents() { return POLLIN; }
uint32_t WritableEvents() { return POLLOUT; }

bool ParseIpAddress(int family, const std::string& text, void* address) {
  StartWinsock();
  return ::inet_pton(family, text.c_str(), address) == 1;
}

std::string FormatIpAddress(int family, const void* address) {
  StartWinsock();
  char text[INET6_ADDRSTRLEN] = {};
  // Winsock's inet_ntop takes a non-const pointer.
  if (::inet_ntop(family, const_cast<void*>(address), text, sizeof(text)) ==
      nullptr) {
    return "";
  }
  return text;
}

absl::StatusOr<std::vector<RawSocketAddress>> ResolveHost(
    const std::string& host, const std::string& port) {
  StartWinsock();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  // One entry per address, not one per socket type.
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* results = nullptr;
  int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &results);
  if (error != 0) {
    // getaddrinfo returns Winsock codes (EAI_NONAME is WSAHOST_NOT_FOUND).
    std::string message = absl::StrCat(
        "lookup_host ", host, ": ", ErrorDescription(ErrorFromWinsock(error)));
    switch (error) {
      case WSAHOST_NOT_FOUND:
      case WSANO_DATA:
        return absl::NotFoundError(message);
      case WSATRY_AGAIN:
        return absl::UnavailableError(message);
      case WSA_NOT_ENOUGH_MEMORY:
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
