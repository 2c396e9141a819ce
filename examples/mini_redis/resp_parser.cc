#include "examples/mini_redis/resp_parser.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "examples/mini_redis/integer.h"

namespace mini_redis {
namespace {

// A byte for an error message: itself if printable, else "\xHH", so that
// the message stays one line whatever the client sent.
std::string Printable(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, c);
  return absl::StrFormat("\\x%02x", static_cast<unsigned char>(c));
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool IsSeparator(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

// Splits an inline command into words the way Redis does (sdssplitargs):
// whitespace separates words; "..." understands \n \r \t \b \a \\ \" and
// \xHH; '...' understands \'; a closing quote must end the word. False on
// unbalanced quotes.
bool SplitInline(std::string_view line, std::vector<std::string>& words) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSeparator(line[i])) ++i;
    if (i == n) return true;
    std::string word;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' &&
            IsHexDigit(line[i + 2]) && IsHexDigit(line[i + 3])) {
          word.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 +
                                           HexValue(line[i + 3])));
          i += 4;
        } else if (line[i] == '\\' && i + 1 < n) {
          char escaped = line[i + 1];
          switch (escaped) {
            case 'n':
              escaped = '\n';
              break;
            case 'r':
              escaped = '\r';
              break;
            case 't':
              escaped = '\t';
              break;
            case 'b':
              escaped = '\b';
              break;
            case 'a':
              escaped = '\a';
              break;
            default:
              break;
          }
          word.push_back(escaped);
          i += 2;
        } else if (line[i] == '"') {
          ++i;
          if (i < n && !IsSeparator(line[i])) return false;
          done = true;
        } else {
          word.push_back(line[i++]);
        }
      } else if (in_single) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          word.push_back('\'');
          i += 2;
        } else if (line[i] == '\'') {
          ++i;
          if (i < n && !IsSeparator(line[i])) return false;
          done = true;
        } else {
          word.push_back(line[i++]);
        }
      } else if (i == n || IsSeparator(line[i])) {
        done = true;
      } else if (line[i] == '"') {
        in_double = true;
        ++i;
      } else if (line[i] == '\'') {
        in_single = true;
        ++i;
      } else {
        word.push_back(line[i++]);
      }
    }
    words.push_back(std::move(word));
  }
}

// Bytes that start a RESP2 reply (or a bulk string). A client never starts
// a command with one of them; seeing one there means the client lost track
// of the framing (a miscounted bulk length, say), and running what follows
// as inline commands would execute garbage.
bool IsReplyTypeByte(char c) {
  return c == '$' || c == '+' || c == '-' || c == ':';
}

// The heap block behind an argument: none while it fits in the std::string
// itself (15 bytes in libstdc++), else its capacity, its terminating NUL and
// malloc's chunk header.
size_t HeapBytes(const std::string& argument) {
  static const size_t kInlineCapacity = std::string().capacity();
  constexpr size_t kMallocChunkHeader = 16;
  if (argument.capacity() <= kInlineCapacity) return 0;
  return argument.capacity() + 1 + kMallocChunkHeader;
}

// An argument vector handed back by the caller keeps the capacity of an
// earlier command, which would count against the next one: beyond this
// many slots it is not reused.
constexpr size_t kKeptArgumentSlots = 1024;

}  // namespace

void RespParser::Append(std::string_view bytes) { buffer_.append(bytes); }

RespParser::Status RespParser::Fail(std::string message) {
  error_ = absl::StrCat("Protocol error: ", message);
  return Status::kError;
}

RespParser::Status RespParser::FailQueryBufferLimit() {
  return Fail(absl::StrCat("query buffer limit of ", limits_.query_buffer_limit,
                           " bytes exceeded"));
}

RespParser::Status RespParser::NeedMore() {
  Compact();
  if (request_bytes() > static_cast<uint64_t>(limits_.query_buffer_limit)) {
    return FailQueryBufferLimit();
  }
  return Status::kNeedMore;
}

void RespParser::Compact() {
  if (position_ == 0) return;
  buffer_.erase(0, position_);
  position_ = 0;
  // A buffer that grew for a large value would otherwise keep its capacity
  // for the life of the connection.
  constexpr size_t kKeptCapacity = 1024 * 1024;
  if (buffer_.capacity() > kKeptCapacity &&
      buffer_.size() < kKeptCapacity / 2) {
    buffer_.shrink_to_fit();
  }
}

std::optional<std::string_view> RespParser::TakeHeaderLine() {
  size_t end = buffer_.find("\r\n", position_ + 1);
  if (end == std::string::npos) return std::nullopt;
  std::string_view line(buffer_.data() + position_ + 1, end - position_ - 1);
  position_ = end + 2;
  return line;
}

RespParser::Status RespParser::ParseInline(std::vector<std::string>& args) {
  size_t newline = buffer_.find('\n', position_);
  size_t length =
      (newline == std::string::npos ? buffer_.size() : newline) - position_;
  if (length > limits_.max_inline_length) {
    return Fail("too big inline request");
  }
  if (newline == std::string::npos) {
    return NeedMore();
  }
  std::string_view line(buffer_.data() + position_, length);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  position_ = newline + 1;
  args.clear();
  if (!SplitInline(line, args)) return Fail("unbalanced quotes in request");
  return Status::kCommand;  // may be empty: the caller skips blank lines
}

RespParser::Status RespParser::Next(std::vector<std::string>& args) {
  if (!error_.empty()) return Status::kError;
  while (true) {
    if (remaining_arguments_ == 0) {
      // Between commands.
      if (position_ == buffer_.size()) {
        return NeedMore();
      }
      char type = buffer_[position_];
      if (type != '*') {
        if (IsReplyTypeByte(type)) {
          return Fail(absl::StrCat("expected '*' or an inline command, got '",
                                   Printable(type), "'"));
        }
        Status status = ParseInline(args);
        if (status != Status::kCommand || !args.empty()) return status;
        continue;  // a blank line: ignored, as Redis does
      }
      std::optional<std::string_view> line = TakeHeaderLine();
      if (!line.has_value()) {
        if (buffered() > limits_.max_inline_length) {
          return Fail("too big mbulk count string");
        }
        return NeedMore();
      }
      std::optional<int64_t> count = ParseInteger(*line);
      if (!count.has_value() || *count > limits_.max_arguments) {
        return Fail("invalid multibulk length");
      }
      // "*0" and "*-1" are empty commands; Redis skips them silently.
      if (*count <= 0) continue;
      // Each argument takes a std::string in the vector, whatever its
      // length: a command that cannot fit is refused before it is read.
      if (static_cast<uint64_t>(*count) * sizeof(std::string) >
          static_cast<uint64_t>(limits_.query_buffer_limit)) {
        return FailQueryBufferLimit();
      }
      remaining_arguments_ = *count;
      partial_.reserve(
          static_cast<size_t>(std::min<int64_t>(*count, kKeptArgumentSlots)));
      continue;
    }

    // Inside a multibulk command: the next bulk string's header, then its
    // bytes.
    if (bulk_length_ < 0) {
      if (position_ == buffer_.size()) {
        return NeedMore();
      }
      if (buffer_[position_] != '$') {
        return Fail(absl::StrCat("expected '$', got '",
                                 Printable(buffer_[position_]), "'"));
      }
      std::optional<std::string_view> line = TakeHeaderLine();
      if (!line.has_value()) {
        if (buffered() > limits_.max_inline_length) {
          return Fail("too big bulk count string");
        }
        return NeedMore();
      }
      std::optional<int64_t> length = ParseInteger(*line);
      if (!length.has_value() || *length < 0 ||
          *length > limits_.max_bulk_length) {
        return Fail("invalid bulk length");
      }
      // The value will be held whole, with its CRLF, next to the
      // arguments already parsed.
      if (ArgumentBytes() + static_cast<uint64_t>(*length) + 2 >
          static_cast<uint64_t>(limits_.query_buffer_limit)) {
        return FailQueryBufferLimit();
      }
      bulk_length_ = *length;
    }
    size_t length = static_cast<size_t>(bulk_length_);
    if (buffered() < length + 2) {
      return NeedMore();
    }
    if (buffer_[position_ + length] != '\r' ||
        buffer_[position_ + length + 1] != '\n') {
      return Fail("expected CRLF after a bulk string");
    }
    // Grown by doubling, but never past the announced count, which the
    // limit was checked against.
    if (partial_.size() == partial_.capacity()) {
      partial_.reserve(std::min(
          2 * partial_.capacity(),
          partial_.size() + static_cast<size_t>(remaining_arguments_)));
    }
    partial_.emplace_back(buffer_.data() + position_, length);
    argument_heap_bytes_ += HeapBytes(partial_.back());
    position_ += length + 2;
    bulk_length_ = -1;
    if (--remaining_arguments_ == 0) {
      // Hand over the vector; the caller's old one is reused next time.
      args.swap(partial_);
      partial_.clear();
      if (partial_.capacity() > kKeptArgumentSlots) {
        std::vector<std::string>().swap(partial_);
      }
      argument_heap_bytes_ = 0;
      return Status::kCommand;
    }
    // Many small arguments grow the vector, not the buffer.
    if (ArgumentBytes() > static_cast<uint64_t>(limits_.query_buffer_limit)) {
      return FailQueryBufferLimit();
    }
  }
}

}  // namespace mini_redis
