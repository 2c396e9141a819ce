// List commands: LPUSH, RPUSH, LPOP and RPOP (with an optional count),
// LRANGE (negative indexes count from the tail) and LLEN.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "examples/mini_redis/command_call.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"
#include "examples/mini_redis/value.h"

namespace mini_redis {
namespace {

enum class End { kHead, kTail };

void Push(Call& call, End end) {
  size_t length = 0;
  bool ok = call.store.Access<ListValue>(
      call.args[1], Store::AccessMode::kCreate, [&](ListValue* list) {
        for (size_t i = 2; i < call.args.size(); ++i) {
          if (end == End::kHead) {
            list->push_front(call.args[i]);
          } else {
            list->push_back(call.args[i]);
          }
        }
        length = list->size();
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, static_cast<int64_t>(length));
}

// LPOP/RPOP key [count]: one element as a bulk string (nil when missing),
// or with a count an array of up to count elements (nil array when
// missing).
void Pop(Call& call, End end) {
  if (call.args.size() > 3) return ReplyArityError(call);
  std::optional<int64_t> count;
  if (call.args.size() == 3) {
    count = ParsePopCount(call, 2);
    if (!count.has_value()) return;
  }
  bool missing = false;
  std::vector<std::string> popped;
  bool ok = call.store.Access<ListValue>(
      call.args[1], Store::AccessMode::kRead, [&](ListValue* list) {
        if (list == nullptr) {
          missing = true;
          return;
        }
        size_t take =
            count.has_value() ? std::min<size_t>(*count, list->size()) : 1;
        for (size_t i = 0; i < take; ++i) {
          if (end == End::kHead) {
            popped.push_back(std::move(list->front()));
            list->pop_front();
          } else {
            popped.push_back(std::move(list->back()));
            list->pop_back();
          }
        }
      });
  if (!ok) return ReplyWrongType(call);
  if (!count.has_value()) {
    if (missing) return resp::AppendNullBulkString(call.reply);
    return resp::AppendBulkString(call.reply, popped.front());
  }
  if (missing) return resp::AppendNullArray(call.reply);
  resp::AppendArrayHeader(call.reply, popped.size());
  for (const std::string& element : popped) {
    resp::AppendBulkString(call.reply, element);
  }
}

void LPush(Call& call) { Push(call, End::kHead); }
void RPush(Call& call) { Push(call, End::kTail); }
void LPop(Call& call) { Pop(call, End::kHead); }
void RPop(Call& call) { Pop(call, End::kTail); }

// LRANGE key start stop, with Redis's clamping: negative indexes count from
// the end, and a range outside the list is empty rather than an error.
void LRange(Call& call) {
  std::optional<int64_t> start = ParseInteger(call.args[2]);
  std::optional<int64_t> stop = ParseInteger(call.args[3]);
  if (!start.has_value() || !stop.has_value()) {
    return resp::AppendError(call.reply, kNotAnInteger);
  }
  std::vector<std::string> elements;
  bool ok = call.store.Access<ListValue>(
      call.args[1], Store::AccessMode::kRead, [&](ListValue* list) {
        if (list == nullptr) return;
        const int64_t length = static_cast<int64_t>(list->size());
        int64_t first =
            *start < 0 ? std::max<int64_t>(*start + length, 0) : *start;
        int64_t last = *stop < 0 ? *stop + length : *stop;
        if (last >= length) last = length - 1;
        if (first > last || first >= length) return;
        elements.assign(list->begin() + first, list->begin() + last + 1);
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendArrayHeader(call.reply, elements.size());
  for (const std::string& element : elements) {
    resp::AppendBulkString(call.reply, element);
  }
}

constexpr NamedCommand kListCommands[] = {
    {"lpush", {-3, &LPush}},  {"rpush", {-3, &RPush}},
    {"lpop", {-2, &LPop}},    {"rpop", {-2, &RPop}},
    {"lrange", {4, &LRange}}, {"llen", {2, &ReplySizeOf<ListValue>}},
};

}  // namespace

std::span<const NamedCommand> ListCommands() { return kListCommands; }

}  // namespace mini_redis
