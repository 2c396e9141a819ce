// Channels: tasks that talk instead of sharing. Producers send work over a
// bounded mpsc channel (send waits while it is full: back-pressure); each
// request carries a oneshot channel for its reply.

#include <cstdio>
#include <utility>

#include "runtime/weft.h"

struct Request {
  int number;
  weft::oneshot::Sender<int> reply;
};

// Answers requests until every sender is gone.
weft::Task<void> Doubler(weft::mpsc::Receiver<Request> requests) {
  while (true) {
    std::optional<Request> request = co_await requests.recv();
    if (!request.has_value()) break;
    std::expected<void, int> replied = request->reply.send(request->number * 2);
    if (!replied.has_value()) std::printf("the asker is gone\n");
  }
  std::printf("doubler: every sender is gone, stopping\n");
}

weft::Task<int> Ask(weft::mpsc::Sender<Request> doubler, int number) {
  auto reply = weft::oneshot::channel<int>();  // {sender, receiver}
  // A named local, not a temporary inside the co_await: g++ 12 mishandles
  // temporaries with destructors there (README, "Known compiler issues").
  Request request{number, std::move(reply.first)};
  auto sent = co_await doubler.send(std::move(request));
  if (!sent.has_value()) co_return -1;
  std::expected<int, weft::oneshot::RecvError> doubled = co_await reply.second;
  co_return doubled.value_or(-2);
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  runtime->block_on([]() -> weft::Task<void> {
    auto [tx, rx] = weft::mpsc::channel<Request>(4);
    weft::JoinHandle<void> doubler = weft::spawn(Doubler(std::move(rx)));
    weft::JoinSet<int> askers;
    for (int n = 1; n <= 3; ++n) askers.spawn(Ask(tx, n));
    int total = 0;
    while (auto answer = co_await askers.join_next()) {
      if (answer->has_value()) {
        std::printf("answer: %d\n", **answer);
        total += **answer;
      }
    }
    std::printf("sum of doubled 1..3: %d\n", total);
    { auto last = std::move(tx); }  // the last sender goes: recv sees the end
    co_await doubler;
  });
}
