// Metrics and the task dump: what a runtime is doing right now. A dump is
// how you find the task a hung program waits on: every live task with its
// name, where it was spawned and what it waits for.

#include <chrono>
#include <cstdio>

#include "runtime/weft.h"

int main() {
  auto runtime =
      weft::Runtime::Builder::multi_thread().worker_threads(2).build();
  if (!runtime.ok()) return 1;
  return runtime->block_on([]() -> weft::Task<int> {
    weft::Notify release;
    weft::JoinSet<void> waiters;
    for (const char* name : {"cache-refresher", "session-reaper"}) {
      waiters.spawn(
          [&release]() -> weft::Task<void> { co_await release.notified(); },
          {.name = name});
    }
    // Wait until both are parked on the Notify (not running).
    weft::Handle handle = weft::Handle::current();
    for (int polls = 0;; ++polls) {
      int waiting = 0;
      for (const weft::TaskDump& task : handle.dump().tasks) {
        if (task.state == weft::TaskState::kIdle) ++waiting;
      }
      if (waiting == 2) break;
      if (polls > 100000) co_return 1;
      co_await weft::yield_now();
    }

    weft::RuntimeMetrics metrics = handle.metrics();
    std::printf("workers: %zu\n", metrics.workers);
    std::printf("alive tasks: %zu\n", metrics.alive_tasks);
    std::printf("spawned so far: %llu\n",
                static_cast<unsigned long long>(metrics.total_spawned));
    std::printf("dump:\n%s", handle.dump().ToString().c_str());

    release.notify_waiters();
    co_await waiters.join_all();
    // A joined task is released by its worker a moment after its JoinHandle
    // learns the result (as in tokio), so wait for the count to settle.
    for (int polls = 0; handle.metrics().alive_tasks != 0; ++polls) {
      if (polls > 10000) co_return 1;
      co_await weft::sleep(std::chrono::milliseconds(1));
    }
    std::printf("alive tasks after release: %zu\n",
                handle.metrics().alive_tasks);
    co_return 0;
  });
}
