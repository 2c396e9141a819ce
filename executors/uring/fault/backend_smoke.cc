// The program the fault tests run: builds a multi_thread runtime with the
// backends this binary links (no backend asked for: the build-time "auto"),
// says which one runs and why, then runs a small workload through it.
//
// Output on stdout, one item per line:
//   build failed: <status>          and exit status 2, or
//   requested=<name>
//   running=<name>
//   fallback_reason=<text>          (empty when there was no fallback)
//   smoke ok                        and exit status 0, or
//   smoke failed: <what>            and exit status 1.
//
// The workload: 1000 tasks that sleep 1 ms, joined one by one; a JoinSet of
// 100 more; a spawn_blocking; a TCP echo over loopback (so the backend's
// accept, connect, send and recv are used, not only its timers and wakes).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/weft.h"

namespace {

using namespace std::chrono_literals;

weft::Task<int> SleepThenReturn(int value) {
  co_await weft::sleep(1ms);
  co_return value;
}

weft::Task<absl::Status> EchoOnce(weft::net::TcpListener listener) {
  auto accepted = co_await listener.accept();
  if (!accepted.ok()) co_return accepted.status();
  char buffer[5];
  absl::Status read =
      co_await accepted->first.read_exact(buffer, sizeof buffer);
  if (!read.ok()) co_return read;
  co_return co_await accepted->first.write_all(
      std::string_view(buffer, sizeof buffer));
}

weft::Task<std::string> TcpEcho() {
  absl::StatusOr<weft::net::TcpListener> listener =
      weft::net::TcpListener::bind("127.0.0.1:0");
  if (!listener.ok()) co_return "bind: " + listener.status().ToString();
  const weft::net::SocketAddress address = listener->local_addr();
  weft::JoinHandle<absl::Status> server =
      weft::spawn(EchoOnce(std::move(*listener)));
  auto stream = co_await weft::net::TcpStream::connect(address);
  if (!stream.ok()) co_return "connect: " + stream.status().ToString();
  absl::Status sent = co_await stream->write_all("hello");
  if (!sent.ok()) co_return "write: " + sent.ToString();
  char reply[5];
  absl::Status got = co_await stream->read_exact(reply, sizeof reply);
  if (!got.ok()) co_return "read: " + got.ToString();
  if (std::string_view(reply, sizeof reply) != "hello") co_return "bad echo";
  weft::JoinResult<absl::Status> served = co_await server;
  if (!served.has_value()) co_return "server task failed";
  if (!served->ok()) co_return "server: " + served->ToString();
  co_return "";
}

// Returns what failed, or "".
weft::Task<std::string> Workload() {
  constexpr int kSleepers = 1000;
  std::vector<weft::JoinHandle<int>> handles;
  handles.reserve(kSleepers);
  for (int i = 0; i < kSleepers; ++i) {
    handles.push_back(weft::spawn(SleepThenReturn(i)));
  }
  int64_t sum = 0;
  for (weft::JoinHandle<int>& handle : handles) {
    weft::JoinResult<int> result = co_await handle;
    if (!result.has_value()) co_return "a sleeper failed";
    sum += *result;
  }
  if (sum != int64_t{kSleepers} * (kSleepers - 1) / 2) {
    co_return "sleepers returned the wrong values";
  }

  weft::JoinSet<int> set;
  for (int i = 0; i < 100; ++i) set.spawn(SleepThenReturn(i));
  int joined = 0;
  while (auto next = co_await set.join_next()) {
    if (!next->has_value()) co_return "a JoinSet task failed";
    ++joined;
  }
  if (joined != 100) co_return "the JoinSet lost tasks";

  weft::JoinResult<int> blocking = co_await weft::spawn_blocking([] {
    std::this_thread::sleep_for(5ms);
    return 42;
  });
  if (!blocking.has_value() || *blocking != 42) {
    co_return "spawn_blocking failed";
  }

  co_return co_await TcpEcho();
}

}  // namespace

int main() {
  absl::StatusOr<weft::Runtime> runtime =
      weft::Runtime::Builder::multi_thread().worker_threads(2).build();
  if (!runtime.ok()) {
    std::printf("build failed: %s\n", runtime.status().ToString().c_str());
    return 2;
  }
  const weft::BackendInfo backend = runtime->handle().backend();
  std::printf("requested=%s\nrunning=%s\nfallback_reason=%s\n",
              backend.requested.c_str(), backend.running.c_str(),
              backend.fallback_reason.c_str());
  const std::string failure = runtime->block_on(Workload());
  if (!failure.empty()) {
    std::printf("smoke failed: %s\n", failure.c_str());
    return 1;
  }
  std::printf("smoke ok\n");
  return 0;
}
