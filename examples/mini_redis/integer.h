// Redis's notion of an integer argument or value: a decimal int64 with an
// optional '-', no '+', no spaces and no leading zeros ("0" itself is fine).
//
// Redis (string2ll) is this strict so that a value that INCR accepts prints
// back exactly as it was stored; mini_redis follows it so that clients see
// the same "value is not an integer or out of range" errors for the same
// inputs. The RESP parser uses the same rule for its length headers.

#ifndef WEFT_EXAMPLES_MINI_REDIS_INTEGER_H_
#define WEFT_EXAMPLES_MINI_REDIS_INTEGER_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace mini_redis {

// The value of `text`, or nullopt when it is not a canonical int64.
std::optional<int64_t> ParseInteger(std::string_view text);

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_INTEGER_H_
