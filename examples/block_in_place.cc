// block_in_place: run blocking code right here, in the task, when it needs
// the task's locals. On a multi_thread runtime the worker's other tasks move
// to another thread first, so they keep running meanwhile.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "runtime/weft.h"

using namespace std::chrono_literals;

int main() {
  auto runtime =
      weft::Runtime::Builder::multi_thread().worker_threads(2).build();
  if (!runtime.ok()) return 1;
  return runtime->block_on([]() -> weft::Task<int> {
    std::atomic<bool> blocking{true};
    std::atomic<int> ticks_while_blocked{0};
    weft::JoinHandle<void> ticker = weft::spawn([&]() -> weft::Task<void> {
      while (blocking.load()) {
        ticks_while_blocked.fetch_add(1);
        co_await weft::sleep(1ms);
      }
    });
    weft::JoinHandle<int> worker = weft::spawn([&]() -> weft::Task<int> {
      int local_result = 0;  // the blocking code writes the task's local
      weft::block_in_place([&] {
        // Blocks this thread until the ticker has run a few times.
        while (ticks_while_blocked.load() < 5) std::this_thread::sleep_for(1ms);
        local_result = 42;
      });
      blocking.store(false);
      co_return local_result;
    });
    weft::JoinResult<int> result = co_await worker;
    co_await ticker;
    if (!result.has_value()) co_return 1;
    std::printf("blocking code wrote %d into a local of the task\n", *result);
    std::printf("other tasks kept running meanwhile: yes\n");
    co_return 0;
  });
}
