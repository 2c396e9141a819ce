// RespParser: an incremental parser of the commands a Redis client sends,
// in either form Redis accepts:
//
//   * RESP2 multibulk: "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"
//   * inline: "ECHO hi\r\n" (words split like redis-cli's input, with "..."
//     and '...' quoting), as typed into telnet/nc.
//
// Bytes are appended as they arrive, in pieces of any size; Next() returns
// each complete command in order and keeps the state of a partial one, so
// that a large pipeline or a large value that arrives in many reads is
// scanned once (never re-parsed from its start).
//
// Malformed input (a bad length, a reply-type byte where a command or a bulk
// string must start, a bulk string over the 512 MB limit, an inline line
// over 64 KB, unbalanced quotes) is a protocol error: Next() returns kError
// and the parser stays in that state, because after a framing error the
// position of the next command is unknown. The connection is then closed,
// as Redis does. Lengths are validated before any memory is reserved for
// them: a client that announces a 512 MB value costs only the bytes it
// really sends.
//
// So is a command that needs more memory than the query buffer limit
// (Redis's client-query-buffer-limit). The memory counted is what the
// parser holds for the command being received: its bytes not yet parsed and
// the arguments parsed so far, each with its std::string and heap block, so
// that a million empty arguments (6 bytes each on the wire, 32 here) count
// for what they cost. A command is refused as soon as its announced sizes
// show it cannot fit, else when what it holds passes the limit.

#ifndef WEFT_EXAMPLES_MINI_REDIS_RESP_PARSER_H_
#define WEFT_EXAMPLES_MINI_REDIS_RESP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mini_redis {

class RespParser {
 public:
  struct Limits {
    // Redis's proto-max-bulk-len.
    int64_t max_bulk_length = int64_t{512} * 1024 * 1024;
    // Redis's limit on the number of arguments of one command.
    int64_t max_arguments = 1024 * 1024;
    // Redis's PROTO_INLINE_MAX_SIZE: the longest inline command, and the
    // longest "*<count>" or "$<length>" line that is still unterminated.
    size_t max_inline_length = 64 * 1024;
    // Redis's client-query-buffer-limit: the most memory (see
    // request_bytes()) that the command being received may hold.
    int64_t query_buffer_limit = int64_t{1024} * 1024 * 1024;
  };

  enum class Status {
    kCommand,   // a complete command was stored into the argument vector
    kNeedMore,  // every complete command was returned; append more bytes
    kError,     // protocol error: see error(); the connection must close
  };

  RespParser() = default;
  explicit RespParser(Limits limits) : limits_(limits) {}

  // Adds bytes received from the client.
  void Append(std::string_view bytes);

  // Parses the next command. On kCommand, `args` holds its arguments (the
  // command name first; never empty); its previous contents are discarded.
  Status Next(std::vector<std::string>& args);

  // On kError: the message, "Protocol error: ..." (without "ERR ").
  const std::string& error() const { return error_; }

  // Bytes appended but not yet returned as part of a command.
  size_t buffered() const { return buffer_.size() - position_; }

  // The memory held for the command being received: bytes appended and not
  // yet parsed, the argument vector's slots, and the heap blocks of the
  // arguments parsed so far. (The buffer's spare capacity is left out:
  // Compact() keeps it under 1 MB or about what is held.) After Next()
  // returns kNeedMore, at most limits().query_buffer_limit.
  size_t request_bytes() const { return buffered() + ArgumentBytes(); }

  const Limits& limits() const { return limits_; }

  // True while a command has begun and not been returned yet (after
  // Next() returns kNeedMore): input that ends here is cut short.
  bool in_command() const { return remaining_arguments_ > 0 || buffered() > 0; }

  // Bytes still missing from the bulk string being received (with its
  // CRLF), 0 when not inside one: lets the reader ask for a large value in
  // large reads, as Redis does.
  size_t missing_bulk_bytes() const {
    if (bulk_length_ < 0) return 0;
    size_t total = static_cast<size_t>(bulk_length_) + 2;
    return total > buffered() ? total - buffered() : 0;
  }

 private:
  Status Fail(std::string message);
  Status FailQueryBufferLimit();
  // Compacts and returns kNeedMore, or fails when what is held for the
  // partial command passes the query buffer limit.
  Status NeedMore();
  // The memory held by the arguments of the partial command.
  size_t ArgumentBytes() const {
    return partial_.capacity() * sizeof(std::string) + argument_heap_bytes_;
  }
  // The next line of the multibulk framing (after its type byte, without
  // its CRLF) once it is complete; advances past it.
  std::optional<std::string_view> TakeHeaderLine();
  Status ParseInline(std::vector<std::string>& args);
  // Drops consumed bytes, so the buffer holds only a partial command, and
  // returns the memory of a large value once it has been consumed.
  void Compact();

  Limits limits_;
  std::string buffer_;
  size_t position_ = 0;  // first byte not yet consumed
  // Multibulk state: arguments still expected (0 between commands), the
  // length of the bulk string being waited for (-1: its header is next),
  // and the arguments read so far.
  int64_t remaining_arguments_ = 0;
  int64_t bulk_length_ = -1;
  std::vector<std::string> partial_;
  // The heap blocks of partial_'s strings (those too long to be stored in
  // the std::string itself).
  size_t argument_heap_bytes_ = 0;
  std::string error_;
};

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_RESP_PARSER_H_
