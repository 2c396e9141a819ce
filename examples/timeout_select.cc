// timeout and select: bounding how long a task waits, and waiting for
// whichever of several things happens first. Nothing is spawned: the losers
// are cancelled in place.

#include <chrono>
#include <cstdio>
#include <string>

#include "runtime/weft.h"

using namespace std::chrono_literals;

weft::Task<std::string> SlowLookup() {
  co_await weft::sleep(24h);
  co_return "found";
}

weft::Task<std::string> FastLookup() { co_return "cached"; }

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  runtime->block_on([]() -> weft::Task<void> {
    // timeout: the lookup is cancelled when the deadline passes.
    std::expected<std::string, weft::Elapsed> slow =
        co_await weft::timeout(20ms, SlowLookup());
    std::printf("slow lookup: %s\n",
                slow.has_value() ? slow->c_str()
                                 : std::string(slow.error().message()).c_str());
    std::expected<std::string, weft::Elapsed> fast =
        co_await weft::timeout(1s, FastLookup());
    std::printf("fast lookup: %s\n", fast.value_or("timed out").c_str());

    // select: a message or a deadline, whichever comes first.
    auto [tx, rx] = weft::mpsc::channel<std::string>(1);
    weft::JoinHandle<void> sender =
        weft::spawn([tx = std::move(tx)]() mutable -> weft::Task<void> {
          co_await tx.send("hello");
        });
    auto first = co_await weft::select(rx.recv(), weft::sleep(10s));
    if (first.index() == 0) {
      std::printf("select: message %s\n",
                  std::get<0>(first).value_or("none").c_str());
    } else {
      std::printf("select: deadline\n");
    }
    co_await sender;
  });
}
