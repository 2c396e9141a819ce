// Channels under many producers and consumers, with aborts in between.
//
// Bounded mpsc channels (capacity 1, 2 or 8), each with several producer
// tasks (awaiting send, retrying try_send, or racing send against a sleep in
// a select) and one consumer (recv to the end, recv raced against a sleep,
// close() part-way and drain, or try_recv polling); and oneshot pairs. A
// thread outside the runtime aborts some producers and consumers at random
// moments, and the test body aborts some oneshot tasks before they start.
//
// Every message is a payload object with a unique id whose constructions
// and destructions are counted, so that the accounting closes exactly:
//   created = received + returned + dropped_in_channel + unsent
// where `returned` came back to its sender in a send error, a message
// `dropped_in_channel` was sent and destroyed with its channel (its
// receiver gone), and an `unsent` one was destroyed in its sender (a send
// cancelled by a select or an abort). Every payload is destroyed exactly
// once; a received message was sent; a returned one was neither sent nor
// received; a channel whose consumer saw its end received all it was sent.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/stress/stress.h"

namespace weft::stress {
namespace {

using conformance::RuntimeTest;
using namespace std::chrono_literals;

class ChannelStressTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(ChannelStressTest);

constexpr int kRounds = 100;
constexpr int kChannelsPerRound = 12;
constexpr int kMaxProducers = 5;
constexpr int kMessagesPerProducer = 40;
constexpr int kOneshotsPerRound = 200;
constexpr int64_t kMaxMessagesPerRound =
    kChannelsPerRound * kMaxProducers * kMessagesPerProducer +
    kOneshotsPerRound;

// Where every message went.
struct Ledger {
  explicit Ledger(size_t ids)
      : destroyed(ids), sent(ids), received(ids), returned(ids) {}

  LiveCounts payloads;
  IdFlags destroyed;
  IdFlags sent;
  IdFlags received;
  IdFlags returned;
  std::atomic<int64_t> next_id{0};
  // What the parties counted themselves (checked against the flags).
  std::atomic<int64_t> sends_ok{0};
  std::atomic<int64_t> receives{0};
  std::atomic<int64_t> returns{0};
  std::atomic<int64_t> sends_lost_to_select{0};
  std::atomic<int64_t> recvs_lost_to_select{0};
  std::atomic<int64_t> try_send_full{0};
  std::atomic<int64_t> oneshot_recv_errors{0};

  void Sent(int64_t id) {
    sent.Mark(id);
    sends_ok.fetch_add(1, std::memory_order_relaxed);
  }
  void Received(int64_t id) {
    received.Mark(id);
    receives.fetch_add(1, std::memory_order_relaxed);
  }
  void Returned(int64_t id) {
    returned.Mark(id);
    returns.fetch_add(1, std::memory_order_relaxed);
  }
};

// A payload: counted when made, and when destroyed (once, by whoever holds
// it last).
class Message {
 public:
  explicit Message(Ledger* ledger)
      : guard_(&ledger->payloads, &ledger->destroyed,
               ledger->next_id.fetch_add(1)) {}
  Message(Message&&) noexcept = default;

  int64_t id() const { return guard_.id(); }

 private:
  Guard guard_;
};

// One mpsc channel's own counts.
struct Line {
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> received{0};
  std::atomic<bool> drained{false};  // the consumer saw the end
};

enum ProducerMode : int { kAwaitSend, kTrySend, kSendOrSleep, kProducerModes };
enum ConsumerMode : int {
  kRecvToEnd,
  kRecvOrSleep,
  kCloseThenDrain,
  kTryRecv,
  kConsumerModes
};

Task<int> Producer(mpsc::Sender<Message> tx, ProducerMode mode, Line* line,
                   Ledger* ledger) {
  for (int i = 0; i < kMessagesPerProducer; ++i) {
    Message message(ledger);
    const int64_t id = message.id();
    switch (mode) {
      case kAwaitSend: {
        std::expected<void, mpsc::SendError<Message>> result =
            co_await tx.send(std::move(message));
        if (!result.has_value()) {
          ledger->Returned(result.error().value.id());
          co_return i;
        }
        break;
      }
      case kTrySend: {
        // A full channel hands the message back; try again with it.
        std::optional<Message> pending(std::move(message));
        while (true) {
          std::expected<void, mpsc::TrySendError<Message>> result =
              tx.try_send(std::move(*pending));
          pending.reset();
          if (result.has_value()) break;
          if (result.error().kind == mpsc::TrySendErrorKind::kClosed) {
            ledger->Returned(result.error().value.id());
            co_return i;
          }
          ledger->try_send_full.fetch_add(1, std::memory_order_relaxed);
          pending.emplace(std::move(result.error().value));
          co_await yield_now();
        }
        break;
      }
      case kSendOrSleep: {
        auto outcome =
            co_await select(tx.send(std::move(message)),
                            sleep(std::chrono::microseconds(50 * (i % 5))));
        if (outcome.index() == 1) {
          // The send was cancelled: the message was not sent (and was
          // destroyed with the send).
          ledger->sends_lost_to_select.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        auto& result = std::get<0>(outcome);
        if (!result.has_value()) {
          ledger->Returned(result.error().value.id());
          co_return i;
        }
        break;
      }
      default:
        ADD_FAILURE() << "unknown producer mode " << mode;
    }
    ledger->Sent(id);
    line->sent.fetch_add(1, std::memory_order_relaxed);
  }
  co_return kMessagesPerProducer;
}

Task<int> Consumer(mpsc::Receiver<Message> rx, ConsumerMode mode,
                   int close_after, Line* line, Ledger* ledger) {
  int received = 0;
  auto take = [&](const Message& message) {
    ledger->Received(message.id());
    line->received.fetch_add(1, std::memory_order_relaxed);
    ++received;
  };
  while (true) {
    if (mode == kCloseThenDrain && received == close_after) rx.close();
    if (mode == kTryRecv) {
      std::expected<Message, mpsc::TryRecvError> next = rx.try_recv();
      if (next.has_value()) {
        take(*next);
        continue;
      }
      if (next.error() == mpsc::TryRecvError::kDisconnected) break;
      co_await yield_now();
      continue;
    }
    if (mode == kRecvOrSleep) {
      auto outcome = co_await select(
          rx.recv(), sleep(std::chrono::microseconds(20 * (received % 7))));
      if (outcome.index() == 1) {
        ledger->recvs_lost_to_select.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      std::optional<Message>& next = std::get<0>(outcome);
      if (!next.has_value()) break;
      take(*next);
      continue;
    }
    std::optional<Message> next = co_await rx.recv();
    if (!next.has_value()) break;
    take(*next);
  }
  line->drained.store(true);
  co_return received;
}

Task<int> OneshotSender(oneshot::Sender<Message> tx, bool yield_first,
                        Ledger* ledger) {
  Message message(ledger);
  if (yield_first) co_await yield_now();
  const int64_t id = message.id();
  std::expected<void, Message> result = tx.send(std::move(message));
  if (result.has_value()) {
    ledger->Sent(id);
  } else {
    ledger->Returned(result.error().id());
  }
  co_return 1;
}

Task<int> OneshotReceiver(oneshot::Receiver<Message> rx, bool yield_first,
                          Ledger* ledger) {
  if (yield_first) co_await yield_now();
  std::expected<Message, oneshot::RecvError> value = co_await rx;
  if (value.has_value()) {
    ledger->Received(value->id());
  } else {
    ledger->oneshot_recv_errors.fetch_add(1, std::memory_order_relaxed);
  }
  co_return 1;
}

TEST_P(ChannelStressTest, EveryMessageIsReceivedReturnedOrDroppedExactlyOnce) {
  const int rounds = Scaled(kRounds);
  Ledger ledger(static_cast<size_t>(rounds * kMaxMessagesPerRound));
  std::mt19937_64 rng(Seed() ^ (multi_thread() ? 1 : 0));
  Outcomes outcomes;
  int64_t tasks = 0;
  int64_t drained_lines = 0;
  int64_t undrained_lines = 0;
  int64_t aborts_inside = 0;
  std::atomic<int64_t> aborts_outside{0};
  Runtime rt = MakeRuntime();
  Watchdog watchdog(
      "ChannelStressTest", kWatchdogLimit,
      [handle = rt.handle()] { return handle.dump().ToString(); });

  std::mutex mu;
  std::vector<AbortHandle> victims;  // guarded by mu
  std::atomic<bool> stop{false};
  std::thread aborter([&, seed = Seed() + 7] {
    std::mt19937_64 rng(seed);
    while (!stop.load(std::memory_order_relaxed)) {
      std::optional<AbortHandle> victim;
      {
        std::lock_guard lock(mu);
        if (!victims.empty()) {
          const size_t index = rng() % victims.size();
          victim.emplace(std::move(victims[index]));
          victims[index] = std::move(victims.back());
          victims.pop_back();
        }
      }
      if (victim.has_value()) {
        victim->abort();
        aborts_outside.fetch_add(1, std::memory_order_relaxed);
      }
      std::this_thread::yield();
    }
  });

  for (int round = 0; round < rounds && !HasFailure(); ++round) {
    std::vector<std::unique_ptr<Line>> lines;
    rt.block_on([&]() -> Task<void> {
      std::vector<JoinHandle<int>> handles;
      auto expose = [&](const JoinHandle<int>& handle) {
        std::lock_guard lock(mu);
        victims.push_back(handle.abort_handle());
      };
      for (int c = 0; c < kChannelsPerRound; ++c) {
        static constexpr size_t kCapacities[] = {1, 2, 8};
        auto [tx, rx] = mpsc::channel<Message>(kCapacities[rng() % 3]);
        lines.push_back(std::make_unique<Line>());
        Line* line = lines.back().get();
        const auto consumer_mode =
            static_cast<ConsumerMode>(rng() % kConsumerModes);
        handles.push_back(
            spawn(Consumer(std::move(rx), consumer_mode,
                           static_cast<int>(rng() % 40), line, &ledger)));
        // A quarter of the consumers may be aborted from outside.
        if (rng() % 4 == 0) expose(handles.back());
        const int producers = 2 + static_cast<int>(rng() % (kMaxProducers - 1));
        for (int p = 0; p < producers; ++p) {
          handles.push_back(spawn(
              Producer(tx, static_cast<ProducerMode>(rng() % kProducerModes),
                       line, &ledger)));
          if (rng() % 4 == 0) expose(handles.back());
        }
        // `tx` goes here: the producers hold the only Senders left.
      }
      for (int o = 0; o < kOneshotsPerRound; ++o) {
        auto [tx, rx] = oneshot::channel<Message>();
        JoinHandle<int> sender =
            spawn(OneshotSender(std::move(tx), rng() % 2 == 0, &ledger));
        JoinHandle<int> receiver =
            spawn(OneshotReceiver(std::move(rx), rng() % 2 == 0, &ledger));
        switch (rng() % 8) {
          case 0:
            sender.abort();
            ++aborts_inside;
            break;
          case 1:
            receiver.abort();
            ++aborts_inside;
            break;
          case 2:
            expose(sender);
            expose(receiver);
            break;
          default:
            break;
        }
        handles.push_back(std::move(sender));
        handles.push_back(std::move(receiver));
        if (o % 16 == 0) co_await yield_now();
      }
      for (JoinHandle<int>& handle : handles) {
        co_await AwaitOnce(handle, &outcomes);
      }
      tasks += static_cast<int64_t>(handles.size());
    });
    {
      std::lock_guard lock(mu);
      victims.clear();
    }
    // Every task of the round is done, so every channel is gone: each
    // payload has been destroyed, and a line whose consumer saw the end
    // received everything that was sent on it.
    EXPECT_EQ(ledger.payloads.live(), 0) << "round " << round;
    for (const std::unique_ptr<Line>& line : lines) {
      if (line->drained.load()) {
        ++drained_lines;
        EXPECT_EQ(line->received.load(), line->sent.load())
            << "round " << round;
      } else {
        ++undrained_lines;
        EXPECT_LE(line->received.load(), line->sent.load());
      }
    }
  }
  stop.store(true);
  aborter.join();

  const int64_t created = ledger.next_id.load();
  int64_t received = 0;
  int64_t returned = 0;
  int64_t dropped_in_channel = 0;
  int64_t unsent = 0;
  int64_t received_unsent = 0;
  int64_t returned_and_sent = 0;
  for (int64_t id = 0; id < created; ++id) {
    const bool was_sent = ledger.sent.IsMarked(id);
    const bool was_received = ledger.received.IsMarked(id);
    const bool was_returned = ledger.returned.IsMarked(id);
    if (was_received && !was_sent) ++received_unsent;
    if (was_returned && (was_sent || was_received)) ++returned_and_sent;
    if (was_received) {
      ++received;
    } else if (was_returned) {
      ++returned;
    } else if (was_sent) {
      ++dropped_in_channel;
    } else {
      ++unsent;
    }
  }
  EXPECT_EQ(received_unsent, 0) << "messages received that were never sent";
  EXPECT_EQ(returned_and_sent, 0)
      << "messages returned to a sender that were also sent or received";
  EXPECT_EQ(created, received + returned + dropped_in_channel + unsent);
  EXPECT_EQ(ledger.sends_ok.load(), ledger.sent.marked());
  EXPECT_EQ(ledger.receives.load(), ledger.received.marked());
  EXPECT_EQ(ledger.returns.load(), ledger.returned.marked());
  EXPECT_EQ(ledger.sent.duplicates() + ledger.received.duplicates() +
                ledger.returned.duplicates(),
            0);
  EXPECT_EQ(ledger.payloads.constructed.load(), created);
  EXPECT_EQ(ledger.payloads.destroyed.load(), created);
  EXPECT_EQ(ledger.destroyed.marked(), created)
      << "first payload never destroyed: " << ledger.destroyed.FirstUnmarked();
  EXPECT_EQ(ledger.destroyed.duplicates(), 0);
  EXPECT_EQ(ledger.destroyed.out_of_range(), 0);
  EXPECT_EQ(outcomes.resolved(), tasks);
  EXPECT_EQ(outcomes.panics, 0);
  EXPECT_EQ(outcomes.second_await_not_usage_error, 0);
  Report({{"seed", static_cast<int64_t>(Seed())},
          {"rounds", rounds},
          {"tasks", tasks},
          {"cancelled_tasks", outcomes.cancelled},
          {"aborts_outside", aborts_outside.load()},
          {"aborts_inside", aborts_inside},
          {"messages", created},
          {"sent", ledger.sent.marked()},
          {"received", received},
          {"returned", returned},
          {"dropped_in_channel", dropped_in_channel},
          {"unsent", unsent},
          {"destroyed", ledger.payloads.destroyed.load()},
          {"sends_lost_to_select", ledger.sends_lost_to_select.load()},
          {"recvs_lost_to_select", ledger.recvs_lost_to_select.load()},
          {"try_send_full", ledger.try_send_full.load()},
          {"oneshot_recv_errors", ledger.oneshot_recv_errors.load()},
          {"lines_drained", drained_lines},
          {"lines_not_drained", undrained_lines}});
}

}  // namespace
}  // namespace weft::stress
