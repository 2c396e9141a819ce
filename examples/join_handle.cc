// JoinHandle: a spawned task's result comes back through its handle as
// std::expected<T, JoinError>; an exception escaping the task is a "panic"
// that ends that task only.

#include <cstdio>
#include <stdexcept>

#include "runtime/weft.h"

weft::Task<int> Square(int x) {
  co_await weft::yield_now();  // a suspension point, as real work has
  co_return x* x;
}

weft::Task<int> GiveUp() {
  throw std::runtime_error("no luck today");
  co_return 0;
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  return runtime->block_on([]() -> weft::Task<int> {
    weft::JoinHandle<int> square = weft::spawn(Square(7));
    weft::JoinResult<int> result = co_await square;
    if (!result.has_value()) co_return 1;
    std::printf("square of 7: %d\n", *result);

    // The name shows up in the error message (and in task dumps).
    weft::JoinHandle<int> failing = weft::spawn(GiveUp(), {.name = "give-up"});
    weft::JoinResult<int> failed = co_await failing;
    if (failed.has_value() || !failed.error().is_panic()) co_return 1;
    std::printf("%s\n", failed.error().message().c_str());

    // Dropping a handle detaches the task: it still runs to the end.
    weft::Notify done;
    {
      weft::JoinHandle<void> detached = weft::spawn([&]() -> weft::Task<void> {
        done.notify_one();
        co_return;
      });
    }
    co_await done.notified();
    std::printf("the detached task ran\n");
    co_return 0;
  });
}
