// Cancellation: abort() destroys the task's coroutine frame at its next
// suspension point, so every local's destructor runs, as if it returned.

#include <cstdio>

#include "runtime/weft.h"

using namespace std::chrono_literals;

// Says when it is destroyed: cleanup code in a destructor runs on abort.
struct Connection {
  ~Connection() { std::printf("connection closed by cleanup\n"); }
};

weft::Task<void> ServeForever(weft::Notify* started) {
  Connection connection;
  started->notify_one();
  co_await weft::sleep(24h);  // aborted here
  std::printf("never printed\n");
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  return runtime->block_on([]() -> weft::Task<int> {
    weft::Notify started;
    weft::JoinHandle<void> server = weft::spawn(ServeForever(&started));
    co_await started.notified();
    server.abort();
    weft::JoinResult<void> result = co_await server;
    if (result.has_value() || !result.error().is_cancelled()) co_return 1;
    std::printf("server task: %s\n", result.error().message().c_str());
    co_return 0;
  });
}
