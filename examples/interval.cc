// Interval: a tick every period, with tokio's MissedTickBehavior deciding
// what happens to ticks missed while the task was busy. The runtime starts
// with a paused clock, so the example runs instantly and prints the same
// virtual times on every run.

#include <chrono>
#include <cstdio>

#include "runtime/weft.h"

using namespace std::chrono_literals;

long long MillisSince(weft::Clock::time_point start,
                      weft::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - start)
      .count();
}

int main() {
  auto runtime =
      weft::Runtime::Builder::current_thread().start_paused(true).build();
  if (!runtime.ok()) return 1;
  runtime->block_on([]() -> weft::Task<void> {
    const weft::Clock::time_point start = weft::time::now();
    weft::Interval every_100ms = weft::interval(100ms);
    for (int i = 0; i < 3; ++i) {
      weft::Clock::time_point tick = co_await every_100ms.tick();
      std::printf("tick at %lld ms\n", MillisSince(start, tick));
    }
    // Busy for 350 ms: with kSkip the missed ticks are dropped and the
    // next one keeps to the 100 ms grid.
    every_100ms.set_missed_tick_behavior(weft::MissedTickBehavior::kSkip);
    co_await weft::sleep(350ms);
    weft::Clock::time_point late = co_await every_100ms.tick();
    weft::Clock::time_point next = co_await every_100ms.tick();
    std::printf("after being busy: %lld ms, then %lld ms\n",
                MillisSince(start, late), MillisSince(start, next));
  });
}
