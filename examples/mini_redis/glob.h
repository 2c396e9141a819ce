// Glob matching for KEYS and CONFIG GET, with Redis's pattern language:
//
//   *       any sequence of bytes, including none
//   ?       exactly one byte
//   [abc]   one of the listed bytes; [^abc] one byte not listed; [a-z] a
//           range (either order); an unterminated class runs to the end
//   \x      the byte x itself (also inside a class)
//
// Redis matches recursively, which takes exponential time on patterns like
// "a*a*a*a*b"; this matcher backtracks only to the last '*' (every other
// token matches exactly one byte, so that is enough), which bounds it by
// O(pattern length x text length) whatever the client sends.

#ifndef WEFT_EXAMPLES_MINI_REDIS_GLOB_H_
#define WEFT_EXAMPLES_MINI_REDIS_GLOB_H_

#include <string_view>

namespace mini_redis {

bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_GLOB_H_
