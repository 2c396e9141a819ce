// The network side of mini_redis: an accept loop that spawns one task per
// connection, and the connection task that reads commands, runs them
// against the shared Store and writes the replies.
//
// Pipelining: after each read, every complete command in the buffer is run
// in order and the replies are gathered in one buffer that leaves with one
// write_all, so a client that pipelines 16 commands costs one read and one
// write, not 16 of each. (When a batch's replies pass 1 MB, they are flushed
// early so that a pipeline of large GETs cannot grow the buffer without
// bound, and replies over 256 KB are written in 256 KB slices, see
// WriteSliced in server.cc; order is unchanged.)
//
// A protocol error is answered with "-ERR Protocol error: ...", after the
// replies to the commands before it, and ends that connection only. Before
// closing (after a protocol error or QUIT), the server half-closes and
// discards what the client still sends (for at most a second and 1 MB):
// closing a socket with unread input makes the kernel send a reset, which
// could destroy the last reply before the client reads it.

#ifndef WEFT_EXAMPLES_MINI_REDIS_SERVER_H_
#define WEFT_EXAMPLES_MINI_REDIS_SERVER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "examples/mini_redis/store.h"
#include "runtime/weft.h"

namespace mini_redis {

class Server {
 public:
  // Binds `address` ("127.0.0.1:6379", "[::1]:0"; port 0 picks a free one).
  static absl::StatusOr<Server> Bind(std::string_view address,
                                     std::shared_ptr<Store> store);

  // The address actually bound (with the real port when 0 was asked for).
  weft::net::SocketAddress local_addr() const { return listener_.local_addr(); }

  // Accepts connections until the task is cancelled, serving each in its
  // own task. Must run inside a weft runtime.
  weft::Task<void> Run();

 private:
  Server(weft::net::TcpListener listener, std::shared_ptr<Store> store)
      : listener_(std::move(listener)), store_(std::move(store)) {}

  weft::net::TcpListener listener_;
  std::shared_ptr<Store> store_;
};

// Serves one client until it disconnects, sends QUIT, sends malformed input
// or an I/O error occurs. The Store is shared: it outlives the task.
weft::Task<void> ServeConnection(weft::net::TcpStream stream,
                                 std::shared_ptr<Store> store);

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_SERVER_H_
