// JoinSet: many tasks, their results in the order they finish. Destroying
// the set aborts whatever is left, so no task outlives the function that
// owns the set.

#include <chrono>
#include <cstdio>
#include <vector>

#include "runtime/weft.h"

using namespace std::chrono_literals;

weft::Task<int> Download(int id) {
  co_await weft::sleep(10ms * (4 - id));  // the last one started finishes first
  co_return id;
}

int main() {
  // A paused clock (current_thread only) advances straight to the next
  // timer, so the order below is the same on any machine, however loaded.
  auto runtime =
      weft::Runtime::Builder::current_thread().start_paused(true).build();
  if (!runtime.ok()) return 1;
  runtime->block_on([]() -> weft::Task<void> {
    weft::JoinSet<int> set;
    for (int id = 1; id <= 3; ++id) set.spawn(Download(id));
    while (auto done = co_await set.join_next()) {
      if (done->has_value()) std::printf("download %d finished\n", **done);
    }

    // join_all: every result at once (a panic is rethrown here).
    for (int id = 1; id <= 3; ++id) set.spawn(Download(id));
    std::vector<int> all = co_await set.join_all();
    std::printf("join_all gave %zu results\n", all.size());
  });
}
