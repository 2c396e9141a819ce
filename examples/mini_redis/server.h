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
//
// Memory per connection is bounded by the parser's limits (ServerOptions::
// limits): a command that holds more than the query buffer limit is a
// protocol error like the others ("-ERR Protocol error: query buffer limit
// of N bytes exceeded", then the connection is closed). What is held beyond
// it: one read (16 KB, or up to 1 MB while a large value arrives), the
// replies of one batch (flushed at 1 MB) and the arguments of the command
// running.
//
// Commands that need the connection rather than the Store run here: PUBLISH
// (through the server's PubSub hub), SAVE (dump.h, to
// ServerOptions::dump_path), RESET, and SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE
// and PUNSUBSCRIBE. The first of those four splits the connection: its
// socket's write half moves to a writer task fed by a queue, which the
// reader's replies and the subscriptions' messages share (see
// subscriber.h), and the connection stays that way until it ends. While it
// has a subscription, only those four, PING (answered ["pong", msg] as
// Redis does in that mode), QUIT and RESET are allowed, as in Redis.
//
// A failed accept (EMFILE under a low `ulimit -n`, say) is retried after a
// wait that doubles with each consecutive failure, and logged at most once
// a second (see AcceptBackoff).

#ifndef WEFT_EXAMPLES_MINI_REDIS_SERVER_H_
#define WEFT_EXAMPLES_MINI_REDIS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "examples/mini_redis/accept_backoff.h"
#include "examples/mini_redis/pubsub.h"
#include "examples/mini_redis/resp_parser.h"
#include "examples/mini_redis/store.h"
#include "runtime/weft.h"

namespace mini_redis {

struct ServerOptions {
  // Per connection: the query buffer limit, the longest value, the most
  // arguments and the longest inline command (Redis's defaults).
  RespParser::Limits limits;
  // The waits after failed accepts and how often they are logged.
  AcceptBackoff::Options accept_backoff;
  // Receives the server's log lines (without newline). Empty: they go to
  // stderr as "mini_redis: <line>". Called from the accept loop's task.
  std::function<void(std::string_view)> log;
  // Where SAVE writes the dump (main.cc: <--dir>/mini_redis.dump).
  std::string dump_path = "mini_redis.dump";
};

// What every connection of one server shares.
struct ConnectionShared {
  std::shared_ptr<Store> store;
  std::shared_ptr<PubSub> pubsub;
  std::string dump_path;
  RespParser::Limits limits;
};

class Server {
 public:
  // Binds `address` ("127.0.0.1:6379", "[::1]:0"; port 0 picks a free one).
  // InvalidArgument for options that make no sense (a limit of 0 or less, a
  // zero or shrinking backoff).
  static absl::StatusOr<Server> Bind(std::string_view address,
                                     std::shared_ptr<Store> store,
                                     ServerOptions options = {});

  // The address actually bound (with the real port when 0 was asked for).
  weft::net::SocketAddress local_addr() const { return listener_.local_addr(); }

  // Accepts connections until the task is cancelled, serving each in its
  // own task. Must run inside a weft runtime.
  weft::Task<void> Run();

  // The hub of PUBLISH and SUBSCRIBE, e.g. for how many channels and
  // patterns have subscribers.
  PubSub& pubsub() const { return *shared_->pubsub; }

 private:
  Server(weft::net::TcpListener listener,
         std::shared_ptr<const ConnectionShared> shared, ServerOptions options)
      : listener_(std::move(listener)),
        shared_(std::move(shared)),
        options_(std::move(options)) {}

  void Log(std::string_view line) const;

  weft::net::TcpListener listener_;
  std::shared_ptr<const ConnectionShared> shared_;
  ServerOptions options_;
};

// Serves one client until it disconnects, sends QUIT, sends malformed input
// (a command over `shared->limits` included) or an I/O error occurs.
weft::Task<void> ServeConnection(
    weft::net::TcpStream stream,
    std::shared_ptr<const ConnectionShared> shared);

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_SERVER_H_
