#include "examples/mini_redis/server.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/accept_backoff.h"
#include "examples/mini_redis/commands.h"
#include "examples/mini_redis/dump.h"
#include "examples/mini_redis/pubsub.h"
#include "examples/mini_redis/resp_parser.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"
#include "examples/mini_redis/subscriber.h"
#include "runtime/weft.h"

namespace mini_redis {
namespace {

// One read's worth, as Redis's: a pipeline of 16 small commands (even
// redis-benchmark's MSETs of 10 keys) fits. Each pending read also holds a
// bounce buffer of this size in the runtime, so idle connections cost
// about twice this.
constexpr size_t kReadSize = 16 * 1024;
// The largest read, used while a large value is arriving.
constexpr size_t kLargeReadSize = 1024 * 1024;
// Reply buffers that grew beyond this are freed after use.
constexpr size_t kKeptReplyCapacity = 1024 * 1024;
// Argument vectors that grew beyond this many slots are freed after use.
constexpr size_t kKeptArgumentSlots = 1024;
// Replies beyond this are written before the rest of the batch is run.
constexpr size_t kFlushThreshold = 1024 * 1024;
// The largest single write (see WriteSliced).
constexpr size_t kWriteSlice = 256 * 1024;
// Before closing (QUIT, protocol error): how long and how much to drain.
constexpr auto kDrainTime = std::chrono::seconds(1);
constexpr size_t kDrainLimit = 1024 * 1024;

// Writes `data` in slices of at most kWriteSlice bytes.
//
// TcpStream::write_all copies everything that is left into a fresh bounce
// buffer on every partial write, so one write_all of n bytes that the
// socket accepts a few hundred KB at a time copies O(n^2 / socket buffer)
// bytes: a 256 MB GET reply took 9 s that way. Slicing bounds each copy.
template <typename Stream>  // TcpStream or OwnedWriteHalf
weft::Task<absl::Status> WriteSliced(Stream& stream, std::string_view data) {
  while (!data.empty()) {
    std::string_view slice = data.substr(0, kWriteSlice);
    absl::Status status = co_await stream.write_all(slice);
    if (!status.ok()) co_return status;
    data.remove_prefix(slice.size());
  }
  co_return absl::OkStatus();
}

// Reads and discards until EOF, an error, or `limit` bytes.
template <typename Stream>  // TcpStream or OwnedReadHalf
weft::Task<void> Discard(Stream& stream, size_t limit) {
  std::vector<char> sink(16 * 1024);
  size_t total = 0;
  while (total < limit) {
    absl::StatusOr<size_t> got = co_await stream.read(sink.data(), sink.size());
    if (!got.ok() || *got == 0) co_return;
    total += *got;
  }
}

absl::Status ValidateOptions(const ServerOptions& options) {
  const RespParser::Limits& limits = options.limits;
  if (limits.query_buffer_limit <= 0 || limits.max_bulk_length < 0 ||
      limits.max_arguments < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "negative or zero request limits (query buffer limit ",
        limits.query_buffer_limit, ", bulk length ", limits.max_bulk_length,
        ", arguments ", limits.max_arguments, ")"));
  }
  const AcceptBackoff::Options& backoff = options.accept_backoff;
  // A zero wait would retry a failing accept at once, forever.
  if (backoff.initial <= AcceptBackoff::Clock::duration::zero() ||
      backoff.max < backoff.initial ||
      backoff.log_interval < AcceptBackoff::Clock::duration::zero()) {
    return absl::InvalidArgumentError(
        "the accept backoff needs 0 < initial <= max and a "
        "log interval of at least 0");
  }
  return absl::OkStatus();
}

// Writes what the connection's reader and its subscriptions queue, in
// order, several frames per write when they queue up; half-closes the
// socket once every sender is gone (the connection's end).
weft::Task<void> WriteQueued(weft::net::OwnedWriteHalf stream,
                             weft::mpsc::Receiver<std::string> queue) {
  std::vector<std::string> frames;
  std::string batch;
  while (true) {
    frames.clear();
    size_t got = co_await queue.recv_many(frames, 64);
    if (got == 0) break;
    batch.clear();
    for (const std::string& frame : frames) batch += frame;
    // An error: the client is gone; the senders see the queue closed.
    if (!(co_await WriteSliced(stream, batch)).ok()) co_return;
    if (batch.capacity() > kKeptReplyCapacity) std::string().swap(batch);
  }
  (void)stream.shutdown_write();
}

bool IsSubscribeCommand(std::string_view name) {
  return name == "subscribe" || name == "psubscribe" || name == "unsubscribe" ||
         name == "punsubscribe";
}

// One client's connection: reads commands, runs them, and sends the
// replies, first on the whole socket, then (after the first SUBSCRIBE and
// the like) through a writer task on its write half.
class Connection {
 public:
  Connection(weft::net::TcpStream stream,
             std::shared_ptr<const ConnectionShared> shared)
      : stream_(std::move(stream)),
        shared_(std::move(shared)),
        parser_(shared_->limits) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    // Aborted: end the subscriptions first (they feed the writer).
    subscriber_.reset();
    if (split_) writer_.abort();
  }

  weft::Task<void> Serve() {
    std::vector<char> input(kReadSize);
    std::vector<std::string> args;
    std::string replies;
    bool drain = false;
    while (true) {
      // Large reads only while a large value is arriving.
      size_t read_size =
          std::clamp(parser_.missing_bulk_bytes(), kReadSize, kLargeReadSize);
      if (read_size > input.size() ||
          (read_size == kReadSize && input.size() > kReadSize)) {
        input = std::vector<char>(read_size);
      }
      // Awaited here rather than in a helper coroutine, which would cost a
      // frame allocation per read. (No co_await inside ?: for g++ 12.)
      absl::StatusOr<size_t> got = 0;
      if (split_) {
        got = co_await reader_->read(input.data(), read_size);
      } else {
        got = co_await stream_->read(input.data(), read_size);
      }
      if (!got.ok() || *got == 0) break;  // error, or the client left
      parser_.Append(std::string_view(input.data(), *got));

      replies.clear();
      bool close = false;
      bool gone = false;
      while (!close) {
        RespParser::Status status = parser_.Next(args);
        if (status == RespParser::Status::kNeedMore) break;
        if (status == RespParser::Status::kError) {
          resp::AppendError(replies, absl::StrCat("ERR ", parser_.error()));
          close = true;
          break;
        }
        // The common case runs without a coroutine frame of its own.
        AfterReply after = subscriber_ != nullptr && subscriber_->count() > 0
                               ? AfterReply::kConnection
                               : ExecuteCommand(*shared_->store, args, replies);
        if (after == AfterReply::kConnection) {
          after = co_await ExecuteForConnection(args, replies);
        }
        if (after == AfterReply::kClose) close = true;
        // A large vector would otherwise stay with the connection until
        // its next multibulk command (the parser swaps it in, then drops
        // it).
        if (args.capacity() > kKeptArgumentSlots) {
          std::vector<std::string>().swap(args);
        }
        if (replies.size() >= kFlushThreshold) {
          if (!co_await Send(replies)) {
            gone = true;
            break;
          }
        }
      }
      if (gone || (!replies.empty() && !co_await Send(replies))) break;
      if (replies.capacity() > kKeptReplyCapacity) std::string().swap(replies);
      if (close) {
        drain = true;
        break;
      }
    }
    co_await Finish(drain);
  }

 private:
  // Sends `replies` (written, or queued to the writer) and clears it. False
  // when the client is gone. Writes as WriteSliced does, inline, so that a
  // batch costs one coroutine frame.
  weft::Task<bool> Send(std::string& replies) {
    bool sent = true;
    if (split_) {
      auto sending = out_->send(std::move(replies));
      sent = (co_await sending).has_value();
    } else {
      std::string_view data = replies;
      while (sent && !data.empty()) {
        std::string_view slice = data.substr(0, kWriteSlice);
        sent = (co_await stream_->write_all(slice)).ok();
        data.remove_prefix(slice.size());
      }
    }
    replies.clear();
    co_return sent;
  }

  // Runs a command in subscribe mode, or one that ExecuteCommand left to
  // the connection, appending its reply to `replies` (or, for a new
  // subscription, sending them: see Subscriber::Execute).
  weft::Task<AfterReply> ExecuteForConnection(std::vector<std::string>& args,
                                              std::string& replies) {
    std::string name =
        args[0].size() <= 16 ? absl::AsciiStrToLower(args[0]) : std::string();
    if (subscriber_ != nullptr && subscriber_->count() > 0 &&
        !IsSubscribeCommand(name) && name != "quit" && name != "reset" &&
        IsValidCommand(args) && !(name == "ping" && args.size() > 2)) {
      if (name == "ping") {
        // Redis's RESP2 reply to PING in subscribe mode.
        resp::AppendArrayHeader(replies, 2);
        resp::AppendBulkString(replies, "pong");
        resp::AppendBulkString(replies, args.size() > 1 ? args[1] : "");
      } else {
        resp::AppendError(
            replies,
            absl::StrCat("ERR Can't execute '", name,
                         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                         "QUIT / RESET are allowed in this context"));
      }
      co_return AfterReply::kKeepOpen;
    }
    // Outside subscribe mode ExecuteCommand has already validated it.
    if (subscriber_ != nullptr && subscriber_->count() > 0) {
      AfterReply after = ExecuteCommand(*shared_->store, args, replies);
      if (after != AfterReply::kConnection) co_return after;
    }
    if (name == "publish") {
      resp::AppendInteger(replies, shared_->pubsub->Publish(args[1], args[2]));
    } else if (name == "save") {
      absl::Status saved =
          co_await SaveDump(*shared_->store, shared_->dump_path);
      if (saved.ok()) {
        resp::AppendSimpleString(replies, "OK");
      } else {
        resp::AppendError(replies,
                          absl::StrCat("ERR SAVE to ", shared_->dump_path,
                                       " failed: ", saved.message()));
      }
    } else if (name == "reset") {
      if (subscriber_ != nullptr) co_await subscriber_->UnsubscribeAll();
      resp::AppendSimpleString(replies, "RESET");
    } else if (IsSubscribeCommand(name)) {
      if (!split_) Split();
      if (!co_await subscriber_->Execute(name, args, replies)) {
        co_return AfterReply::kClose;
      }
    }
    co_return AfterReply::kKeepOpen;
  }

  // Moves the write half to a writer task fed by a queue (see server.h).
  void Split() {
    auto [reader, writer] = std::move(*stream_).into_split();
    stream_.reset();
    reader_.emplace(std::move(reader));
    auto [sender, receiver] =
        weft::mpsc::channel<std::string>(Subscriber::kQueuedFrames);
    writer_ = weft::spawn(WriteQueued(std::move(writer), std::move(receiver)));
    subscriber_ = std::make_unique<Subscriber>(shared_->pubsub, sender);
    out_.emplace(std::move(sender));
    split_ = true;
  }

  // Ends the subscriptions, lets the writer send what is queued, and, after
  // QUIT or a protocol error, drains what the client still sends.
  weft::Task<void> Finish(bool drain) {
    if (subscriber_ != nullptr) {
      co_await subscriber_->UnsubscribeAll();
      subscriber_.reset();
    }
    if (split_) {
      out_.reset();
      (void)co_await writer_;  // it half-closes the socket once done
      split_ = false;
      if (drain) {
        co_await weft::timeout(kDrainTime, Discard(*reader_, kDrainLimit));
      }
      co_return;
    }
    if (drain) {
      // The client may have sent more after QUIT or the bad frame: drain
      // it so that closing does not reset the connection under the reply.
      (void)stream_->shutdown_write();
      co_await weft::timeout(kDrainTime, Discard(*stream_, kDrainLimit));
    }
  }

  std::optional<weft::net::TcpStream> stream_;  // until Split
  std::shared_ptr<const ConnectionShared> shared_;
  RespParser parser_;
  bool split_ = false;
  std::optional<weft::net::OwnedReadHalf> reader_;
  weft::JoinHandle<void> writer_;
  std::optional<weft::mpsc::Sender<std::string>> out_;
  std::unique_ptr<Subscriber> subscriber_;
};

}  // namespace

absl::StatusOr<Server> Server::Bind(std::string_view address,
                                    std::shared_ptr<Store> store,
                                    ServerOptions options) {
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) {
    return valid;
  }
  absl::StatusOr<weft::net::TcpListener> listener =
      weft::net::TcpListener::bind(address);
  if (!listener.ok()) return listener.status();
  auto shared = std::make_shared<ConnectionShared>(
      ConnectionShared{std::move(store), std::make_shared<PubSub>(),
                       options.dump_path, options.limits});
  return Server(*std::move(listener), std::move(shared), std::move(options));
}

void Server::Log(std::string_view line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "mini_redis: %.*s\n", static_cast<int>(line.size()),
                 line.data());
  }
}

weft::Task<void> Server::Run() {
  AcceptBackoff backoff(options_.accept_backoff);
  while (true) {
    auto accepted = co_await listener_.accept();
    if (!accepted.ok()) {
      // EMFILE and the like: the pending connection stays pending, so an
      // immediate retry fails the same way. Connections that already exist
      // keep being served meanwhile.
      AcceptBackoff::Decision decision =
          backoff.OnFailure(accepted.status(), weft::time::now());
      if (decision.log_line.has_value()) Log(*decision.log_line);
      co_await weft::sleep(decision.wait);
      continue;
    }
    if (std::optional<std::string> line = backoff.OnSuccess(weft::time::now());
        line.has_value()) {
      Log(*line);
    }
    // Replies are written whole, so Nagle's algorithm would only delay them.
    (void)accepted->first.set_nodelay(true);
    weft::spawn(ServeConnection(std::move(accepted->first), shared_));
  }
}

weft::Task<void> ServeConnection(
    weft::net::TcpStream stream,
    std::shared_ptr<const ConnectionShared> shared) {
  Connection connection(std::move(stream), std::move(shared));
  co_await connection.Serve();
}

}  // namespace mini_redis
