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

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/internal/driver/io_request.h"
#include "runtime/net/socket.h"
#include "runtime/net/socket_address.h"
#include "runtime/task.h"

namespace weft::net {

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
  /// `address` is "1.2.3.4:port" or "[::1]:port".
  static Task<absl::StatusOr<TcpStream>> connect(std::string address);
  ///@}

  /// Awaitable of absl::StatusOr<size_t>: one read of at most `length`
  /// bytes; 0 means the peer closed its side (EOF).
  class Read {
   public:
    /// Same as stream.read(buffer, length).
    Read(TcpStream& stream, void* buffer, size_t length);
    /// The awaitable protocol: `co_await` calls these.
    ///@{
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> handle) {
      awaiter_.await_suspend(handle);
    }
    absl::StatusOr<size_t> await_resume();
    ///@}

   private:
    TcpStream& stream_;
    void* buffer_;
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
    void await_suspend(std::coroutine_handle<> handle) {
      awaiter_.await_suspend(handle);
    }
    absl::StatusOr<size_t> await_resume();
    ///@}

   private:
    TcpStream& stream_;
    weft::internal::IoAwaiter awaiter_;
  };

  /// One read of at most `length` bytes into `buffer`; see Read.
  Read read(void* buffer, size_t length) { return Read(*this, buffer, length); }
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
  /// Sets TCP_NODELAY (no Nagle delay for small writes).
  absl::Status set_nodelay(bool enabled);
  /// The address of the other end, and of this end.
  ///@{
  absl::StatusOr<SocketAddress> peer_addr() const;
  absl::StatusOr<SocketAddress> local_addr() const;
  ///@}
  /// The file descriptor, e.g. for setsockopt; the stream still owns it.
  int native_handle() const { return socket_.fd(); }
  /// False for a default-constructed or moved-from stream.
  bool is_open() const { return socket_.valid(); }

 private:
  friend class TcpListener;
  TcpStream(internal::Socket socket, std::string peer)
      : socket_(std::move(socket)), peer_(std::move(peer)) {}

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
    void await_suspend(std::coroutine_handle<> handle) {
      awaiter_.await_suspend(handle);
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
  /// The file descriptor; the listener still owns it.
  int native_handle() const { return socket_.fd(); }

 private:
  TcpListener(internal::Socket socket, SocketAddress local)
      : socket_(std::move(socket)), local_(std::move(local)) {}

  internal::Socket socket_;
  SocketAddress local_;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_TCP_H_
