#include "examples/mini_redis/resp_writer.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mini_redis::resp {
namespace {

// Appends `prefix`, the decimal `value` and CRLF, without a temporary string.
template <typename Int>
void AppendNumberLine(std::string& out, char prefix, Int value) {
  char digits[24];
  std::to_chars_result end =
      std::to_chars(digits, digits + sizeof(digits), value);
  out.push_back(prefix);
  out.append(digits, end.ptr);
  out.append("\r\n");
}

}  // namespace

void AppendSimpleString(std::string& out, std::string_view text) {
  out.push_back('+');
  out.append(text);
  out.append("\r\n");
}

void AppendError(std::string& out, std::string_view message) {
  out.push_back('-');
  size_t start = out.size();
  out.append(message);
  for (size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n");
}

void AppendInteger(std::string& out, int64_t value) {
  AppendNumberLine(out, ':', value);
}

void AppendBulkString(std::string& out, std::string_view value) {
  AppendNumberLine(out, '$', value.size());
  out.append(value);
  out.append("\r\n");
}

void AppendNullBulkString(std::string& out) { out.append("$-1\r\n"); }

void AppendNullArray(std::string& out) { out.append("*-1\r\n"); }

void AppendArrayHeader(std::string& out, size_t count) {
  AppendNumberLine(out, '*', count);
}

}  // namespace mini_redis::resp
