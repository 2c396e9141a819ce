// Winsock's error codes as the POSIX error numbers the rest of weft speaks
// (Windows only): WSAECONNREFUSED is ECONNREFUSED to runtime/ and to users,
// as on Linux, so each gets the same absl::StatusCode and message.

#ifndef WEFT_EXECUTORS_PLATFORM_WINSOCK_ERRORS_H_
#define WEFT_EXECUTORS_PLATFORM_WINSOCK_ERRORS_H_

#include <winsock2.h>

namespace weft::platform {

/// The POSIX error number (mingw-w64's errno.h constants) for a Winsock
/// code (WSAGetLastError, getaddrinfo); a code with no POSIX counterpart
/// is returned as it is (they are 10000 and up, beyond every errno), and
/// ErrorDescription still describes it.
int ErrorFromWinsock(int code);

/// ErrorFromWinsock(WSAGetLastError()): the calling thread's last Winsock
/// error, after a call that returned SOCKET_ERROR or INVALID_SOCKET.
int LastWinsockError();

/// ErrorFromWinsock for a receive on `socket`: a datagram socket's
/// WSAECONNRESET (an ICMP port unreachable) is ECONNREFUSED, as Linux says.
int ReceiveError(SOCKET socket, int code);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_WINSOCK_ERRORS_H_
