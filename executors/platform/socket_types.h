// The OS's socket types (sockaddr, sockaddr_storage, sockaddr_in/in6/un,
// socklen_t) and address families, for code that must not include the OS's
// socket headers itself: runtime/ holds addresses in these types and hands
// them to the platform layer (sockets.h) and the backend (IoOperation), but
// which header defines them is the platform's business.

#ifndef WEFT_EXECUTORS_PLATFORM_SOCKET_TYPES_H_
#define WEFT_EXECUTORS_PLATFORM_SOCKET_TYPES_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#endif  // WEFT_EXECUTORS_PLATFORM_SOCKET_TYPES_H_
