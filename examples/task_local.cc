// TaskLocal: a value that belongs to a task (a request id for logging, say).
// It follows the task across threads and suspensions; tasks it spawns do not
// inherit it.

#include <cstdio>
#include <string>

#include "runtime/weft.h"

const weft::TaskLocal<std::string> kRequestId;

void Log(const char* message) {
  const std::string* id = kRequestId.try_get();
  std::printf("[%s] %s\n", id != nullptr ? id->c_str() : "no request", message);
}

weft::Task<void> HandleRequest() {
  Log("handling");
  co_await weft::yield_now();  // may resume on another worker: still set
  Log("done");
  weft::JoinHandle<void> background = weft::spawn([]() -> weft::Task<void> {
    Log("background work");  // a new task: not inherited
    co_return;
  });
  co_await background;
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  runtime->block_on([]() -> weft::Task<void> {
    co_await kRequestId.scope(std::string("req-7"), HandleRequest());
  });
}
