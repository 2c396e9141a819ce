// The socket calls runtime/net needs that are not waits: opening, options,
// binding, listening, a datagram socket's connect, addresses, shutdown,
// closing where no reactor is, one non-blocking datagram attempt, IP address
// text, name resolution, and the mapping of the OS's error numbers to
// absl::Status. runtime/ makes none of these calls itself, so a platform
// whose sockets are not POSIX fds needs a new implementation of this file,
// not a change in runtime/. What waits (accept, a stream's connect, reads,
// writes, readiness) goes through the backend's Reactor (runtime/executor.h).
//
// One implementation per platform family: posix_sockets.cc and
// windows_sockets.cc.
//
// A socket is a SocketHandle (socket_types.h: the fd on POSIX, a SOCKET on
// Windows). Errors are positive POSIX error numbers (errno's constants:
// ECONNREFUSED, EWOULDBLOCK, ...) on every platform, the same numbers a
// Reactor reports negated; the Windows layer translates Winsock's codes
// into them. ErrorStatus gives each the same absl::StatusCode everywhere.

#ifndef WEFT_EXECUTORS_PLATFORM_SOCKETS_H_
#define WEFT_EXECUTORS_PLATFORM_SOCKETS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/platform/errors.h"
#include "executors/platform/socket_types.h"
#include "executors/platform/target.h"

namespace weft::platform {

enum class SocketType { kStream, kDatagram };

/// A socket address of any family, as getsockname, accept or recvfrom fill
/// it in.
struct RawSocketAddress {
  sockaddr_storage storage{};
  socklen_t length = sizeof(sockaddr_storage);

  const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

/// Whether the platform has Unix-domain sockets as weft uses them (stream
/// and datagram, and socket pairs): not on Windows, whose AF_UNIX has
/// neither datagrams nor socketpair; there OpenSocket refuses AF_UNIX with
/// EAFNOSUPPORT, as tokio offers no Unix sockets on Windows.
#if WEFT_PLATFORM_WINDOWS
inline constexpr bool kHasUnixDomainSockets = false;
#else
inline constexpr bool kHasUnixDomainSockets = true;
#endif

/// A non-blocking, close-on-exec socket of `family` (AF_INET, AF_INET6,
/// AF_UNIX). Returns 0 and sets `*socket`, or the error.
int OpenSocket(int family, SocketType type, SocketHandle* socket);
/// Two connected, non-blocking, close-on-exec AF_UNIX sockets.
/// EAFNOSUPPORT on Windows, which has no socketpair (tokio has no Unix
/// sockets there either).
int OpenSocketPair(SocketType type, SocketHandle sockets[2]);
/// Makes a socket that was created without the flags (accept(2) where
/// there is no accept4) non-blocking and close-on-exec. 0 or the error.
int MakeNonBlockingCloseOnExec(SocketHandle socket);
/// Closes at once; for a socket no reactor has seen (or none is running).
void CloseSocket(SocketHandle socket);

/// 0 or the error, for each of these.
///@{
int Bind(SocketHandle socket, const sockaddr* address, socklen_t length);
int Listen(SocketHandle socket, int backlog);
/// Sets the peer of a datagram socket (it does not wait).
int ConnectDatagram(SocketHandle socket, const sockaddr* address,
                    socklen_t length);
int ShutdownWrite(SocketHandle socket);
/// getsockname and getpeername.
int LocalAddress(SocketHandle socket, RawSocketAddress* address);
int PeerAddress(SocketHandle socket, RawSocketAddress* address);
///@}

/// What a listener sets before it binds so that a restarted server can bind
/// while its old connections are in TIME_WAIT (as tokio's listeners do):
/// SO_REUSEADDR on POSIX; nothing on Windows, where SO_REUSEADDR would let
/// another socket take a port in use and TIME_WAIT does not block a bind.
/// Failing only makes that case fail later, so nothing is returned.
void AllowRebindDuringTimeWait(SocketHandle socket);

enum class SocketOption {
  kReuseAddress,  ///< SO_REUSEADDR
  kNoDelay,       ///< TCP_NODELAY
  kKeepAlive,     ///< SO_KEEPALIVE
  kTtl,           ///< IP_TTL, or the IPv6 unicast hop limit on IPv6
  kLinger,        ///< SO_LINGER: seconds a close waits for unsent data; -1: off
                  /// (0: the close resets the connection)
};
int SetOption(SocketHandle socket, SocketOption option, int value);
int GetOption(SocketHandle socket, SocketOption option, int* value);

/// One send of a datagram (to the connected peer when `to` is null) that does
/// not wait and raises no signal: the bytes sent, or -error.
int64_t TrySend(SocketHandle socket, const void* data, size_t length,
                const sockaddr* to, socklen_t to_length);
/// One receive that does not wait: the datagram's size, or -error. Fills in
/// `from` when it is not null.
int64_t TryReceive(SocketHandle socket, void* buffer, size_t length,
                   RawSocketAddress* from);
/// Whether an attempt failed only because it would have had to wait.
bool WouldBlock(int error);

/// kPoll's events (IoOperation::poll_events) for "readable" and "writable".
uint32_t ReadableEvents();
uint32_t WritableEvents();

/// The address in `text` ("127.0.0.1", "::1") written into `address` (an
/// in_addr for AF_INET, an in6_addr for AF_INET6); false if it is not one.
bool ParseIpAddress(int family, const std::string& text, void* address);
/// The text of an in_addr or in6_addr.
std::string FormatIpAddress(int family, const void* address);

/// The IPv4 and IPv6 addresses of `host` with `port`, in the resolver's
/// order. Blocks: run it on the blocking pool. Errors name `host`.
absl::StatusOr<std::vector<RawSocketAddress>> ResolveHost(
    const std::string& host, const std::string& port);

/// Whether `error` says an address is already in use.
bool IsAddressInUse(int error);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_SOCKETS_H_
