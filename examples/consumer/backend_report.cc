// Uses weft from another Bazel workspace: runs a few tasks and says which
// backend ran them, so that choosing one on the command line
// (--@weft//executors:backend=...) can be seen to work.

#include <cstdio>

#include "runtime/weft.h"

weft::Task<int> Double(int x) {
  co_await weft::yield_now();
  co_return 2 * x;
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }
  int sum = runtime->block_on([]() -> weft::Task<int> {
    weft::JoinSet<int> set;
    for (int i = 1; i <= 4; ++i) set.spawn(Double(i));
    int total = 0;
    while (auto done = co_await set.join_next()) total += done->value_or(0);
    co_return total;
  });
  weft::BackendInfo backend = runtime->handle().backend();
  std::printf("sum: %d\n", sum);
  std::printf("backend: %s (asked for %s)\n", backend.running.c_str(),
              backend.requested.c_str());
  return sum == 20 ? 0 : 1;
}
