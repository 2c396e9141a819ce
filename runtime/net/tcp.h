/// \file
/// TcpListener and TcpStream over the executor's completion-shaped I/O (so
/// io_uring submits natively; epoll and libuv emulate).
///
/// Every failure is an absl::Status whose message names the operation and the
/// address ("connect to 127.0.0.1:6379: Connection refused"). Aborting a task
/// blocked in accept, connect, read or write cancels the operation in the
/// backend; the operation works on its own buffers (see io_request.h), so the
/// task's buffer is never touched after the task is gone.

#ifndef WEFT_RUNTIME_NET_TCP_H_
#define WEFT_RUNTIME_NET_TCP_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/platform/sockets.h"
#include "runtime/internal/driver/io_request.h"
#include "runtime/net/owned_halves.h"
#include "runtime/net/socket.h"
#include "runtime/net/socket_address.h"
#include "runtime/task.h"

namespace weft::net {

class TcpStream;
/// The read half of TcpStream::into_split(); see OwnedReadHalfOf.
using OwnedReadHalf = OwnedReadHalfOf<TcpStream>;
/// The write half of TcpStream::into_split(); see OwnedWriteHalfOf.
using OwnedWriteHalf = OwnedWriteHalfOf<TcpStream>;

/// A connected TCP socket: connect() makes one, TcpListener::accept() yields
/// one.
class TcpStream {
 public:
  /// A closed stream (is_open() is false).
  TcpStream() = default;
  /// Move-only; the socket moves with it and is closed when it is destroyed.
  ///@{
  TcpStream(TcpStream&&) noexcept = default;
  TcpStream& operator=(TcpStream&&) noexcept = default;
  ///@}

  /// Connects to `address`.
  ///@{
  static Task<absl::StatusOr<TcpStream>> connect(SocketAddress address);
  /// `address` is "host:port": a numeric "1.2.3.4:port" or "[::1]:port"
  /// connects at once; a name ("localhost:6379") is resolved with
  /// lookup_host and each of its addresses is tried in turn, as tokio does;
  /// when none connects, the error is the last address's.
  static Task<absl::StatusOr<TcpStream>> connect(std::string address);
  ///@}

  /// Awaitable of absl::StatusOr<size_t>: one read of at most `length`
  /// bytes; 0 means the peer closed its side (EOF).
  class Read {
   public:
    /// Same as stream.read(buffer, length); `flags` are recv(2)'s
    /// (MSG_PEEK for peek()).
    Read(TcpStream& stream, void* buffer, size_t length, int flags = 0);
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> handle) {
      return awaiter_.await_suspend(handle);
    }
    absl::StatusOr<size_t> await_resume();
    ///@}

   private:
    TcpStream& stream_;
    void* buffer_;
    bool peek_;
    weft::internal::IoAwaiter awaiter_;
  };

  /// Awaitable of absl::StatusOr<size_t>: one write of up to `length` bytes
  /// (the data is copied when the write is created).
  class Write {
   public:
    /// Same as stream.write(data, length).
    Write(TcpStream& stream, const void* data, size_t length);
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> handle) {
      return awaiter_.await_suspend(handle);
    }
    absl::StatusOr<size_t> await_resume();
    ///@}

   private:
    TcpStream& stream_;
    weft::internal::IoAwaiter awaiter_;
  };

  /// One read of at most `length` bytes into `buffer`; see Read.
  Read read(void* buffer, size_t length) { return Read(*this, buffer, length); }
  /// Like read(), but the bytes stay in the socket: the next read or peek
  /// sees them again (recv with MSG_PEEK). Waits until there is data or EOF.
  Read peek(void* buffer, size_t length) {
    return Read(*this, buffer, length, MSG_PEEK);
  }
  /// One write of up to `length` bytes, which may be fewer; see Write.
  ///@{
  Write write(const void* data, size_t length) {
    return Write(*this, data, length);
  }
  Write write(std::string_view data) {
    return Write(*this, data.data(), data.size());
  }
  ///@}
  /// Writes every byte of `data` (which must outlive the await).
  Task<absl::Status> write_all(std::string_view data);
  /// Reads exactly `length` bytes; an EOF before that is an OutOfRange error.
  Task<absl::Status> read_exact(void* buffer, size_t length);

  /// Half-close: the peer reads EOF; this side can still read.
  absl::Status shutdown_write();
  /// TCP_NODELAY (no Nagle delay for small writes).
  ///@{
  absl::Status set_nodelay(bool enabled);
  absl::StatusOr<bool> nodelay() const;
  ///@}
  /// SO_KEEPALIVE (the kernel probes an idle connection).
  ///@{
  absl::Status set_keepalive(bool enabled);
  absl::StatusOr<bool> keepalive() const;
  ///@}
  /// SO_LINGER: how long dropping the stream waits for unsent data to go
  /// out (whole seconds; less than a second rounds down). Zero makes the
  /// drop reset the connection (the peer reads a "connection reset"
  /// error); std::nullopt (the default) closes in the background. As tokio
  /// warns, a duration above zero makes the close block the thread that
  /// runs it (a runtime thread) for up to that long.
  ///@{
  absl::Status set_linger(std::optional<std::chrono::nanoseconds> duration);
  absl::StatusOr<std::optional<std::chrono::nanoseconds>> linger() const;
  ///@}
  /// The time-to-live of outgoing packets (IP_TTL, or IPV6_UNICAST_HOPS on
  /// an IPv6 socket).
  ///@{
  absl::Status set_ttl(uint32_t ttl);
  absl::StatusOr<uint32_t> ttl() const;
  ///@}

  /// Splits the stream into a read half and a write half that two tasks
  /// (possibly on two workers) use at once; see OwnedReadHalfOf. The socket is
  /// closed when both halves are gone; reunite() puts them back together.
  /// The stream is left closed (is_open() is false).
  std::pair<OwnedReadHalf, OwnedWriteHalf> into_split() &&;
  /// The stream the two halves of one into_split() came from. Throws
  /// weft::UsageError (and leaves both halves as they were) when they come
  /// from different streams.
  static TcpStream reunite(OwnedReadHalf&& read, OwnedWriteHalf&& write);
  /// The address of the other end, and of this end.
  ///@{
  absl::StatusOr<SocketAddress> peer_addr() const;
  absl::StatusOr<SocketAddress> local_addr() const;
  ///@}
  /// The OS's handle of the socket (platform::SocketHandle: the file
  /// descriptor on Linux and other POSIX systems), e.g. for setsockopt; the
  /// stream still owns it.
  platform::SocketHandle native_handle() const { return socket_.fd(); }
  /// False for a default-constructed or moved-from stream.
  bool is_open() const { return socket_.valid(); }

 private:
  friend class TcpListener;
  // A UnixStream is a TcpStream over an AF_UNIX socket: the I/O is the same
  // for any stream socket.
  friend class UnixStream;
  friend class UnixListener;
  TcpStream(internal::Socket socket, std::string peer)
      : socket_(std::move(socket)), peer_(std::move(peer)) {}
  absl::Status SetOption(platform::SocketOption option, int value,
                         const char* operation);
  absl::StatusOr<int> GetOption(platform::SocketOption option,
                                const char* operation) const;

  internal::Socket socket_;
  std::string peer_;  ///< for error messages
};

/// A listening TCP socket: bind() makes one, accept() yields connections.
class TcpListener {
 public:
  /// A closed listener; bind() makes a real one.
  TcpListener() = default;
  /// Move-only; the socket moves with it and is closed when it is destroyed.
  ///@{
  TcpListener(TcpListener&&) noexcept = default;
  TcpListener& operator=(TcpListener&&) noexcept = default;
  ///@}

  /// Binds and listens (SO_REUSEADDR). Port 0 picks an ephemeral port; the
  /// text form is "1.2.3.4:port" or "[::1]:port".
  ///@{
  static absl::StatusOr<TcpListener> bind(const SocketAddress& address,
                                          int backlog = 1024);
  static absl::StatusOr<TcpListener> bind(std::string_view address,
                                          int backlog = 1024);
  ///@}

  /// Awaitable of absl::StatusOr<std::pair<TcpStream, SocketAddress>>.
  class Accept {
   public:
    /// Same as listener.accept().
    explicit Accept(TcpListener& listener);
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> handle) {
      return awaiter_.await_suspend(handle);
    }
    absl::StatusOr<std::pair<TcpStream, SocketAddress>> await_resume();
    ///@}

   private:
    TcpListener& listener_;
    weft::internal::IoAwaiter awaiter_;
  };
  /// The next connection and its peer's address; see Accept.
  Accept accept() { return Accept(*this); }

  /// The address it listens on (with the port picked, if port 0 was asked).
  SocketAddress local_addr() const { return local_; }
  /// The OS's handle of the socket (platform::SocketHandle: the file
  /// descriptor on Linux and other POSIX systems), e.g. for setsockopt; the
  /// listener still owns it.
  platform::SocketHandle native_handle() const { return socket_.fd(); }

 private:
  TcpListener(internal::Socket socket, SocketAddress local)
      : socket_(std::move(socket)), local_(std::move(local)) {}

  internal::Socket socket_;
  SocketAddress local_;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_TCP_H_
