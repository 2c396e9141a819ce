#include "examples/mini_redis/dump.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "examples/mini_redis/commands.h"
#include "examples/mini_redis/resp_parser.h"
#include "examples/mini_redis/resp_writer.h"
#include "examples/mini_redis/store.h"
#include "examples/mini_redis/value.h"
#include "runtime/weft.h"

namespace mini_redis {
namespace {

// Elements per RPUSH, SADD, HSET or ZADD of the dump.
constexpr size_t kChunk = 1024;
// Bytes handed to the parser at a time while loading, as a client's reads.
constexpr size_t kLoadPiece = 64 * 1024;

void AppendCommand(std::string& out,
                   std::initializer_list<std::string_view> words) {
  resp::AppendArrayHeader(out, words.size());
  for (std::string_view word : words) resp::AppendBulkString(out, word);
}

// `command key` followed by the words `emit` appends for each element, at
// most kChunk elements (`words_per_element` words each) per command.
template <typename Range, typename Emit>
void AppendChunked(std::string& out, std::string_view command,
                   const std::string& key, const Range& elements,
                   size_t words_per_element, Emit emit) {
  size_t left = elements.size();
  auto it = elements.begin();
  while (left > 0) {
    size_t count = std::min(left, kChunk);
    resp::AppendArrayHeader(out, 2 + count * words_per_element);
    resp::AppendBulkString(out, command);
    resp::AppendBulkString(out, key);
    for (size_t i = 0; i < count; ++i, ++it) emit(*it);
    left -= count;
  }
}

std::string FormatScore(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  // 17 significant digits read back as the same double.
  return absl::StrFormat("%.17g", score);
}

}  // namespace

std::string DumpCommands(Store& store) {
  std::string out;
  const Store::TimePoint now = store.now();
  const int64_t epoch_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  store.ForEachLive([&](const std::string& key, const Value& value,
                        std::optional<Store::TimePoint> expires_at) {
    auto bulk = [&](const std::string& word) {
      resp::AppendBulkString(out, word);
    };
    if (const auto* text = std::get_if<std::string>(&value)) {
      AppendCommand(out, {"SET", key, *text});
    } else if (const auto* list = std::get_if<ListValue>(&value)) {
      AppendChunked(out, "RPUSH", key, *list, 1, bulk);
    } else if (const auto* set = std::get_if<SetValue>(&value)) {
      AppendChunked(out, "SADD", key, *set, 1, bulk);
    } else if (const auto* hash = std::get_if<HashValue>(&value)) {
      AppendChunked(out, "HSET", key, *hash, 2, [&](const auto& field) {
        bulk(field.first);
        bulk(field.second);
      });
    } else if (const auto* zset = std::get_if<SortedSetValue>(&value)) {
      AppendChunked(out, "ZADD", key, zset->ordered(), 2,
                    [&](const auto& entry) {
                      bulk(FormatScore(entry.first));
                      bulk(entry.second);
                    });
    }
    if (expires_at.has_value()) {
      int64_t left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            *expires_at - now)
                            .count();
      // A deadline beyond the Unix clock's range (a TTL near the maximum)
      // stays at that maximum.
      int64_t at_ms = left_ms > std::numeric_limits<int64_t>::max() - epoch_ms
                          ? std::numeric_limits<int64_t>::max()
                          : epoch_ms + left_ms;
      std::string at = std::to_string(at_ms);
      AppendCommand(out, {"PEXPIREAT", key, at});
    }
  });
  return out;
}

absl::Status LoadCommands(std::string_view commands, Store& store,
                          const std::string& path) {
  RespParser parser;
  std::vector<std::string> args;
  std::string reply;
  size_t done = 0;
  while (true) {
    std::string_view piece = commands.substr(0, kLoadPiece);
    commands.remove_prefix(piece.size());
    parser.Append(piece);
    while (true) {
      RespParser::Status status = parser.Next(args);
      if (status == RespParser::Status::kNeedMore) break;
      if (status == RespParser::Status::kError) {
        return absl::DataLossError(absl::StrCat(
            "load ", path, ": command ", done + 1, ": ", parser.error()));
      }
      reply.clear();
      AfterReply after = ExecuteCommand(store, args, reply);
      if (after != AfterReply::kKeepOpen ||
          (!reply.empty() && reply[0] == '-')) {
        // The reply without its "-" and CRLF, or the command's name for one
        // that a dump never holds (SAVE, PUBLISH, QUIT...).
        std::string why = reply.size() > 3 && reply[0] == '-'
                              ? reply.substr(1, reply.size() - 3)
                              : absl::StrCat("'", args[0], "' is not allowed");
        return absl::DataLossError(
            absl::StrCat("load ", path, ": command ", done + 1, ": ", why));
      }
      ++done;
    }
    if (commands.empty()) break;
  }
  if (parser.in_command()) {
    return absl::DataLossError(
        absl::StrCat("load ", path, ": cut short after ", done, " commands"));
  }
  return absl::OkStatus();
}

weft::Task<absl::Status> SaveDump(Store& store, std::string path) {
  std::string data = DumpCommands(store);
  // A name of its own per SAVE, so that two at once do not write one file.
  static std::atomic<uint64_t> saves{0};
  std::string temporary =
      absl::StrCat(path, ".tmp.", ::getpid(), ".", saves.fetch_add(1));
  absl::Status status;
  {
    absl::StatusOr<weft::fs::File> file =
        co_await weft::fs::File::create(temporary);
    if (!file.ok()) co_return file.status();
    status = co_await file->write_all(data);
    if (status.ok()) status = co_await file->sync_all();
  }
  if (status.ok()) status = co_await weft::fs::rename(temporary, path);
  if (!status.ok()) {
    (void)co_await weft::fs::remove_file(temporary);
    co_return status;
  }
  // The rename is durable once the directory is synced too.
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  absl::StatusOr<weft::fs::File> dir = co_await weft::fs::File::open(directory);
  if (dir.ok()) (void)co_await dir->sync_all();
  co_return absl::OkStatus();
}

weft::Task<absl::StatusOr<bool>> LoadDump(std::string path, Store& store) {
  absl::StatusOr<std::string> data = co_await weft::fs::read(path);
  if (!data.ok()) {
    if (absl::IsNotFound(data.status())) co_return false;
    co_return data.status();
  }
  absl::Status loaded = LoadCommands(*data, store, path);
  if (!loaded.ok()) co_return loaded;
  co_return true;
}

}  // namespace mini_redis
