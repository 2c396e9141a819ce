#include "examples/mini_redis/glob.h"

#include <cstddef>
#include <string_view>
#include <utility>

namespace mini_redis {
namespace {

// Matches the single-byte token at pattern[p] (anything but '*') against
// `c`. Returns the index just past the token, or 0 when it does not match
// (no token ends at index 0).
size_t MatchToken(std::string_view pattern, size_t p, char c) {
  const size_t n = pattern.size();
  switch (pattern[p]) {
    case '?':
      return p + 1;
    case '\\':
      if (p + 1 < n) return pattern[p + 1] == c ? p + 2 : 0;
      return c == '\\' ? p + 1 : 0;  // a trailing backslash is itself
    case '[': {
      size_t i = p + 1;
      bool negate = i < n && pattern[i] == '^';
      if (negate) ++i;
      bool matched = false;
      while (i < n && pattern[i] != ']') {
        if (pattern[i] == '\\' && i + 1 < n) {
          if (pattern[i + 1] == c) matched = true;
          i += 2;
        } else if (i + 2 < n && pattern[i + 1] == '-' &&
                   pattern[i + 2] != ']') {
          unsigned char low = static_cast<unsigned char>(pattern[i]);
          unsigned char high = static_cast<unsigned char>(pattern[i + 2]);
          if (low > high) std::swap(low, high);
          unsigned char byte = static_cast<unsigned char>(c);
          if (byte >= low && byte <= high) matched = true;
          i += 3;
        } else {
          if (pattern[i] == c) matched = true;
          ++i;
        }
      }
      if (negate) matched = !matched;
      if (!matched) return 0;
      return i < n ? i + 1 : n;  // past ']', or the end if unterminated
    }
    default:
      return pattern[p] == c ? p + 1 : 0;
  }
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  // Where to resume after the last '*': the pattern just past it, and the
  // text position it is currently assumed to have swallowed up to.
  size_t star_pattern = std::string_view::npos;
  size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return true;  // a trailing '*' takes the rest
      star_pattern = p;
      star_text = t;
      continue;
    }
    if (p < pattern.size()) {
      size_t next = MatchToken(pattern, p, text[t]);
      if (next != 0) {
        p = next;
        ++t;
        continue;
      }
    }
    if (star_pattern == std::string_view::npos) return false;
    // Let the last '*' swallow one more byte and retry from there.
    p = star_pattern;
    t = ++star_text;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace mini_redis
