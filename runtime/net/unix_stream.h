/// \file
/// UnixListener and UnixStream: stream sockets over a filesystem path (Unix
/// domain sockets, tokio's tokio::net::UnixListener and UnixStream), with the
/// same I/O as TcpStream: the same awaitables, cancellation when a task is
/// aborted, and error messages, which name the socket's path.

#ifndef WEFT_RUNTIME_NET_UNIX_STREAM_H_
#define WEFT_RUNTIME_NET_UNIX_STREAM_H_

#include <coroutine>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/platform/sockets.h"
#include "runtime/internal/driver/io_request.h"
#include "runtime/net/owned_halves.h"
#include "runtime/net/socket.h"
#include "runtime/net/tcp.h"
#include "runtime/net/unix_socket_address.h"
#include "runtime/task.h"

namespace weft::net {

class UnixStream;
/// The read half of UnixStream::into_split(); see OwnedReadHalfOf.
using UnixOwnedReadHalf = OwnedReadHalfOf<UnixStream>;
/// The write half of UnixStream::into_split(); see OwnedWriteHalfOf.
using UnixOwnedWriteHalf = OwnedWriteHalfOf<UnixStream>;

/// A connected Unix domain stream socket: connect() or pair() makes one,
/// UnixListener::accept() yields one.
class UnixStream {
 public:
  /// A closed stream (is_open() is false).
  UnixStream() = default;
  /// Move-only; the socket moves with it and is closed when it is destroyed.
  ///@{
  UnixStream(UnixStream&&) noexcept = default;
  UnixStream& operator=(UnixStream&&) noexcept = default;
  ///@}

  /// Connects to the socket bound at `path`. A path with no socket is
  /// NotFound, one whose listener is gone is Unavailable ("Connection
  /// refused"); both name the path. A path longer than
  /// UnixSocketAddress::kMaxPathLength is InvalidArgument.
  static Task<absl::StatusOr<UnixStream>> connect(std::string path);
  /// Two streams connected to each other (socketpair), both unnamed.
  static absl::StatusOr<std::pair<UnixStream, UnixStream>> pair();

  /// The awaitables: TcpStream's, which work on any stream socket.
  ///@{
  using Read = TcpStream::Read;
  using Write = TcpStream::Write;
  ///@}

  /// As TcpStream::read, peek, write, write_all, read_exact and
  /// shutdown_write (the peer reads EOF; this side can still read).
  ///@{
  Read read(void* buffer, size_t length) {
    return stream_.read(buffer, length);
  }
  Read peek(void* buffer, size_t length) {
    return stream_.peek(buffer, length);
  }
  Write write(const void* data, size_t length) {
    return stream_.write(data, length);
  }
  Write write(std::string_view data) { return stream_.write(data); }
  Task<absl::Status> write_all(std::string_view data) {
    return stream_.write_all(data);
  }
  Task<absl::Status> read_exact(void* buffer, size_t length) {
    return stream_.read_exact(buffer, length);
  }
  absl::Status shutdown_write() { return stream_.shutdown_write(); }
  ///@}

  /// Splits the stream into a read half and a write half that two tasks
  /// (possibly on two workers) use at once, as TcpStream::into_split. The
  /// stream is left closed (is_open() is false).
  std::pair<UnixOwnedReadHalf, UnixOwnedWriteHalf> into_split() &&;
  /// The stream the two halves of one into_split() came from. Throws
  /// weft::UsageError (and leaves both halves as they were) when they come
  /// from different streams.
  static UnixStream reunite(UnixOwnedReadHalf&& read,
                            UnixOwnedWriteHalf&& write);

  /// The address of the other end, and of this end (a connecting or pair()
  /// socket's own address is unnamed).
  ///@{
  absl::StatusOr<UnixSocketAddress> peer_addr() const;
  absl::StatusOr<UnixSocketAddress> local_addr() const;
  ///@}
  /// The OS's handle of the socket (platform::SocketHandle: the file
  /// descriptor on Linux and other POSIX systems), e.g. for setsockopt; the
  /// stream still owns it.
  platform::SocketHandle native_handle() const {
    return stream_.native_handle();
  }
  /// False for a default-constructed, moved-from or split stream.
  bool is_open() const { return stream_.is_open(); }

 private:
  friend class UnixListener;
  explicit UnixStream(TcpStream stream) : stream_(std::move(stream)) {}

  // TcpStream's I/O is not specific to TCP; its TCP options (nodelay, ttl)
  // are not exposed here.
  TcpStream stream_;
};

/// A listening Unix domain socket: bind() makes one, accept() yields
/// connections. As in tokio, the socket file stays after the listener is
/// gone; remove it before binding the path again.
class UnixListener {
 public:
  /// A closed listener; bind() makes a real one.
  UnixListener() = default;
  /// Move-only; the socket moves with it and is closed when it is destroyed.
  ///@{
  UnixListener(UnixListener&&) noexcept = default;
  UnixListener& operator=(UnixListener&&) noexcept = default;
  ///@}

  /// Creates the socket file at `path` and listens. When something exists
  /// at `path` already the error is AlreadyExists ("Address already in
  /// use"), naming the path; a path longer than
  /// UnixSocketAddress::kMaxPathLength is InvalidArgument.
  static absl::StatusOr<UnixListener> bind(std::string_view path,
                                           int backlog = 1024);

  /// Awaitable of absl::StatusOr<std::pair<UnixStream, UnixSocketAddress>>.
  class Accept {
   public:
    /// Same as listener.accept().
    explicit Accept(UnixListener& listener);
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> handle) {
      return awaiter_.await_suspend(handle);
    }
    absl::StatusOr<std::pair<UnixStream, UnixSocketAddress>> await_resume();
    ///@}

   private:
    UnixListener& listener_;
    weft::internal::IoAwaiter awaiter_;
  };
  /// The next connection and its peer's (usually unnamed) address; see
  /// Accept.
  Accept accept() { return Accept(*this); }

  /// The address it listens on.
  const UnixSocketAddress& local_addr() const { return local_; }
  /// The OS's handle of the socket (platform::SocketHandle: the file
  /// descriptor on Linux and other POSIX systems), e.g. for setsockopt; the
  /// listener still owns it.
  platform::SocketHandle native_handle() const { return socket_.fd(); }

 private:
  UnixListener(internal::Socket socket, UnixSocketAddress local)
      : socket_(std::move(socket)), local_(std::move(local)) {}

  internal::Socket socket_;
  UnixSocketAddress local_;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_UNIX_STREAM_H_
