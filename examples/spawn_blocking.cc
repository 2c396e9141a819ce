// spawn_blocking: plain code that would stall a worker (a blocking call, a
// long computation) runs on the blocking pool; its result comes back through
// a JoinHandle like a task's.

#include <cstdint>
#include <cstdio>
#include <thread>

#include "runtime/weft.h"

// Stands for a blocking library call or CPU-heavy work.
uint64_t SumOfSquares(uint64_t n) {
  uint64_t sum = 0;
  for (uint64_t i = 1; i <= n; ++i) sum += i * i;
  return sum;
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  return runtime->block_on([]() -> weft::Task<int> {
    const std::thread::id here = std::this_thread::get_id();
    weft::JoinHandle<uint64_t> sum =
        weft::spawn_blocking([] { return SumOfSquares(1000); });
    weft::JoinHandle<bool> elsewhere = weft::spawn_blocking(
        [here] { return std::this_thread::get_id() != here; });
    weft::JoinResult<uint64_t> value = co_await sum;
    weft::JoinResult<bool> moved = co_await elsewhere;
    if (!value.has_value() || !moved.has_value()) co_return 1;
    std::printf("sum of squares to 1000: %llu\n",
                static_cast<unsigned long long>(*value));
    std::printf("ran on a pool thread: %s\n", *moved ? "yes" : "no");
    co_return 0;
  });
}
