// The README's example, kept compiling and running.

#include <cstdio>

#include "runtime/weft.h"

using namespace std::chrono_literals;

weft::Task<int> Work(int id) {
  co_await weft::sleep(std::chrono::milliseconds(10 * (3 - id)));
  co_return id;
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  runtime->block_on([]() -> weft::Task<void> {
    weft::JoinSet<int> set;
    for (int id = 0; id < 3; ++id) set.spawn(Work(id));
    while (auto done = co_await set.join_next()) {  // completion order: 2 1 0
      std::printf("task %d finished\n", **done);
    }
  });
}
