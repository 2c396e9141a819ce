// LocalSet: tasks that never leave one thread, so they may share state that
// is not thread-safe (here a plain int) without any lock.

#include <cstdio>
#include <thread>

#include "runtime/weft.h"

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  weft::LocalSet local;
  int counter = 0;  // shared by the local tasks, never locked
  const std::thread::id home = std::this_thread::get_id();
  bool stayed_home = local.block_on(*runtime, [&]() -> weft::Task<bool> {
    weft::JoinSet<bool> tasks;
    for (int i = 0; i < 4; ++i) {
      tasks.spawn_local([&]() -> weft::Task<bool> {
        bool home_all_along = true;
        for (int round = 0; round < 100; ++round) {
          ++counter;
          co_await weft::yield_now();
          home_all_along &= std::this_thread::get_id() == home;
        }
        co_return home_all_along;
      });
    }
    bool all_home = true;
    while (auto done = co_await tasks.join_next()) {
      all_home &= done->value_or(false);
    }
    co_return all_home;
  });
  std::printf("counter: %d\n", counter);
  std::printf("every local task stayed on the main thread: %s\n",
              stayed_home ? "yes" : "no");
  return stayed_home ? 0 : 1;
}
