/// \file
/// UdpSocket: datagrams over IPv4 or IPv6.
///
/// The interface's completion-shaped operations have no sendto/recvfrom, so
/// UDP waits for readiness with the portable kPoll operation and then makes
/// the non-blocking system call itself. Aborting a task waiting in send_to or
/// recv_from cancels its poll; no buffer of the task is handed to the backend.

#ifndef WEFT_RUNTIME_NET_UDP_H_
#define WEFT_RUNTIME_NET_UDP_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/platform/sockets.h"
#include "runtime/net/socket.h"
#include "runtime/net/socket_address.h"
#include "runtime/task.h"

namespace weft::net {

/// A UDP socket bound to a local address; see udp.h.
class UdpSocket {
 public:
  /// A closed socket; bind() makes a real one.
  UdpSocket() = default;
  /// Move-only; the socket moves with it and is closed when it is destroyed.
  ///@{
  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;
  ///@}

  /// Binds to `address` ("1.2.3.4:port" or "[::1]:port" in text); port 0
  /// picks an ephemeral port.
  ///@{
  static absl::StatusOr<UdpSocket> bind(const SocketAddress& address);
  static absl::StatusOr<UdpSocket> bind(std::string_view address);
  ///@}

  /// Sends one datagram; yields the bytes sent. `data` must outlive the await.
  Task<absl::StatusOr<size_t>> send_to(std::string_view data,
                                       SocketAddress target);
  /// Receives one datagram into `buffer` (truncated to `length`); yields its
  /// size and sender.
  Task<absl::StatusOr<std::pair<size_t, SocketAddress>>> recv_from(
      void* buffer, size_t length);

  /// Sets the default destination of send() and the only source recv()
  /// accepts (connect(2) on a datagram socket: nothing is sent, so it
  /// completes at once). Text form as in bind().
  ///@{
  absl::Status connect(const SocketAddress& address);
  absl::Status connect(std::string_view address);
  ///@}
  /// Sends one datagram to the connected address; yields the bytes sent.
  /// `data` must outlive the await. Without connect() the error is
  /// "Destination address required".
  Task<absl::StatusOr<size_t>> send(std::string_view data);
  /// Receives one datagram from the connected address into `buffer`
  /// (truncated to `length`); yields its size.
  Task<absl::StatusOr<size_t>> recv(void* buffer, size_t length);
  /// The connected address; an error when connect() was not called.
  absl::StatusOr<SocketAddress> peer_addr() const;

  /// The address it is bound to (with the port picked, if port 0 was asked).
  SocketAddress local_addr() const { return local_; }
  /// The OS's handle of the socket (platform::SocketHandle: the file
  /// descriptor on Linux and other POSIX systems), e.g. for setsockopt; the
  /// socket still owns it.
  platform::SocketHandle native_handle() const { return socket_.fd(); }

 private:
  UdpSocket(internal::Socket socket, SocketAddress local)
      : socket_(std::move(socket)), local_(std::move(local)) {}
  /// What errors name as the other end: the connected address, or the local
  /// one before connect().
  std::string PeerForErrors() const;

  internal::Socket socket_;
  SocketAddress local_;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_UDP_H_
