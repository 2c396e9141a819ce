// Sorted set commands: ZADD (score/member pairs, no flags), ZPOPMIN (with
// an optional count), ZRANGE by index (with REV and WITHSCORES; the
// BYSCORE, BYLEX and LIMIT forms are not supported and get a syntax error),
// ZCARD and ZSCORE. Scores are written as Redis 7.0 writes them ("%.17g",
// "inf", "-inf").

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "examples/mini_redis/command_call.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"
#include "examples/mini_redis/value.h"

namespace mini_redis {
namespace {

constexpr std::string_view kNotAFloat = "ERR value is not a valid float";

// Redis's string2d: the whole text is one strtod number, with no leading
// space, no overflow to infinity or underflow to zero, and not NaN.
std::optional<double> ParseScore(const std::string& text) {
  if (text.empty() ||
      absl::ascii_isspace(static_cast<unsigned char>(text[0])) ||
      text.size() > 5 * 1024) {
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(value) ||
      (errno == ERANGE &&
       (value == HUGE_VAL || value == -HUGE_VAL || value == 0.0))) {
    return std::nullopt;
  }
  return value;
}

void AppendScore(std::string& reply, double score) {
  if (std::isinf(score)) {
    return resp::AppendBulkString(reply, score > 0 ? "inf" : "-inf");
  }
  resp::AppendBulkString(reply, absl::StrFormat("%.17g", score));
}

// ZADD key score member [score member ...]: the number of new members.
void ZAdd(Call& call) {
  if (call.args.size() % 2 != 0) {
    return resp::AppendError(call.reply, kSyntaxError);
  }
  std::vector<std::pair<double, const std::string*>> pairs;
  for (size_t i = 2; i + 1 < call.args.size(); i += 2) {
    std::optional<double> score = ParseScore(call.args[i]);
    if (!score.has_value()) return resp::AppendError(call.reply, kNotAFloat);
    pairs.emplace_back(*score, &call.args[i + 1]);
  }
  int64_t added = 0;
  bool ok = call.store.Access<SortedSetValue>(
      call.args[1], Store::AccessMode::kCreate, [&](SortedSetValue* zset) {
        for (const auto& [score, member] : pairs) {
          if (zset->Insert(*member, score)) ++added;
        }
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendInteger(call.reply, added);
}

// ZPOPMIN key [count]: member, score, member, score... from the lowest
// (empty when missing).
void ZPopMin(Call& call) {
  if (call.args.size() > 3) {
    return resp::AppendError(call.reply, kSyntaxError);
  }
  int64_t count = 1;
  if (call.args.size() == 3) {
    std::optional<int64_t> parsed = ParsePopCount(call, 2);
    if (!parsed.has_value()) return;
    count = *parsed;
  }
  std::vector<std::pair<double, std::string>> popped;
  bool ok = call.store.Access<SortedSetValue>(
      call.args[1], Store::AccessMode::kRead, [&](SortedSetValue* zset) {
        if (zset == nullptr) return;
        while (static_cast<int64_t>(popped.size()) < count && !zset->empty()) {
          popped.push_back(zset->PopMin());
        }
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendArrayHeader(call.reply, popped.size() * 2);
  for (const auto& [score, member] : popped) {
    resp::AppendBulkString(call.reply, member);
    AppendScore(call.reply, score);
  }
}

// ZRANGE key start stop [REV] [WITHSCORES], indexes clamped as LRANGE's.
void ZRange(Call& call) {
  bool reverse = false;
  bool with_scores = false;
  for (size_t i = 4; i < call.args.size(); ++i) {
    if (EqualsIgnoreCase(call.args[i], "REV")) {
      reverse = true;
    } else if (EqualsIgnoreCase(call.args[i], "WITHSCORES")) {
      with_scores = true;
    } else {
      return resp::AppendError(call.reply, kSyntaxError);
    }
  }
  std::optional<int64_t> start = ParseInteger(call.args[2]);
  std::optional<int64_t> stop = ParseInteger(call.args[3]);
  if (!start.has_value() || !stop.has_value()) {
    return resp::AppendError(call.reply, kNotAnInteger);
  }
  std::vector<std::pair<double, std::string>> range;
  bool ok = call.store.Access<SortedSetValue>(
      call.args[1], Store::AccessMode::kRead, [&](SortedSetValue* zset) {
        if (zset == nullptr) return;
        const int64_t length = static_cast<int64_t>(zset->size());
        int64_t first =
            *start < 0 ? std::max<int64_t>(*start + length, 0) : *start;
        int64_t last = *stop < 0 ? *stop + length : *stop;
        if (last >= length) last = length - 1;
        if (first > last || first >= length) return;
        const auto& ordered = zset->ordered();
        if (reverse) {
          auto it = std::next(ordered.rbegin(), first);
          for (int64_t i = first; i <= last; ++i, ++it) range.push_back(*it);
        } else {
          auto it = std::next(ordered.begin(), first);
          for (int64_t i = first; i <= last; ++i, ++it) range.push_back(*it);
        }
      });
  if (!ok) return ReplyWrongType(call);
  resp::AppendArrayHeader(call.reply, range.size() * (with_scores ? 2 : 1));
  for (const auto& [score, member] : range) {
    resp::AppendBulkString(call.reply, member);
    if (with_scores) AppendScore(call.reply, score);
  }
}

void ZScore(Call& call) {
  std::optional<double> score;
  bool ok = call.store.Access<SortedSetValue>(
      call.args[1], Store::AccessMode::kRead, [&](SortedSetValue* zset) {
        if (zset == nullptr) return;
        if (const double* found = zset->Score(call.args[2])) score = *found;
      });
  if (!ok) return ReplyWrongType(call);
  if (!score.has_value()) return resp::AppendNullBulkString(call.reply);
  AppendScore(call.reply, *score);
}

constexpr NamedCommand kSortedSetCommands[] = {
    {"zadd", {-4, &ZAdd}},     {"zpopmin", {-2, &ZPopMin}},
    {"zrange", {-4, &ZRange}}, {"zcard", {2, &ReplySizeOf<SortedSetValue>}},
    {"zscore", {3, &ZScore}},
};

}  // namespace

std::span<const NamedCommand> SortedSetCommands() { return kSortedSetCommands; }

}  // namespace mini_redis
