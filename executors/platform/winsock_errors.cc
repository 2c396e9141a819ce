#include "executors/platform/winsock_errors.h"

#include <winsock2.h>

#include <cerrno>

namespace weft::platform {

int ErrorFromWinsock(int code) {
  switch (code) {
    case WSAEWOULDBLOCK:
      return EWOULDBLOCK;
    case WSAEINPROGRESS:
      return EINPROGRESS;
    case WSAEALREADY:
      return EALREADY;
    case WSAENOTSOCK:
      return ENOTSOCK;
    case WSAEDESTADDRREQ:
      return EDESTADDRREQ;
    case WSAEMSGSIZE:
      return EMSGSIZE;
    case WSAEPROTOTYPE:
      return EPROTOTYPE;
    case WSAENOPROTOOPT:
      return ENOPROTOOPT;
    case WSAEPROTONOSUPPORT:
      return EPROTONOSUPPORT;
    case WSAEOPNOTSUPP:
      return EOPNOTSUPP;
    case WSAEAFNOSUPPORT:
    case WSAEPFNOSUPPORT:
    case WSAESOCKTNOSUPPORT:
      return EAFNOSUPPORT;
    case WSAEADDRINUSE:
      return EADDRINUSE;
    case WSAEADDRNOTAVAIL:
      return EADDRNOTAVAIL;
    case WSAENETDOWN:
      return ENETDOWN;
    case WSAENETUNREACH:
      return ENETUNREACH;
    case WSAENETRESET:
      return ENETRESET;
    case WSAECONNABORTED:
      return ECONNABORTED;
    case WSAECONNRESET:
      return ECONNRESET;
    case WSAENOBUFS:
      return ENOBUFS;
    case WSAEISCONN:
      return EISCONN;
    case WSAENOTCONN:
      return ENOTCONN;
    // Sending after shutdown(SD_SEND): Linux says EPIPE.
    case WSAESHUTDOWN:
      return EPIPE;
    case WSAETIMEDOUT:
      return ETIMEDOUT;
    case WSAECONNREFUSED:
      return ECONNREFUSED;
    case WSAELOOP:
      return ELOOP;
    case WSAENAMETOOLONG:
      return ENAMETOOLONG;
    case WSAEHOSTDOWN:
    case WSAEHOSTUNREACH:
      return EHOSTUNREACH;
    case WSAEINTR:
      return EINTR;
    case WSAEBADF:
    case WSA_INVALID_HANDLE:
      return EBADF;
    case WSAEACCES:
      return EACCES;
    case WSAEFAULT:
      return EFAULT;
    case WSAEINVAL:
    case WSA_INVALID_PARAMETER:
      return EINVAL;
    case WSAEMFILE:
      return EMFILE;
    case WSA_NOT_ENOUGH_MEMORY:
      return ENOMEM;
    case WSA_OPERATION_ABORTED:
      return ECANCELED;
    default:
      return code;
  }
}

int LastWinsockError() { return ErrorFromWinsock(::WSAGetLastError()); }

int ReceiveError(SOCKET socket, int code) {
  const int error = ErrorFromWinsock(code);
  if (error != ECONNRESET) return error;
  // On a datagram socket Winsock reports an ICMP port unreachable as a
  // reset; Linux (and so weft) calls it refused.
  int type = 0;
  int length = sizeof(type);
  if (::getsockopt(socket, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type),
                   &length) == 0 &&
      type == SOCK_DGRAM) {
    return ECONNREFUSED;
  }
  return error;
}

}  // namespace weft::platform
