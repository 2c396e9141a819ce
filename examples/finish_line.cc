// The JoinSet "finish line": runners with different delays cross the line in
// completion order; when one of them fails, the race is called off — every
// other runner is aborted and their cancellations are reaped.
//
//   bazel run //examples:finish_line

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "runtime/weft.h"

using namespace std::chrono_literals;

namespace {

struct Runner {
  std::string name;
  std::chrono::milliseconds time;
  bool stumbles;
};

weft::Task<std::string> Run(Runner runner) {
  co_await weft::sleep(runner.time);
  if (runner.stumbles) throw std::runtime_error(runner.name + " stumbled");
  co_return runner.name;
}

weft::Task<int> Race() {
  weft::JoinSet<std::string> runners;
  for (Runner runner :
       {Runner{"ada", 40ms, false}, Runner{"brian", 10ms, false},
        Runner{"grace", 70ms, true}, Runner{"ken", 25ms, false},
        Runner{"linus", 500ms, false}, Runner{"margaret", 900ms, false}}) {
    runners.spawn_named(runner.name, Run(runner));
  }
  int place = 0;
  while (auto finished = co_await runners.join_next()) {
    if (finished->has_value()) {
      std::printf("%d. %s\n", ++place, (**finished).c_str());
      continue;
    }
    std::printf("race called off: %s\n", finished->error().what());
    runners.abort_all();
    int cancelled = 0;
    while (auto rest = co_await runners.join_next()) {
      if (!rest->has_value() && rest->error().is_cancelled()) {
        std::printf("   %s\n", rest->error().what());
        ++cancelled;
      }
    }
    std::printf("%d runners cancelled\n", cancelled);
  }
  co_return place;
}

}  // namespace

int main() {
  absl::StatusOr<weft::Runtime> runtime =
      weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }
  int finished = runtime->block_on(Race());
  return finished == 3 ? 0 : 1;
}
