#include "examples/mini_redis/commands.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/command_call.h"
#include "examples/mini_redis/glob.h"
#include "examples/mini_redis/integer.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"

namespace mini_redis {
namespace {

using std::chrono::milliseconds;

void ReplyInvalidExpire(Call& call) {
  resp::AppendError(call.reply, absl::StrCat("ERR invalid expire time in '",
                                             call.name, "' command"));
}

void ReplyOptionalBulk(std::string& reply,
                       const std::optional<std::string>& value) {
  if (value.has_value()) {
    resp::AppendBulkString(reply, *value);
  } else {
    resp::AppendNullBulkString(reply);
  }
}

void ReplyStringArray(std::string& reply,
                      const std::vector<std::string>& values) {
  resp::AppendArrayHeader(reply, values.size());
  for (const std::string& value : values) resp::AppendBulkString(reply, value);
}

// An integer argument in `unit_ms` units, as milliseconds; what is not an
// integer, or overflows an int64 once scaled, is replied as Redis does.
std::optional<int64_t> ParseScaledMs(Call& call, std::string_view text,
                                     int64_t unit_ms) {
  std::optional<int64_t> amount = ParseInteger(text);
  if (!amount.has_value()) {
    resp::AppendError(call.reply, kNotAnInteger);
    return std::nullopt;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (*amount > kMax / unit_ms || *amount < kMin / unit_ms) {
    ReplyInvalidExpire(call);
    return std::nullopt;
  }
  return *amount * unit_ms;
}

int64_t NowEpochMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A TTL argument in milliseconds, given in `unit_ms` units. Like Redis,
// rejects what would overflow an int64 of milliseconds since the epoch, so
// that the same inputs fail here as there. Errors are replied.
std::optional<milliseconds> ParseTtl(Call& call, std::string_view text,
                                     int64_t unit_ms) {
  std::optional<int64_t> scaled = ParseScaledMs(call, text, unit_ms);
  if (!scaled.has_value()) return std::nullopt;
  const int64_t ms = *scaled;
  if (ms > std::numeric_limits<int64_t>::max() - NowEpochMs()) {
    ReplyInvalidExpire(call);
    return std::nullopt;
  }
  return milliseconds(ms);
}

void Ping(Call& call) {
  if (call.args.size() > 2) return ReplyArityError(call);
  if (call.args.size() == 2) {
    resp::AppendBulkString(call.reply, call.args[1]);
  } else {
    resp::AppendSimpleString(call.reply, "PONG");
  }
}

void Echo(Call& call) { resp::AppendBulkString(call.reply, call.args[1]); }

void Get(Call& call) {
  Store::GetResult result = call.store.Get(call.args[1]);
  if (result.wrong_type) return ReplyWrongType(call);
  ReplyOptionalBulk(call.reply, result.value);
}

// SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL], with
// Redis's rules for which options combine.
void Set(Call& call) {
  Store::SetOptions options;
  bool return_previous = false;
  std::optional<milliseconds> ttl;
  enum { kNone, kEx, kPx } expire_unit = kNone;
  for (size_t i = 3; i < call.args.size(); ++i) {
    const std::string& option = call.args[i];
    bool has_next = i + 1 < call.args.size();
    if (EqualsIgnoreCase(option, "NX") &&
        options.condition != Store::SetCondition::kIfPresent) {
      options.condition = Store::SetCondition::kIfMissing;
    } else if (EqualsIgnoreCase(option, "XX") &&
               options.condition != Store::SetCondition::kIfMissing) {
      options.condition = Store::SetCondition::kIfPresent;
    } else if (EqualsIgnoreCase(option, "GET")) {
      return_previous = true;
      options.get_previous = true;
    } else if (EqualsIgnoreCase(option, "KEEPTTL") && expire_unit == kNone) {
      options.keep_ttl = true;
    } else if (EqualsIgnoreCase(option, "EX") && !options.keep_ttl &&
               expire_unit != kPx && has_next) {
      expire_unit = kEx;
      ttl = ParseTtl(call, call.args[++i], 1000);
      if (!ttl.has_value()) return;
    } else if (EqualsIgnoreCase(option, "PX") && !options.keep_ttl &&
               expire_unit != kEx && has_next) {
      expire_unit = kPx;
      ttl = ParseTtl(call, call.args[++i], 1);
      if (!ttl.has_value()) return;
    } else {
      return resp::AppendError(call.reply, kSyntaxError);
    }
  }
  if (ttl.has_value()) {
    if (*ttl <= milliseconds::zero()) return ReplyInvalidExpire(call);
    options.expires_at = call.store.DeadlineAfter(*ttl);
  }
  Store::SetResult result = call.store.Set(call.args[1], call.args[2], options);
  if (result.wrong_type) return ReplyWrongType(call);
  if (return_previous) {
    ReplyOptionalBulk(call.reply, result.previous);
  } else if (result.written) {
    resp::AppendSimpleString(call.reply, "OK");
  } else {
    resp::AppendNullBulkString(call.reply);
  }
}

void Del(Call& call) {
  resp::AppendInteger(call.reply, call.store.Delete(call.args.subspan(1)));
}

void Exists(Call& call) {
  resp::AppendInteger(call.reply,
                      call.store.CountExisting(call.args.subspan(1)));
}

void ReplyIncrement(Call& call, int64_t delta) {
  Store::IncrementResult result = call.store.IncrementBy(call.args[1], delta);
  if (result.value.has_value()) {
    resp::AppendInteger(call.reply, *result.value);
  } else if (result.error == Store::IncrementError::kWrongType) {
    ReplyWrongType(call);
  } else if (result.error == Store::IncrementError::kOverflow) {
    resp::AppendError(call.reply, "ERR increment or decrement would overflow");
  } else {
    resp::AppendError(call.reply, kNotAnInteger);
  }
}

void Incr(Call& call) { ReplyIncrement(call, 1); }
void Decr(Call& call) { ReplyIncrement(call, -1); }

void IncrBy(Call& call) {
  std::optional<int64_t> delta = ParseInteger(call.args[2]);
  if (!delta.has_value()) return resp::AppendError(call.reply, kNotAnInteger);
  ReplyIncrement(call, *delta);
}

void DecrBy(Call& call) {
  std::optional<int64_t> delta = ParseInteger(call.args[2]);
  if (!delta.has_value()) return resp::AppendError(call.reply, kNotAnInteger);
  if (*delta == std::numeric_limits<int64_t>::min()) {
    return resp::AppendError(call.reply, "ERR decrement would overflow");
  }
  ReplyIncrement(call, -*delta);
}

void MGet(Call& call) {
  std::vector<std::optional<std::string>> values =
      call.store.GetMany(call.args.subspan(1));
  resp::AppendArrayHeader(call.reply, values.size());
  for (const std::optional<std::string>& value : values) {
    ReplyOptionalBulk(call.reply, value);
  }
}

void MSet(Call& call) {
  if (call.args.size() % 2 == 0) return ReplyArityError(call);
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(call.args.size() / 2);
  for (size_t i = 1; i + 1 < call.args.size(); i += 2) {
    pairs.emplace_back(call.args[i], call.args[i + 1]);
  }
  call.store.SetMany(std::move(pairs));
  resp::AppendSimpleString(call.reply, "OK");
}

// A Unix time in `unit_ms` units (EXPIREAT, PEXPIREAT) as the time left
// until it, negative when it has passed. Errors are replied.
std::optional<milliseconds> ParseUnixTime(Call& call, std::string_view text,
                                          int64_t unit_ms) {
  std::optional<int64_t> at_ms = ParseScaledMs(call, text, unit_ms);
  if (!at_ms.has_value()) return std::nullopt;
  const int64_t epoch_ms = NowEpochMs();
  // Far in the past: expired all the same, without overflowing.
  if (*at_ms < std::numeric_limits<int64_t>::min() + epoch_ms) {
    return milliseconds(-1);
  }
  return milliseconds(*at_ms - epoch_ms);
}

// EXPIRE / PEXPIRE key ttl [NX|XX|GT|LT], and EXPIREAT / PEXPIREAT key
// unix-time [...] when `absolute`.
void ExpireIn(Call& call, int64_t unit_ms, bool absolute = false) {
  ExpireConditions conditions;
  for (size_t i = 3; i < call.args.size(); ++i) {
    const std::string& option = call.args[i];
    if (EqualsIgnoreCase(option, "NX")) {
      conditions.if_no_expiry = true;
    } else if (EqualsIgnoreCase(option, "XX")) {
      conditions.if_has_expiry = true;
    } else if (EqualsIgnoreCase(option, "GT")) {
      conditions.if_later = true;
    } else if (EqualsIgnoreCase(option, "LT")) {
      conditions.if_earlier = true;
    } else {
      return resp::AppendError(call.reply,
                               absl::StrCat("ERR Unsupported option ", option));
    }
  }
  if (conditions.if_no_expiry &&
      (conditions.if_has_expiry || conditions.if_later ||
       conditions.if_earlier)) {
    return resp::AppendError(call.reply,
                             "ERR NX and XX, GT or LT options at the same "
                             "time are not compatible");
  }
  if (conditions.if_later && conditions.if_earlier) {
    return resp::AppendError(
        call.reply,
        "ERR GT and LT options at the same time are not compatible");
  }
  std::optional<milliseconds> ttl;
  if (absolute) {
    ttl = ParseUnixTime(call, call.args[2], unit_ms);
  } else {
    ttl = ParseTtl(call, call.args[2], unit_ms);
  }
  if (!ttl.has_value()) return;
  bool applied = call.store.Expire(call.args[1], call.store.DeadlineAfter(*ttl),
                                   conditions);
  resp::AppendInteger(call.reply, applied ? 1 : 0);
}

void Expire(Call& call) { ExpireIn(call, 1000); }
void PExpire(Call& call) { ExpireIn(call, 1); }
void ExpireAt(Call& call) { ExpireIn(call, 1000, /*absolute=*/true); }
void PExpireAt(Call& call) { ExpireIn(call, 1, /*absolute=*/true); }

void ReplyTtl(Call& call, bool in_ms) {
  Store::Ttl ttl = call.store.GetTtl(call.args[1]);
  switch (ttl.state) {
    case Store::TtlState::kMissing:
      return resp::AppendInteger(call.reply, -2);
    case Store::TtlState::kNoExpiry:
      return resp::AppendInteger(call.reply, -1);
    case Store::TtlState::kExpires: {
      int64_t ms = ttl.remaining.count();
      // Redis rounds to the nearest second.
      return resp::AppendInteger(call.reply, in_ms ? ms : (ms + 500) / 1000);
    }
  }
}

void Ttl(Call& call) { ReplyTtl(call, /*in_ms=*/false); }
void PTtl(Call& call) { ReplyTtl(call, /*in_ms=*/true); }

void Persist(Call& call) {
  resp::AppendInteger(call.reply, call.store.Persist(call.args[1]) ? 1 : 0);
}

void Type(Call& call) {
  resp::AppendSimpleString(call.reply, call.store.TypeOf(call.args[1]));
}

void Keys(Call& call) {
  ReplyStringArray(call.reply, call.store.Keys(call.args[1]));
}

void DbSize(Call& call) {
  resp::AppendInteger(call.reply, static_cast<int64_t>(call.store.Size()));
}

void FlushAll(Call& call) {
  if (call.args.size() > 2 ||
      (call.args.size() == 2 && !EqualsIgnoreCase(call.args[1], "ASYNC") &&
       !EqualsIgnoreCase(call.args[1], "SYNC"))) {
    return resp::AppendError(call.reply, kSyntaxError);
  }
  call.store.Clear();
  resp::AppendSimpleString(call.reply, "OK");
}

void Select(Call& call) {
  std::optional<int64_t> index = ParseInteger(call.args[1]);
  if (!index.has_value()) return resp::AppendError(call.reply, kNotAnInteger);
  // One keyspace only: database 0.
  if (*index != 0) {
    return resp::AppendError(call.reply, "ERR DB index is out of range");
  }
  resp::AppendSimpleString(call.reply, "OK");
}

// PUBLISH, SAVE, (P)(UN)SUBSCRIBE, RESET: validated here like every
// command, run by the connection.
void ForConnection(Call& call) { call.after = AfterReply::kConnection; }

void Quit(Call& call) {
  resp::AppendSimpleString(call.reply, "OK");
  call.after = AfterReply::kClose;
}

void ReplyUnknownSubcommand(Call& call, const char* command) {
  resp::AppendError(call.reply, absl::StrCat("ERR unknown subcommand '",
                                             call.args[1].substr(0, 128),
                                             "'. Try ", command, " HELP."));
}

// CONFIG GET pattern...: the settings clients ask about, with the values
// that describe mini_redis (no persistence). redis-benchmark reads "save"
// and "appendonly" before it starts and warns if they are missing.
void Config(Call& call) {
  if (!EqualsIgnoreCase(call.args[1], "GET")) {
    return ReplyUnknownSubcommand(call, "CONFIG");
  }
  if (call.args.size() < 3) {
    return resp::AppendError(
        call.reply, "ERR wrong number of arguments for 'config|get' command");
  }
  static constexpr std::pair<std::string_view, std::string_view> kSettings[] = {
      {"save", ""},
      {"appendonly", "no"},
  };
  std::vector<std::string> flat;
  for (const auto& [name, value] : kSettings) {
    for (size_t i = 2; i < call.args.size(); ++i) {
      if (GlobMatch(absl::AsciiStrToLower(call.args[i]), name)) {
        flat.emplace_back(name);
        flat.emplace_back(value);
        break;
      }
    }
  }
  ReplyStringArray(call.reply, flat);
}

const absl::flat_hash_map<std::string_view, CommandSpec>& CommandTable();

// COMMAND [DOCS|COUNT|INFO|LIST]: enough for clients that probe the server
// (redis-cli's interactive mode asks for DOCS to show hints; an empty reply
// just means no hints).
void Command(Call& call) {
  if (call.args.size() == 1) return resp::AppendArrayHeader(call.reply, 0);
  const std::string& sub = call.args[1];
  if (EqualsIgnoreCase(sub, "DOCS")) {
    return resp::AppendArrayHeader(call.reply, 0);
  }
  if (EqualsIgnoreCase(sub, "COUNT")) {
    return resp::AppendInteger(call.reply,
                               static_cast<int64_t>(CommandTable().size()));
  }
  if (EqualsIgnoreCase(sub, "INFO")) {
    // Unknown details: one nil per name asked about.
    resp::AppendArrayHeader(call.reply, call.args.size() - 2);
    for (size_t i = 2; i < call.args.size(); ++i) {
      resp::AppendNullBulkString(call.reply);
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "LIST")) {
    std::vector<std::string> names;
    for (const auto& [name, spec] : CommandTable()) names.emplace_back(name);
    return ReplyStringArray(call.reply, names);
  }
  ReplyUnknownSubcommand(call, "COMMAND");
}

void Info(Call& call) {
  resp::AppendBulkString(
      call.reply,
      absl::StrCat(
          "# Server\r\nredis_version:7.0.0\r\nredis_mode:standalone\r\n"
          "server_name:mini_redis\r\n\r\n# Keyspace\r\ndb0:keys=",
          call.store.Size(), "\r\n"));
}

const absl::flat_hash_map<std::string_view, CommandSpec>& CommandTable() {
  // Never destroyed: connection tasks may still run during static
  // destruction at exit.
  static auto* const kTable =
      new absl::flat_hash_map<std::string_view, CommandSpec>{
          {"ping", {-1, &Ping}},
          {"echo", {2, &Echo}},
          {"get", {2, &Get}},
          {"set", {-3, &Set}},
          {"del", {-2, &Del}},
          {"exists", {-2, &Exists}},
          {"incr", {2, &Incr}},
          {"decr", {2, &Decr}},
          {"incrby", {3, &IncrBy}},
          {"decrby", {3, &DecrBy}},
          {"mget", {-2, &MGet}},
          {"mset", {-3, &MSet}},
          {"expire", {-3, &Expire}},
          {"pexpire", {-3, &PExpire}},
          {"expireat", {-3, &ExpireAt}},
          {"pexpireat", {-3, &PExpireAt}},
          {"ttl", {2, &Ttl}},
          {"pttl", {2, &PTtl}},
          {"persist", {2, &Persist}},
          {"type", {2, &Type}},
          {"keys", {2, &Keys}},
          {"dbsize", {1, &DbSize}},
          {"flushall", {-1, &FlushAll}},
          {"select", {2, &Select}},
          {"quit", {-1, &Quit}},
          {"config", {-2, &Config}},
          {"command", {-1, &Command}},
          {"info", {-1, &Info}},
          {"publish", {3, &ForConnection}},
          {"save", {1, &ForConnection}},
          {"subscribe", {-2, &ForConnection}},
          {"psubscribe", {-2, &ForConnection}},
          {"unsubscribe", {-1, &ForConnection}},
          {"punsubscribe", {-1, &ForConnection}},
          {"reset", {1, &ForConnection}},
      };
  static const bool kAddedTypes = [] {
    for (auto commands :
         {ListCommands(), SetCommands(), HashCommands(), SortedSetCommands()}) {
      for (const NamedCommand& command : commands) {
        kTable->emplace(command.name, command.spec);
      }
    }
    return true;
  }();
  (void)kAddedTypes;
  return *kTable;
}

// Redis's reply to an unknown command: its name and up to 128 bytes of its
// arguments, each quoted and followed by a space.
void ReplyUnknownCommand(std::span<const std::string> args,
                         std::string& reply) {
  std::string quoted;
  for (size_t i = 1; i < args.size() && quoted.size() < 128; ++i) {
    absl::StrAppend(&quoted, "'", args[i].substr(0, 128 - quoted.size()), "' ");
  }
  resp::AppendError(
      reply, absl::StrCat("ERR unknown command '", args[0].substr(0, 128),
                          "', with args beginning with: ", quoted));
}

}  // namespace

namespace {

// The table entry of args[0] with its lower-case name, or null when unknown.
const CommandSpec* Lookup(std::span<const std::string> args,
                          std::string& name) {
  // Every name in the table is short; a longer one is unknown, and is not
  // worth lower-casing (it may be megabytes long).
  constexpr size_t kLongestName = 16;
  if (args.empty() || args[0].size() > kLongestName) return nullptr;
  name = absl::AsciiStrToLower(args[0]);
  auto it = CommandTable().find(name);
  return it == CommandTable().end() ? nullptr : &it->second;
}

bool ArityAccepts(const CommandSpec& spec, size_t count) {
  return spec.arity > 0 ? count == static_cast<size_t>(spec.arity)
                        : count >= static_cast<size_t>(-spec.arity);
}

}  // namespace

bool IsValidCommand(std::span<const std::string> args) {
  std::string name;
  const CommandSpec* spec = Lookup(args, name);
  return spec != nullptr && ArityAccepts(*spec, args.size());
}

AfterReply ExecuteCommand(Store& store, std::span<const std::string> args,
                          std::string& reply) {
  if (args.empty()) return AfterReply::kKeepOpen;
  std::string name;
  const CommandSpec* spec = Lookup(args, name);
  if (spec == nullptr) {
    ReplyUnknownCommand(args, reply);
    return AfterReply::kKeepOpen;
  }
  Call call{store, args, reply, name};
  if (!ArityAccepts(*spec, args.size())) {
    ReplyArityError(call);
    return AfterReply::kKeepOpen;
  }
  spec->handler(call);
  return call.after;
}

}  // namespace mini_redis
