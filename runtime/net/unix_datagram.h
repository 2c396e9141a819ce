/// \file
/// UnixDatagram: datagrams between Unix domain sockets, addressed by path
/// (tokio's tokio::net::UnixDatagram).
///
/// As UdpSocket, it waits for readiness with the portable kPoll operation
/// and then makes the non-blocking system call itself; aborting a task
/// waiting in a send or receive cancels its poll, and no datagram is lost.

#ifndef WEFT_RUNTIME_NET_UNIX_DATAGRAM_H_
#define WEFT_RUNTIME_NET_UNIX_DATAGRAM_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/platform/sockets.h"
#include "runtime/net/socket.h"
#include "runtime/net/unix_socket_address.h"
#include "runtime/task.h"

namespace weft::net {

/// A Unix domain datagram socket; see unix_datagram.h.
class UnixDatagram {
 public:
  /// A closed socket; bind() or unbound() makes a real one.
  UnixDatagram() = default;
  /// Move-only; the socket moves with it and is closed when it is destroyed.
  ///@{
  UnixDatagram(UnixDatagram&&) noexcept = default;
  UnixDatagram& operator=(UnixDatagram&&) noexcept = default;
  ///@}

  /// A socket bound at `path` (the file must not exist yet: if it does, the
  /// error is AlreadyExists naming the path; the file stays after the
  /// socket is gone).
  static absl::StatusOr<UnixDatagram> bind(std::string_view path);
  /// A socket with no address: it can send, and receive only replies
  /// through a connect()ed peer or a pair().
  static absl::StatusOr<UnixDatagram> unbound();
  /// Two sockets connected to each other (socketpair).
  static absl::StatusOr<std::pair<UnixDatagram, UnixDatagram>> pair();

  /// Sets the default destination of send() and the only source recv()
  /// accepts. No socket at `path` is NotFound, naming the path.
  absl::Status connect(std::string_view path);

  /// Sends one datagram to the socket bound at `path`; yields the bytes
  /// sent. `data` must outlive the await. No socket there is NotFound,
  /// naming the path.
  Task<absl::StatusOr<size_t>> send_to(std::string_view data, std::string path);
  /// Receives one datagram into `buffer` (truncated to `length`); yields
  /// its size and sender (unnamed when the sender is not bound).
  Task<absl::StatusOr<std::pair<size_t, UnixSocketAddress>>> recv_from(
      void* buffer, size_t length);
  /// send_to and recv without an address, for a connected socket.
  ///@{
  Task<absl::StatusOr<size_t>> send(std::string_view data);
  Task<absl::StatusOr<size_t>> recv(void* buffer, size_t length);
  ///@}

  /// This socket's address (unnamed for unbound() and pair()).
  absl::StatusOr<UnixSocketAddress> local_addr() const;
  /// The connected peer's address; an error when not connected.
  absl::StatusOr<UnixSocketAddress> peer_addr() const;
  /// The OS's handle of the socket (platform::SocketHandle: the file
  /// descriptor on Linux and other POSIX systems), e.g. for setsockopt; the
  /// socket still owns it.
  platform::SocketHandle native_handle() const { return socket_.fd(); }

 private:
  explicit UnixDatagram(internal::Socket socket) : socket_(std::move(socket)) {}
  /// The local address for error messages.
  std::string Name() const;

  internal::Socket socket_;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_UNIX_DATAGRAM_H_
