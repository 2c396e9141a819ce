/// \file
/// Networking for tasks: TcpListener, TcpStream (and its split halves),
/// UdpSocket, SocketAddress, lookup_host, and Unix domain sockets
/// (UnixListener, UnixStream, UnixDatagram, UnixSocketAddress).

#ifndef WEFT_RUNTIME_NET_H_
#define WEFT_RUNTIME_NET_H_

#include "runtime/net/lookup_host.h"          // IWYU pragma: export
#include "runtime/net/socket_address.h"       // IWYU pragma: export
#include "runtime/net/tcp.h"                  // IWYU pragma: export
#include "runtime/net/udp.h"                  // IWYU pragma: export
#include "runtime/net/unix_datagram.h"        // IWYU pragma: export
#include "runtime/net/unix_socket_address.h"  // IWYU pragma: export
#include "runtime/net/unix_stream.h"          // IWYU pragma: export

#endif  // WEFT_RUNTIME_NET_H_
