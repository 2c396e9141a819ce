// The OS's socket types (sockaddr, sockaddr_storage, sockaddr_in/in6/un,
// socklen_t), the address families, and SocketHandle, the OS's name for a
// socket, for code that must not include the OS's socket headers itself:
// runtime/ holds addresses in these types and hands them to the platform
// layer (sockets.h) and the backend (IoOperation), but which header defines
// them is the platform's business.

#ifndef WEFT_EXECUTORS_PLATFORM_SOCKET_TYPES_H_
#define WEFT_EXECUTORS_PLATFORM_SOCKET_TYPES_H_

#include <cstdint>

#include "executors/platform/target.h"

#if WEFT_PLATFORM_WINDOWS
// winsock2.h first: the other two need its types.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <afunix.h>
// clang-format on
#else
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#endif

namespace weft::platform {

#if WEFT_PLATFORM_WINDOWS
/// A socket as the OS names it: a Winsock SOCKET (pointer-sized).
using SocketHandle = SOCKET;
inline constexpr SocketHandle kNoSocket = INVALID_SOCKET;
/// What an IoOperation acts on (IoOperation::fd), a socket or a file: a
/// kernel HANDLE's value (a SOCKET is one), signed so that -1 is "none"
/// as on POSIX (INVALID_SOCKET converts to it).
using IoHandle = intptr_t;
#else
/// A socket as the OS names it: the file descriptor.
using SocketHandle = int;
inline constexpr SocketHandle kNoSocket = -1;
/// What an IoOperation acts on (IoOperation::fd): the file descriptor.
using IoHandle = int;
#endif

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_SOCKET_TYPES_H_
