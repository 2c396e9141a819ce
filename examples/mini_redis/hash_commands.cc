// Hash commands: HSET (several field/value pairs), HGET, HGETALL, HDEL and
// HLEN.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "examples/mini_redis/command_call.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"
#include "examples/mini_redis/value.h"

namespace mini_redis {
namespace {

absl::string_view Field(const std::string& field) {
  return absl::string_view(field.data(), field.size());
}

// HSET key field value [field value ...]: the number of new fields.
void HSet(Call& call) {
  if (call.args.size() % 2 != 0) return ReplyArityError(call);
  int64_t added = 0;
  bool ok = call.store.Access<HashValue>(
      call.args[1], Store::AccessMode::kCreate, [&](HashValue* hash) {
        for (size_t i = 2; i + 1 < call.args.size(); i += 2) {
          auto [it, inserted] =
              hash->insert_or_assign(call.args[i], call.args[i + 1]);
          if (inserted) ++added;
        }
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, added);
}

void HGet(Call& call) {
  std::optional<std::string> value;
  bool ok = call.store.Access<HashValue>(
      call.args[1], Store::AccessMode::kRead, [&](HashValue* hash) {
        if (hash == nullptr) return;
        auto it = hash->find(Field(call.args[2]));
        if (it != hash->end()) value = it->second;
      });
  if (!ok) return ReplyWrongType(call);
  if (!value.has_value()) return resp::AppendNullBulkString(call.reply);
  resp::AppendBulkString(call.reply, *value);
}

// HGETALL key: field, value, field, value... (empty when missing).
void HGetAll(Call& call) {
  std::vector<std::pair<std::string, std::string>> pairs;
  bool ok = call.store.Access<HashValue>(
      call.args[1], Store::AccessMode::kRead, [&](HashValue* hash) {
        if (hash != nullptr) pairs.assign(hash->begin(), hash->end());
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendArrayHeader(call.reply, pairs.size() * 2);
  for (const auto& [field, value] : pairs) {
    resp::AppendBulkString(call.reply, field);
    resp::AppendBulkString(call.reply, value);
  }
}

void HDel(Call& call) {
  int64_t removed = 0;
  bool ok = call.store.Access<HashValue>(
      call.args[1], Store::AccessMode::kRead, [&](HashValue* hash) {
        if (hash == nullptr) return;
        for (size_t i = 2; i < call.args.size(); ++i) {
          removed += static_cast<int64_t>(hash->erase(Field(call.args[i])));
        }
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, removed);
}

constexpr NamedCommand kHashCommands[] = {
    {"hset", {-4, &HSet}},
    {"hget", {3, &HGet}},
    {"hgetall", {2, &HGetAll}},
    {"hdel", {-3, &HDel}},
    {"hlen", {2, &ReplySizeOf<HashValue>}},
};

}  // namespace

std::span<const NamedCommand> HashCommands() { return kHashCommands; }

}  // namespace mini_redis
