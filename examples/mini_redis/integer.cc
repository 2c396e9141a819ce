#include "examples/mini_redis/integer.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace mini_redis {

std::optional<int64_t> ParseInteger(std::string_view text) {
  // 20 characters hold "-9223372036854775808"; anything longer overflows
  // (leading zeros are rejected below, so no long spelling is valid).
  if (text.empty() || text.size() > 20) return std::nullopt;
  if (text == "0") return 0;
  bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.front() < '1' || text.front() > '9') {
    return std::nullopt;
  }
  constexpr uint64_t kMaxMagnitude =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
  uint64_t magnitude = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (kMaxMagnitude - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (negative) {
    // -(2^63) is representable; negate in unsigned arithmetic to reach it.
    return static_cast<int64_t>(~magnitude + 1);
  }
  if (magnitude == kMaxMagnitude) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

}  // namespace mini_redis
