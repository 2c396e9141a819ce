// The server in-process over loopback: pipelined replies in order, input
// split at every byte, large values, QUIT, and a protocol error that closes
// its own connection only. Runs on the build's default backend.

#include "examples/mini_redis/server.h"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/store.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace mini_redis {
namespace {

using weft::Task;
using weft::net::TcpStream;

// Reads until `length` bytes arrived (or EOF / error / 10 s).
Task<std::string> ReadBytes(TcpStream& stream, size_t length) {
  std::string got;
  char buffer[4096];
  auto read_all = [&]() -> Task<void> {
    while (got.size() < length) {
      absl::StatusOr<size_t> n = co_await stream.read(buffer, sizeof(buffer));
      if (!n.ok() || *n == 0) co_return;
      got.append(buffer, *n);
    }
  };
  (void)co_await weft::timeout(std::chrono::seconds(10), read_all());
  co_return got;
}

// True when the peer closes (EOF or reset) within 10 s without sending more.
Task<bool> ReadsEof(TcpStream& stream) {
  char byte;
  auto result = co_await weft::timeout(
      std::chrono::seconds(10), [&]() -> Task<absl::StatusOr<size_t>> {
        co_return co_await stream.read(&byte, 1);
      }());
  if (!result.has_value()) co_return false;
  co_return !result->ok() || **result == 0;
}

// Starts a server on an ephemeral port, runs `body` with its address, then
// stops the server.
template <typename Body>
void WithServer(Body body) {
  auto runtime =
      weft::Runtime::Builder::multi_thread().worker_threads(2).build();
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  runtime->block_on([&]() -> Task<void> {
    absl::StatusOr<Server> server =
        Server::Bind("127.0.0.1:0", std::make_shared<Store>());
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) co_return;
    std::string address = server->local_addr().ToString();
    weft::JoinHandle<void> serving = weft::spawn(server->Run());
    co_await body(address);
    serving.abort();
    (void)co_await serving;
  });
}

Task<TcpStream> Connect(const std::string& address) {
  absl::StatusOr<TcpStream> stream = co_await TcpStream::connect(address);
  if (!stream.ok()) throw std::runtime_error(stream.status().ToString());
  co_return *std::move(stream);
}

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
    std::string got = co_await ReadBytes(client, expected.size());
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

}  // namespace
}  // namespace mini_redis
