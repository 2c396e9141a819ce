// Encoding of RESP2 replies, appended to a std::string so that the replies
// to a whole pipeline accumulate in one buffer and leave in one write.

#ifndef WEFT_EXAMPLES_MINI_REDIS_RESP_WRITER_H_
#define WEFT_EXAMPLES_MINI_REDIS_RESP_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mini_redis::resp {

// "+text\r\n". `text` must not contain CR or LF (it is a fixed word).
void AppendSimpleString(std::string& out, std::string_view text);
// "-message\r\n". CR and LF in `message` become spaces, because a message
// may quote client input (an unknown command's name) and a line break would
// desynchronise the client's parser.
void AppendError(std::string& out, std::string_view message);
// ":value\r\n".
void AppendInteger(std::string& out, int64_t value);
// "$length\r\nvalue\r\n".
void AppendBulkString(std::string& out, std::string_view value);
// "$-1\r\n", RESP2's nil.
void AppendNullBulkString(std::string& out);
// "*-1\r\n", RESP2's nil array (LPOP with a count on a missing key).
void AppendNullArray(std::string& out);
// "*count\r\n"; the `count` elements follow.
void AppendArrayHeader(std::string& out, size_t count);

}  // namespace mini_redis::resp

#endif  // WEFT_EXAMPLES_MINI_REDIS_RESP_WRITER_H_
