// What the tests of the server over loopback share: a server on an
// ephemeral port for the length of a test body, connecting to it, and
// reading replies with a deadline.

#ifndef WEFT_EXAMPLES_MINI_REDIS_SERVER_TEST_UTIL_H_
#define WEFT_EXAMPLES_MINI_REDIS_SERVER_TEST_UTIL_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "examples/mini_redis/server.h"
#include "examples/mini_redis/store.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace mini_redis {

// Reads until `length` bytes arrived (or EOF / error / `limit`).
inline weft::Task<std::string> ReadBytes(
    weft::net::TcpStream& stream, size_t length,
    std::chrono::seconds limit = std::chrono::seconds(10)) {
  std::string got;
  std::vector<char> buffer(64 * 1024);
  auto read_all = [&]() -> weft::Task<void> {
    while (got.size() < length) {
      absl::StatusOr<size_t> n =
          co_await stream.read(buffer.data(), buffer.size());
      if (!n.ok() || *n == 0) co_return;
      got.append(buffer.data(), *n);
    }
  };
  (void)co_await weft::timeout(limit, read_all());
  co_return got;
}

// True when the peer closes (EOF or reset) within 10 s without sending more.
inline weft::Task<bool> ReadsEof(weft::net::TcpStream& stream) {
  char byte;
  auto result = co_await weft::timeout(
      std::chrono::seconds(10), [&]() -> weft::Task<absl::StatusOr<size_t>> {
        co_return co_await stream.read(&byte, 1);
      }());
  if (!result.has_value()) co_return false;
  co_return !result->ok() || **result == 0;
}

// Starts a server on an ephemeral port, runs `body` with its address, then
// stops the server.
template <typename Body>
void WithServer(Body body, ServerOptions options = {}) {
  auto runtime =
      weft::Runtime::Builder::multi_thread().worker_threads(2).build();
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  runtime->block_on([&]() -> weft::Task<void> {
    absl::StatusOr<Server> server =
        Server::Bind("127.0.0.1:0", std::make_shared<Store>(), options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) co_return;
    std::string address = server->local_addr().ToString();
    weft::JoinHandle<void> serving = weft::spawn(server->Run());
    co_await body(address);
    serving.abort();
    (void)co_await serving;
  });
}

inline weft::Task<weft::net::TcpStream> Connect(const std::string& address) {
  absl::StatusOr<weft::net::TcpStream> stream =
      co_await weft::net::TcpStream::connect(address);
  if (!stream.ok()) throw std::runtime_error(stream.status().ToString());
  co_return *std::move(stream);
}

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_SERVER_TEST_UTIL_H_
