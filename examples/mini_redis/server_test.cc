// The server in-process over loopback: pipelined replies in order, input
// split at every byte, large values, QUIT, a protocol error that closes its
// own connection only, the query buffer limit, and accepts that fail for
// want of descriptors. Runs on the build's default backend.

#include "examples/mini_redis/server.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/commands.h"
#include "examples/mini_redis/descriptor_exhaustion.h"
#include "examples/mini_redis/dump.h"
#include "examples/mini_redis/server_test_util.h"
#include "examples/mini_redis/store.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace mini_redis {
namespace {

using weft::Task;
using weft::net::TcpStream;

TEST(ServerTest, PipelinedRepliesComeInOrder) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    std::string request =
        "*1\r\n$4\r\nPING\r\nSET k v\r\nGET k\r\nINCR n\r\nINCR n\r\n"
        "NOSUCH a\r\nGET k\r\n";
    EXPECT_TRUE((co_await client.write_all(request)).ok());
    std::string expected =
        "+PONG\r\n+OK\r\n$1\r\nv\r\n:1\r\n:2\r\n"
        "-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n"
        "$1\r\nv\r\n";
    EXPECT_EQ(co_await ReadBytes(client, expected.size()), expected);
  });
}

TEST(ServerTest, CommandsSplitAtEveryByte) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    std::string request =
        "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nGET key\r\n";
    for (char c : request) {
      EXPECT_TRUE((co_await client.write_all(std::string_view(&c, 1))).ok());
    }
    std::string expected = "+OK\r\n$5\r\nvalue\r\n";
    EXPECT_EQ(co_await ReadBytes(client, expected.size()), expected);
  });
}

TEST(ServerTest, LargeValuesRoundTrip) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    std::string value(3 * 1024 * 1024 + 7, 'x');
    std::string request = absl::StrCat("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$",
                                       value.size(), "\r\n", value, "\r\n");
    // Three GETs in one batch: their replies pass the flush threshold.
    for (int i = 0; i < 3; ++i) request += "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
    std::string expected = "+OK\r\n";
    for (int i = 0; i < 3; ++i) {
      absl::StrAppend(&expected, "$", value.size(), "\r\n", value, "\r\n");
    }
    // Write and read concurrently: neither side's buffers hold it all.
    weft::JoinHandle<absl::Status> writer =
        weft::spawn([&client, request]() -> Task<absl::Status> {
          co_return co_await client.write_all(request);
        });
    // 12 MiB each way: far more time than it needs even under TSan on a
    // busy machine (the limit only keeps a hang from lasting forever).
    std::string got =
        co_await ReadBytes(client, expected.size(), std::chrono::seconds(120));
    EXPECT_TRUE((co_await writer).value().ok());
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_TRUE(got == expected);
  });
}

TEST(ServerTest, QuitRepliesThenCloses) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    EXPECT_TRUE((co_await client.write_all("QUIT\r\nPING\r\n")).ok());
    EXPECT_EQ(co_await ReadBytes(client, 5), "+OK\r\n");
    EXPECT_TRUE(co_await ReadsEof(client));
  });
}

TEST(ServerTest, ProtocolErrorClosesOnlyThatConnection) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream bad = co_await Connect(address);
    TcpStream good = co_await Connect(address);
    EXPECT_TRUE((co_await good.write_all("SET k 1\r\n")).ok());
    EXPECT_EQ(co_await ReadBytes(good, 5), "+OK\r\n");

    EXPECT_TRUE(
        (co_await bad.write_all("PING\r\n*1\r\n$abc\r\nPING\r\n")).ok());
    std::string expected =
        "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n";
    EXPECT_EQ(co_await ReadBytes(bad, expected.size()), expected);
    EXPECT_TRUE(co_await ReadsEof(bad));

    EXPECT_TRUE((co_await good.write_all("INCR k\r\n")).ok());
    EXPECT_EQ(co_await ReadBytes(good, 4), ":2\r\n");
  });
}

TEST(ServerTest, OversizedBulkIsAProtocolError) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    EXPECT_TRUE(
        (co_await client.write_all("*2\r\n$3\r\nGET\r\n$536870913\r\n")).ok());
    std::string expected = "-ERR Protocol error: invalid bulk length\r\n";
    EXPECT_EQ(co_await ReadBytes(client, expected.size()), expected);
    EXPECT_TRUE(co_await ReadsEof(client));
  });
}

// Arguments of 16 bytes: 23 on the wire, but 65 held (a std::string and a
// heap block each). The command below is 46 KB on the wire, under the 64 KB
// limit, and is refused part way because of what it holds.
TEST(ServerTest, QueryBufferLimitRepliesWithAnErrorAndClosesTheConnection) {
  ServerOptions options;
  options.limits.query_buffer_limit = 64 * 1024;
  WithServer(
      [](std::string address) -> Task<void> {
        TcpStream bad = co_await Connect(address);
        TcpStream good = co_await Connect(address);
        std::string request = "*2000\r\n";
        for (int i = 0; i < 2000; ++i) {
          absl::StrAppend(&request, "$16\r\n", std::string(16, 'a'), "\r\n");
        }
        EXPECT_LT(request.size(), 64u * 1024);
        EXPECT_TRUE((co_await bad.write_all(request)).ok());
        std::string expected =
            "-ERR Protocol error: query buffer limit of 65536 bytes "
            "exceeded\r\n";
        EXPECT_EQ(co_await ReadBytes(bad, expected.size()), expected);
        EXPECT_TRUE(co_await ReadsEof(bad));

        EXPECT_TRUE((co_await good.write_all("PING\r\n")).ok());
        EXPECT_EQ(co_await ReadBytes(good, 7), "+PONG\r\n");
      },
      options);
}

// SET k <value> holds three std::strings (SET and k fit in theirs), and the
// value with its CRLF: with a value of the limit less that, it works; one
// byte more is refused.
TEST(ServerTest, CommandJustUnderTheQueryBufferLimitWorks) {
  ServerOptions options;
  options.limits.query_buffer_limit = 256 * 1024;
  WithServer(
      [](std::string address) -> Task<void> {
        const size_t fits = 256 * 1024 - 2 - 3 * sizeof(std::string);
        std::string value(fits, 'v');
        TcpStream client = co_await Connect(address);
        EXPECT_TRUE((co_await client.write_all(absl::StrCat(
                         "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$", value.size(),
                         "\r\n", value, "\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")))
                        .ok());
        std::string expected =
            absl::StrCat("+OK\r\n$", value.size(), "\r\n", value, "\r\n");
        EXPECT_TRUE(co_await ReadBytes(client, expected.size()) == expected);

        TcpStream over = co_await Connect(address);
        EXPECT_TRUE((co_await over.write_all(absl::StrCat(
                         "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$", fits + 1, "\r\n")))
                        .ok());
        std::string refused =
            "-ERR Protocol error: query buffer limit of 262144 bytes "
            "exceeded\r\n";
        EXPECT_EQ(co_await ReadBytes(over, refused.size()), refused);
        EXPECT_TRUE(co_await ReadsEof(over));
      },
      options);
}

TEST(ServerTest, SaveWritesTheDumpOrNamesThePathItCannotWrite) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "server_save";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ServerOptions options;
  options.dump_path = (dir / "mini_redis.dump").string();
  WithServer(
      [](std::string address) -> Task<void> {
        TcpStream client = co_await Connect(address);
        EXPECT_TRUE((co_await client.write_all(
                         "SET k v\r\nRPUSH l a b\r\nSAVE\r\nGET k\r\n"))
                        .ok());
        std::string expected = "+OK\r\n:2\r\n+OK\r\n$1\r\nv\r\n";
        EXPECT_EQ(co_await ReadBytes(client, expected.size()), expected);
      },
      options);
  // A fresh store from the file has the same data.
  std::ifstream file(options.dump_path, std::ios::binary);
  std::string dump((std::istreambuf_iterator<char>(file)),
                   std::istreambuf_iterator<char>());
  Store loaded;
  ASSERT_TRUE(LoadCommands(dump, loaded, options.dump_path).ok());
  std::vector<std::string> get = {"GET", "k"};
  std::vector<std::string> lrange = {"LRANGE", "l", "0", "-1"};
  std::string reply;
  ExecuteCommand(loaded, get, reply);
  ExecuteCommand(loaded, lrange, reply);
  EXPECT_EQ(reply, "$1\r\nv\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");

  options.dump_path = (dir / "missing" / "mini_redis.dump").string();
  WithServer(
      [&options](std::string address) -> Task<void> {
        TcpStream client = co_await Connect(address);
        EXPECT_TRUE((co_await client.write_all("SAVE\r\nPING\r\n")).ok());
        std::string prefix =
            absl::StrCat("-ERR SAVE to ", options.dump_path, " failed: ");
        // The error (whose end is the file system's message), then PONG.
        std::string got = co_await ReadBytes(client, prefix.size());
        while (!got.ends_with("+PONG\r\n")) {
          std::string more = co_await ReadBytes(client, 1);
          if (more.empty()) break;
          got += more;
        }
        EXPECT_TRUE(got.starts_with(prefix)) << got;
        EXPECT_NE(got.find("No such file or directory\r\n+PONG\r\n"),
                  std::string::npos)
            << got;
      },
      options);
}

TEST(ServerTest, NonsensicalOptionsAreAnError) {
  ServerOptions zero_limit;
  zero_limit.limits.query_buffer_limit = 0;
  ServerOptions no_backoff;
  no_backoff.accept_backoff.initial = std::chrono::milliseconds(0);
  ServerOptions shrinking;
  shrinking.accept_backoff.max = std::chrono::milliseconds(1);
  for (const ServerOptions& options : {zero_limit, no_backoff, shrinking}) {
    absl::StatusOr<Server> server =
        Server::Bind("127.0.0.1:0", std::make_shared<Store>(), options);
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument)
        << server.status();
  }
}

// The next log line, or nullopt after 10 s.
Task<std::optional<std::string>> NextLine(
    weft::mpsc::Receiver<std::string>& lines) {
  auto next = co_await weft::timeout(std::chrono::seconds(10),
                                     [&]() -> Task<std::optional<std::string>> {
                                       co_return co_await lines.recv();
                                     }());
  if (!next.has_value()) co_return std::nullopt;
  co_return *next;
}

// A connection waits in the backlog while accept fails with EMFILE: the
// server retries with growing waits and logs at most one line per interval
// (the second line counts the failures it did not log), then serves the
// connection once descriptors are free again.
TEST(ServerTest, AcceptFailuresBackOffLogBoundedlyAndServingResumes) {
  // Where descriptors cannot be used up (UBSan's vptr check needs free
  // ones; Windows has no limit to lower), the policy itself is still tested
  // by accept_backoff_test.
  if (absl::Status can = CanExhaustDescriptors(); !can.ok()) {
    GTEST_SKIP() << can.message();
  }
  auto [log, lines] = weft::mpsc::channel<std::string>(1000);
  ServerOptions options;
  options.accept_backoff = {.initial = std::chrono::milliseconds(1),
                            .max = std::chrono::milliseconds(50),
                            .log_interval = std::chrono::milliseconds(200)};
  options.log = [log](std::string_view line) {
    (void)log.try_send(std::string(line));
  };
  WithServer(
      [&lines](std::string address) -> Task<void> {
        absl::StatusOr<std::unique_ptr<DescriptorExhaustion>> exhaustion =
            ExhaustDescriptors();
        EXPECT_TRUE(exhaustion.ok()) << exhaustion.status();
        if (!exhaustion.ok()) co_return;
        // Room for the client's socket only; the server's accept gets none.
        (*exhaustion)->Free(1);
        TcpStream client = co_await Connect(address);
        (*exhaustion)->Fill();

        std::optional<std::string> first = co_await NextLine(lines);
        auto first_at = std::chrono::steady_clock::now();
        EXPECT_TRUE(first.has_value());
        if (!first.has_value()) co_return;
        EXPECT_NE(first->find("accept failed: RESOURCE_EXHAUSTED"),
                  std::string::npos)
            << *first;
        EXPECT_NE(first->find("Too many open files"), std::string::npos)
            << *first;

        // Retries go on, but the next line waits for the interval and
        // counts them.
        std::optional<std::string> second = co_await NextLine(lines);
        auto between = std::chrono::steady_clock::now() - first_at;
        EXPECT_TRUE(second.has_value());
        if (!second.has_value()) co_return;
        EXPECT_GE(between, std::chrono::milliseconds(150));
        std::smatch match;
        EXPECT_TRUE(std::regex_search(
            *second, match,
            std::regex(R"(\((\d+) failed accepts since the last line)")))
            << *second;
        if (match.empty()) co_return;
        int not_logged = std::stoi(match[1]);
        EXPECT_GE(not_logged, 1);
        // Waits of 1, 2, 4, ... ms up to 50: a handful of failures in the
        // first 63 ms, then one per 50 ms; without the backoff, hundreds.
        int bound =
            8 + static_cast<int>(between / std::chrono::milliseconds(50));
        EXPECT_LE(not_logged, bound);

        exhaustion->reset();
        EXPECT_TRUE((co_await client.write_all("PING\r\n")).ok());
        EXPECT_EQ(co_await ReadBytes(client, 7), "+PONG\r\n");
        // No line for each failure: at most one more per interval passed.
        auto elapsed = std::chrono::steady_clock::now() - first_at;
        size_t more = 0;
        while (lines.try_recv().has_value()) ++more;
        EXPECT_LE(more, 1 + static_cast<size_t>(
                                elapsed / std::chrono::milliseconds(200)));
      },
      options);
}

}  // namespace
}  // namespace mini_redis
