// Set commands: SADD, SREM, SPOP (with an optional count), SCARD,
// SISMEMBER and SMEMBERS. SPOP takes whichever members the hash set yields
// first rather than Redis's random ones; both are "arbitrary" to a client.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "examples/mini_redis/command_call.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"
#include "examples/mini_redis/value.h"

namespace mini_redis {
namespace {

void ReplyMembers(Call& call, const std::vector<std::string>& members) {
  resp::AppendArrayHeader(call.reply, members.size());
  for (const std::string& member : members) {
    resp::AppendBulkString(call.reply, member);
  }
}

void SAdd(Call& call) {
  int64_t added = 0;
  bool ok = call.store.Access<SetValue>(
      call.args[1], Store::AccessMode::kCreate, [&](SetValue* set) {
        for (size_t i = 2; i < call.args.size(); ++i) {
          if (set->insert(call.args[i]).second) ++added;
        }
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, added);
}

void SRem(Call& call) {
  int64_t removed = 0;
  bool ok = call.store.Access<SetValue>(
      call.args[1], Store::AccessMode::kRead, [&](SetValue* set) {
        if (set == nullptr) return;
        for (size_t i = 2; i < call.args.size(); ++i) {
          removed += static_cast<int64_t>(set->erase(call.args[i]));
        }
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, removed);
}

// SPOP key [count]: one member as a bulk string (nil when missing), or with
// a count an array of up to count members (empty when missing).
void SPop(Call& call) {
  if (call.args.size() > 3) {
    return resp::AppendError(call.reply, kSyntaxError);
  }
  std::optional<int64_t> count;
  if (call.args.size() == 3) {
    count = ParsePopCount(call, 2);
    if (!count.has_value()) return;
  }
  std::vector<std::string> popped;
  bool ok = call.store.Access<SetValue>(
      call.args[1], Store::AccessMode::kRead, [&](SetValue* set) {
        if (set == nullptr) return;
        size_t take = count.has_value() ? static_cast<size_t>(*count) : 1;
        while (popped.size() < take && !set->empty()) {
          auto node = set->extract(set->begin());
          popped.push_back(std::move(node.value()));
        }
      });
  if (!ok) return ReplyWrongType(call);
  if (count.has_value()) return ReplyMembers(call, popped);
  if (popped.empty()) return resp::AppendNullBulkString(call.reply);
  resp::AppendBulkString(call.reply, popped.front());
}

void SIsMember(Call& call) {
  bool member = false;
  bool ok = call.store.Access<SetValue>(
      call.args[1], Store::AccessMode::kRead, [&](SetValue* set) {
        member =
            set != nullptr && set->contains(absl::string_view(
                                  call.args[2].data(), call.args[2].size()));
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, member ? 1 : 0);
}

void SMembers(Call& call) {
  std::vector<std::string> members;
  bool ok = call.store.Access<SetValue>(
      call.args[1], Store::AccessMode::kRead, [&](SetValue* set) {
        if (set != nullptr) members.assign(set->begin(), set->end());
      });
  if (!ok) return ReplyWrongType(call);
  ReplyMembers(call, members);
}

constexpr NamedCommand kSetCommands[] = {
    {"sadd", {-3, &SAdd}},          {"srem", {-3, &SRem}},
    {"spop", {-2, &SPop}},          {"scard", {2, &ReplySizeOf<SetValue>}},
    {"sismember", {3, &SIsMember}}, {"smembers", {2, &SMembers}},
};

}  // namespace

std::span<const NamedCommand> SetCommands() { return kSetCommands; }

}  // namespace mini_redis
