// What every command handler works with: the Call (store, arguments, reply
// buffer), the command table's entry type, and the replies and helpers that
// the handlers of each data type's file share. Internal to the commands
// library; clients use commands.h.

#ifndef WEFT_EXAMPLES_MINI_REDIS_COMMAND_CALL_H_
#define WEFT_EXAMPLES_MINI_REDIS_COMMAND_CALL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/commands.h"
#include "examples/mini_redis/integer.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"

namespace mini_redis {

constexpr std::string_view kNotAnInteger =
    "ERR value is not an integer or out of range";
constexpr std::string_view kSyntaxError = "ERR syntax error";

// ASCII case-insensitive comparison (Debian's Abseil takes absl::string_view,
// which is not std::string_view there, so absl::EqualsIgnoreCase does not
// accept the views this file passes around).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) !=
        absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// What a handler sees: the store, the arguments (args[0] is the name as the
// client spelled it), and the reply buffer.
struct Call {
  Store& store;
  std::span<const std::string> args;
  std::string& reply;
  const std::string& name;  // lower case, as in the command table
  AfterReply after = AfterReply::kKeepOpen;
};

using Handler = void (*)(Call&);

struct CommandSpec {
  // Redis's convention: n > 0 means exactly n arguments (name included),
  // n < 0 means at least -n.
  int arity;
  Handler handler;
};

inline void ReplyArityError(Call& call) {
  resp::AppendError(
      call.reply, absl::StrCat("ERR wrong number of arguments for '", call.name,
                               "' command"));
}

constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr std::string_view kMustBePositive =
    "ERR value is out of range, must be positive";

inline void ReplyWrongType(Call& call) {
  resp::AppendError(call.reply, kWrongType);
}

// LLEN, SCARD, HLEN, ZCARD: the size of the aggregate at args[1] (0 when
// the key is missing), or WRONGTYPE.
template <typename Value>
void ReplySizeOf(Call& call) {
  size_t size = 0;
  bool ok = call.store.Access<Value>(
      call.args[1], Store::AccessMode::kRead,
      [&](Value* value) { size = value == nullptr ? 0 : value->size(); });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, static_cast<int64_t>(size));
}

// A command's table entry, named as the client spells it in lower case.
struct NamedCommand {
  std::string_view name;
  CommandSpec spec;
};

// The optional COUNT argument of LPOP, RPOP, SPOP and ZPOPMIN at
// args[index]: Redis accepts 0..LONG_MAX and answers anything else (even a
// non-integer) with kMustBePositive, which this replies.
inline std::optional<int64_t> ParsePopCount(Call& call, size_t index) {
  std::optional<int64_t> count = ParseInteger(call.args[index]);
  if (!count.has_value() || *count < 0) {
    resp::AppendError(call.reply, kMustBePositive);
    return std::nullopt;
  }
  return count;
}

// Each data type's commands (list_commands.cc, set_commands.cc,
// hash_commands.cc, sorted_set_commands.cc), for the command table.
std::span<const NamedCommand> ListCommands();
std::span<const NamedCommand> SetCommands();
std::span<const NamedCommand> HashCommands();
std::span<const NamedCommand> SortedSetCommands();

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_COMMAND_CALL_H_
