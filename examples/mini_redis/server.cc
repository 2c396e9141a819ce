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
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/accept_backoff.h"
#include "examples/mini_redis/commands.h"
#include "examples/mini_redis/resp_parser.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"
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
weft::Task<absl::Status> WriteSliced(weft::net::TcpStream& stream,
                                     std::string_view data) {
  while (!data.empty()) {
    std::string_view slice = data.substr(0, kWriteSlice);
    absl::Status status = co_await stream.write_all(slice);
    if (!status.ok()) co_return status;
    data.remove_prefix(slice.size());
  }
  co_return absl::OkStatus();
}

// Reads and discards until EOF, an error, or `limit` bytes.
weft::Task<void> Discard(weft::net::TcpStream& stream, size_t limit) {
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
  return Server(*std::move(listener), std::move(store), std::move(options));
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
    weft::spawn(
        ServeConnection(std::move(accepted->first), store_, options_.limits));
  }
}

weft::Task<void> ServeConnection(weft::net::TcpStream stream,
                                 std::shared_ptr<Store> store,
                                 RespParser::Limits limits) {
  RespParser parser(limits);
  std::vector<char> input(kReadSize);
  std::vector<std::string> args;
  std::string replies;
  while (true) {
    // Large reads only while a large value is arriving.
    size_t read_size =
        std::clamp(parser.missing_bulk_bytes(), kReadSize, kLargeReadSize);
    if (read_size > input.size() ||
        (read_size == kReadSize && input.size() > kReadSize)) {
      input = std::vector<char>(read_size);
    }
    absl::StatusOr<size_t> got = co_await stream.read(input.data(), read_size);
    if (!got.ok() || *got == 0) co_return;  // error, or the client left
    parser.Append(std::string_view(input.data(), *got));

    replies.clear();
    bool close = false;
    while (!close) {
      RespParser::Status status = parser.Next(args);
      if (status == RespParser::Status::kNeedMore) break;
      if (status == RespParser::Status::kError) {
        resp::AppendError(replies, absl::StrCat("ERR ", parser.error()));
        close = true;
        break;
      }
      if (ExecuteCommand(*store, args, replies) == AfterReply::kClose) {
        close = true;
      }
      // A large vector would otherwise stay with the connection until its
      // next multibulk command (the parser swaps it in, then drops it).
      if (args.capacity() > kKeptArgumentSlots) {
        std::vector<std::string>().swap(args);
      }
      if (replies.size() >= kFlushThreshold) {
        if (!(co_await WriteSliced(stream, replies)).ok()) co_return;
        replies.clear();
      }
    }
    if (!replies.empty() && !(co_await WriteSliced(stream, replies)).ok()) {
      co_return;
    }
    if (replies.capacity() > kKeptReplyCapacity) std::string().swap(replies);
    if (close) {
      // The client may have sent more after QUIT or the bad frame: drain it
      // so that closing does not reset the connection under the reply.
      (void)stream.shutdown_write();
      co_await weft::timeout(kDrainTime, Discard(stream, kDrainLimit));
      co_return;
    }
  }
}

}  // namespace mini_redis
