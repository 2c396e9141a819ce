// SAVE's dump: every type and deadline survives DumpCommands and
// LoadCommands into a fresh store, SaveDump and LoadDump through weft::fs,
// a missing file is a first start, and a bad or unwritable path is an error
// that names it.

#include "examples/mini_redis/dump.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/commands.h"
#include "examples/mini_redis/store.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace mini_redis {
namespace {

std::string Exec(Store& store, std::initializer_list<std::string> args) {
  std::vector<std::string> command(args);
  std::string reply;
  ExecuteCommand(store, command, reply);
  return reply;
}

// A store with every type, binary data, a list longer than one dump
// command, scores that need every digit, a key with a deadline and one
// that has expired.
void Fill(Store& store, Store::TimePoint& now) {
  ASSERT_EQ(Exec(store, {"SET", "s", "plain"}), "+OK\r\n");
  ASSERT_EQ(Exec(store, {"SET", std::string("bin\0\r\n", 6),
                         std::string("v\0\r\n*1", 6)}),
            "+OK\r\n");
  ASSERT_EQ(Exec(store, {"SET", "empty", ""}), "+OK\r\n");
  for (int i = 0; i < 2500; ++i) {
    Exec(store, {"RPUSH", "list", absl::StrCat("e", i)});
  }
  ASSERT_EQ(Exec(store, {"SADD", "set", "a", "b", "c"}), ":3\r\n");
  ASSERT_EQ(Exec(store, {"HSET", "hash", "f1", "v1", "f2", ""}), ":2\r\n");
  ASSERT_EQ(Exec(store, {"ZADD", "zset", "0.1", "x", "-inf", "lo", "inf", "hi",
                         "1e300", "big", "-0", "zero"}),
            ":5\r\n");
  ASSERT_EQ(Exec(store, {"SET", "ttl", "v", "PX", "100000"}), "+OK\r\n");
  ASSERT_EQ(Exec(store, {"RPUSH", "ttl-list", "a"}), ":1\r\n");
  ASSERT_EQ(Exec(store, {"PEXPIRE", "ttl-list", "200000"}), ":1\r\n");
  ASSERT_EQ(Exec(store, {"SET", "gone", "v", "PX", "10"}), "+OK\r\n");
  now += std::chrono::milliseconds(20);
}

// Sorted, so that stores with different hash orders compare equal.
std::vector<std::string> Lines(std::string reply) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < reply.size()) {
    size_t end = reply.find("\r\n", start);
    if (end == std::string::npos) end = reply.size();
    lines.push_back(reply.substr(start, end - start));
    start = end + 2;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

void ExpectSameData(Store& saved, Store& loaded) {
  EXPECT_EQ(Exec(loaded, {"DBSIZE"}), ":9\r\n");
  for (const std::string& key : {std::string("s"), std::string("bin\0\r\n", 6),
                                 std::string("empty"), std::string("ttl")}) {
    EXPECT_EQ(Exec(loaded, {"GET", key}), Exec(saved, {"GET", key})) << key;
  }
  EXPECT_EQ(Exec(loaded, {"LRANGE", "list", "0", "-1"}),
            Exec(saved, {"LRANGE", "list", "0", "-1"}));
  EXPECT_EQ(Lines(Exec(loaded, {"SMEMBERS", "set"})),
            Lines(Exec(saved, {"SMEMBERS", "set"})));
  EXPECT_EQ(Lines(Exec(loaded, {"HGETALL", "hash"})),
            Lines(Exec(saved, {"HGETALL", "hash"})));
  EXPECT_EQ(Exec(loaded, {"ZRANGE", "zset", "0", "-1", "WITHSCORES"}),
            Exec(saved, {"ZRANGE", "zset", "0", "-1", "WITHSCORES"}));
  EXPECT_EQ(Exec(loaded, {"TYPE", "ttl-list"}), "+list\r\n");
  EXPECT_EQ(Exec(loaded, {"EXISTS", "gone"}), ":0\r\n");
  EXPECT_EQ(Exec(loaded, {"PTTL", "s"}), ":-1\r\n");
  // The deadlines survive (the test's clocks stand still; the wall clock
  // moved a little between saving and loading).
  for (auto [key, ms] :
       {std::pair<std::string, int>{"ttl", 100000 - 20},
        std::pair<std::string, int>{"ttl-list", 200000 - 20}}) {
    std::string pttl = Exec(loaded, {"PTTL", key});
    ASSERT_GT(pttl.size(), 3u) << key;
    int left = std::stoi(pttl.substr(1));
    EXPECT_LE(left, ms) << key;
    EXPECT_GT(left, ms - 10000) << key;
  }
}

TEST(DumpTest, EveryTypeSurvivesDumpAndLoad) {
  Store::TimePoint now(std::chrono::hours(1000));
  Store saved([&] { return now; });
  Fill(saved, now);
  std::string dump = DumpCommands(saved);

  Store::TimePoint later(std::chrono::hours(5));
  Store loaded([&] { return later; });
  ASSERT_TRUE(LoadCommands(dump, loaded, "test.dump").ok());
  ExpectSameData(saved, loaded);
}

TEST(DumpTest, LoadRejectsBadInputNamingThePath) {
  Store store;
  absl::Status cut =
      LoadCommands("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n", store, "/some/where.dump");
  EXPECT_FALSE(cut.ok());
  EXPECT_NE(std::string(cut.message()).find("/some/where.dump"),
            std::string::npos)
      << cut;
  absl::Status failing = LoadCommands("SET k v\r\nINCR k\r\n", store, "x.dump");
  EXPECT_FALSE(failing.ok());
  EXPECT_NE(std::string(failing.message()).find("command 2"), std::string::npos)
      << failing;
  EXPECT_FALSE(LoadCommands("SAVE\r\n", store, "x.dump").ok());
  EXPECT_FALSE(LoadCommands("*1\r\n$x\r\n", store, "x.dump").ok());
}

template <typename Body>
void InRuntime(Body body) {
  auto runtime = weft::Runtime::Builder::current_thread().build();
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  runtime->block_on(body());
}

std::string TestDir(const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(DumpTest, SaveThenLoadFromTheFile) {
  std::string path = TestDir("save_then_load") + "/mini_redis.dump";
  Store::TimePoint now(std::chrono::hours(1000));
  Store saved([&] { return now; });
  Fill(saved, now);
  Store::TimePoint later(std::chrono::hours(5));
  Store loaded([&] { return later; });
  InRuntime([&]() -> weft::Task<void> {
    absl::StatusOr<bool> none = co_await LoadDump(path, loaded);
    EXPECT_TRUE(none.ok() && !*none) << none.status();
    EXPECT_TRUE((co_await SaveDump(saved, path)).ok());
    // Saving again replaces the file.
    EXPECT_TRUE((co_await SaveDump(saved, path)).ok());
    absl::StatusOr<bool> found = co_await LoadDump(path, loaded);
    EXPECT_TRUE(found.ok() && *found) << found.status();
  });
  ExpectSameData(saved, loaded);
  // Only the dump is left: no temporary file.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(path).parent_path())) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"mini_redis.dump"});
}

TEST(DumpTest, SaveIntoAMissingDirectoryNamesThePath) {
  std::string path = TestDir("missing") + "/no/such/dir/mini_redis.dump";
  Store store;
  Exec(store, {"SET", "k", "v"});
  InRuntime([&]() -> weft::Task<void> {
    absl::Status saved = co_await SaveDump(store, path);
    EXPECT_FALSE(saved.ok());
    EXPECT_NE(std::string(saved.message()).find(path), std::string::npos)
        << saved;
  });
}

TEST(DumpTest, AnUnreadableDumpIsAnError) {
  std::string dir = TestDir("unreadable");
  Store store;
  InRuntime([&]() -> weft::Task<void> {
    // A directory where the file should be.
    absl::StatusOr<bool> loaded = co_await LoadDump(dir, store);
    EXPECT_FALSE(loaded.ok());
    std::string garbage_path = dir + "/garbage.dump";
    EXPECT_TRUE(
        (co_await weft::fs::write(garbage_path, "*2\r\n$3\r\nGET\r\n")).ok());
    absl::StatusOr<bool> garbage = co_await LoadDump(garbage_path, store);
    EXPECT_FALSE(garbage.ok());
    EXPECT_NE(std::string(garbage.status().message()).find(garbage_path),
              std::string::npos)
        << garbage.status();
  });
}

}  // namespace
}  // namespace mini_redis
