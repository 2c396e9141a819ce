// mpsc beyond send/recv: unbounded channels, reserve and permits,
// recv_many, blocking calls from plain threads, weak senders, close(), and
// capacity — with the cancellation cases (nothing lost, no room leaked).

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class MpscTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(MpscTest);

TEST_P(MpscTest, UnboundedSendNeverWaitsAndKeepsOrder) {
  Runtime runtime = MakeRuntime();
  std::vector<int> got = runtime.block_on([]() -> Task<std::vector<int>> {
    auto [tx, rx] = mpsc::unbounded_channel<int>();
    for (int i = 0; i < 10000; ++i) EXPECT_TRUE(tx.send(i).has_value());
    { auto last = std::move(tx); }
    std::vector<int> values;
    while (auto value = co_await rx.recv()) values.push_back(*value);
    co_return values;
  });
  ASSERT_EQ(got.size(), 10000u);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(got[i], i);
}

TEST_P(MpscTest, UnboundedManyProducersOneConsumer) {
  Runtime runtime = MakeRuntime();
  long sum = runtime.block_on([]() -> Task<long> {
    auto [tx, rx] = mpsc::unbounded_channel<int>();
    for (int p = 0; p < 8; ++p) {
      spawn([tx]() -> Task<void> {
        for (int i = 1; i <= 500; ++i) {
          EXPECT_TRUE(tx.send(i).has_value());
          if (i % 50 == 0) co_await yield_now();
        }
      });
    }
    { auto last = std::move(tx); }
    long total = 0;
    while (auto value = co_await rx.recv()) total += *value;
    co_return total;
  });
  EXPECT_EQ(sum, 8L * 500 * 501 / 2);
}

TEST_P(MpscTest, UnboundedSendToClosedReceiverReturnsTheValue) {
  auto [tx, rx] = mpsc::unbounded_channel<std::string>();
  EXPECT_FALSE(tx.is_closed());
  rx.close();
  EXPECT_TRUE(tx.is_closed());
  auto sent = tx.send("back");
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().value, "back");
}

TEST_P(MpscTest, RecvEndsAfterCloseOnceDrainedWhileSendersLive) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(4);
    EXPECT_TRUE(tx.try_send(1).has_value());
    EXPECT_TRUE(tx.try_send(2).has_value());
    rx.close();
    EXPECT_TRUE(rx.is_closed());
    EXPECT_FALSE(tx.try_send(3).has_value());
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(1));
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(2));
    // The sender is alive, but the channel is closed and drained.
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
    auto empty = rx.try_recv();
    WEFT_CO_ASSERT_TRUE(!empty.has_value());
    EXPECT_EQ(empty.error(), mpsc::TryRecvError::kDisconnected);
  });
}

TEST_P(MpscTest, CloseWakesAWaitingSenderWithItsValue) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<std::string>(1);
    EXPECT_TRUE(tx.try_send("first").has_value());
    auto sender = spawn([tx = tx]() -> Task<std::string> {
      auto sent = co_await tx.send("second");
      co_return sent.has_value() ? "sent" : sent.error().value;
    });
    EXPECT_TRUE(co_await UntilWaiting(sender.id()));
    rx.close();
    auto result = co_await sender;
    EXPECT_EQ(result.value_or(""), "second");
    EXPECT_EQ(co_await rx.recv(), std::optional<std::string>("first"));
  });
}

TEST_P(MpscTest, CapacityIsTheRoomLeft) {
  auto [tx, rx] = mpsc::channel<int>(3);
  EXPECT_EQ(tx.max_capacity(), 3u);
  EXPECT_EQ(tx.capacity(), 3u);
  EXPECT_TRUE(tx.try_send(1).has_value());
  EXPECT_EQ(tx.capacity(), 2u);
  {
    auto permit = tx.try_reserve();
    ASSERT_TRUE(permit.has_value());
    EXPECT_EQ(tx.capacity(), 1u);
  }
  EXPECT_EQ(tx.capacity(), 2u) << "a dropped permit gives its slot back";
  EXPECT_EQ(rx.len(), 1u);
  EXPECT_TRUE(rx.try_recv().has_value());
  EXPECT_EQ(tx.capacity(), 3u);
}

TEST_P(MpscTest, ReservedPermitSendsWithoutWaiting) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(1);
    auto permit = co_await tx.reserve();
    WEFT_CO_ASSERT_TRUE(permit.has_value());
    // The only slot is reserved: no other send gets in.
    auto full = tx.try_send(9);
    EXPECT_FALSE(full.has_value());
    if (!full.has_value()) {
      EXPECT_EQ(full.error().kind, mpsc::TrySendErrorKind::kFull);
    }
    permit->send(7);
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(7));
  });
}

TEST_P(MpscTest, ReserveWaitsForRoomAndFailsWhenClosed) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(1);
    EXPECT_TRUE(tx.try_send(1).has_value());
    auto reserver = spawn([tx = tx]() -> Task<bool> {
      auto permit = co_await tx.reserve();
      if (!permit.has_value()) co_return false;
      permit->send(2);
      co_return true;
    });
    EXPECT_TRUE(co_await UntilWaiting(reserver.id()));
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(1));
    EXPECT_TRUE((co_await reserver).value_or(false));
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(2));
    rx.close();
    auto closed = co_await tx.reserve();
    EXPECT_FALSE(closed.has_value());
    auto try_closed = tx.try_reserve();
    EXPECT_FALSE(try_closed.has_value());
    if (!try_closed.has_value()) {
      EXPECT_EQ(try_closed.error().kind, mpsc::TrySendErrorKind::kClosed);
    }
  });
}

TEST_P(MpscTest, RecvWaitsForAPermitHeldAcrossClose) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(2);
    auto permit = tx.try_reserve();
    WEFT_CO_ASSERT_TRUE(permit.has_value());
    rx.close();
    auto late = spawn([permit = std::move(*permit)]() mutable -> Task<void> {
      co_await sleep(1ms);
      permit.send(5);
    });
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(5));
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
    (void)co_await late;
  });
}

TEST_P(MpscTest, AbortedReserveLeaksNoRoom) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(1);
    EXPECT_TRUE(tx.try_send(1).has_value());
    auto waiting = spawn([tx = tx]() -> Task<void> {
      auto permit = co_await tx.reserve();
      co_await sleep(kForever);  // holds the permit until aborted
    });
    EXPECT_TRUE(co_await UntilWaiting(waiting.id()));
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(1));
    // The room went to the waiting reserve (it may hold a permit now).
    waiting.abort();
    (void)co_await waiting;
    EXPECT_EQ(tx.capacity(), 1u) << "the aborted task's slot came back";
    EXPECT_TRUE(tx.try_send(2).has_value());
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(2));
  });
}

// A value sent to a recv that waits on an empty queue goes straight to it;
// a recv aborted just then must not take it with it, whichever of the abort
// and the recv wins.
TEST_P(MpscTest, ARecvAbortedAsItsValueArrivesLosesNothing) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(1);
    for (int round = 0; round < 50; ++round) {
      auto receiving = spawn([&rx = rx]() -> Task<std::optional<int>> {
        co_return co_await rx.recv();
      });
      EXPECT_TRUE(co_await UntilWaiting(receiving.id()));
      EXPECT_TRUE(tx.try_send(round).has_value());
      receiving.abort();
      JoinResult<std::optional<int>> result = co_await receiving;
      std::optional<int> got;
      if (result.has_value()) {
        got = *result;  // the recv ran before the abort reached it
      } else {
        EXPECT_TRUE(result.error().is_cancelled()) << Describe(result);
        auto queued = rx.try_recv();
        if (queued.has_value()) got = *queued;
      }
      EXPECT_EQ(got, std::optional<int>(round)) << "round " << round;
      EXPECT_EQ(rx.len(), 0u);
      EXPECT_EQ(tx.capacity(), 1u);
    }
  });
}

// The room a handed-over value held is freed when recv takes it: a send
// that waits for that room proceeds without another recv.
TEST_P(MpscTest, TakingAHandedOverValueGivesItsRoomToAWaitingSend) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(1);
    for (int round = 0; round < 50; ++round) {
      auto sending = spawn([tx = tx, round]() -> Task<bool> {
        EXPECT_TRUE(tx.try_send(2 * round).has_value());
        co_return (co_await tx.send(2 * round + 1)).has_value();
      });
      EXPECT_EQ(co_await rx.recv(), std::optional<int>(2 * round));
      auto sent = co_await timeout(kPatience, sending);
      EXPECT_TRUE(sent.has_value() && sent->has_value() && **sent)
          << "the waiting send never got the room, round " << round;
      EXPECT_EQ(co_await rx.recv(), std::optional<int>(2 * round + 1));
    }
  });
}

TEST_P(MpscTest, RecvManyTakesWhatIsQueuedUpToTheLimit) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(16);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(tx.try_send(i).has_value());
    std::vector<int> buffer = {-1};
    EXPECT_EQ(co_await rx.recv_many(buffer, 4), 4u);
    EXPECT_EQ(buffer, (std::vector<int>{-1, 0, 1, 2, 3}));
    EXPECT_EQ(co_await rx.recv_many(buffer, 100), 6u);
    EXPECT_EQ(buffer.size(), 11u);
    EXPECT_EQ(co_await rx.recv_many(buffer, 0), 0u);
    auto late = spawn([tx = std::move(tx)]() -> Task<void> {
      co_await sleep(1ms);
      (void)co_await tx.send(42);
    });
    std::vector<int> more;
    EXPECT_EQ(co_await rx.recv_many(more, 8), 1u) << "waits for one value";
    EXPECT_EQ(more, (std::vector<int>{42}));
    (void)co_await late;
    EXPECT_EQ(co_await rx.recv_many(more, 8), 0u) << "0 once finished";
  });
}

TEST_P(MpscTest, BlockingSendAndRecvFromPlainThreads) {
  Runtime runtime = MakeRuntime();
  auto [tx, rx] = mpsc::channel<int>(2);
  // Unbounded: nothing reads it until block_on returns.
  auto [back_tx, back_rx] = mpsc::unbounded_channel<int>();
  std::thread producer([tx = std::move(tx)] {
    for (int i = 0; i < 200; ++i) EXPECT_TRUE(tx.blocking_send(i).has_value());
  });
  runtime.block_on([&rx, &back_tx]() -> Task<void> {
    while (auto value = co_await rx.recv()) {
      EXPECT_TRUE(back_tx.send(*value * 2).has_value());
    }
    { auto done = std::move(back_tx); }
  });
  producer.join();
  long sum = 0;
  int count = 0;
  while (auto value = back_rx.blocking_recv()) {
    sum += *value;
    ++count;
  }
  EXPECT_EQ(count, 200);
  EXPECT_EQ(sum, 2L * 199 * 200 / 2);
}

TEST_P(MpscTest, BlockingRecvWaitsForATask) {
  Runtime runtime = MakeRuntime();
  auto [tx, rx] = mpsc::unbounded_channel<std::string>();
  std::optional<std::string> got;
  std::thread consumer(
      [&got, rx = std::move(rx)]() mutable { got = rx.blocking_recv(); });
  runtime.block_on([tx = std::move(tx)]() -> Task<void> {
    co_await sleep(1ms);
    EXPECT_TRUE(tx.send("hello").has_value());
  });
  consumer.join();
  EXPECT_EQ(got, std::optional<std::string>("hello"));
}

TEST_P(MpscTest, BlockingCallsInsideATaskAreAUsageError) {
  Runtime runtime = MakeRuntime();
  std::string message = runtime.block_on([]() -> Task<std::string> {
    auto [tx, rx] = mpsc::channel<int>(1);
    try {
      (void)rx.blocking_recv();
    } catch (const UsageError& error) {
      co_return error.what();
    }
    co_return "(no UsageError)";
  });
  EXPECT_TRUE(Contains(message, "blocking_recv")) << message;
  EXPECT_TRUE(Contains(message, "co_await receiver.recv()")) << message;
}

TEST_P(MpscTest, BlockingSendWokenByCloseGetsItsValueBack) {
  auto [tx, rx] = mpsc::channel<std::string>(1);
  EXPECT_TRUE(tx.try_send("first").has_value());
  std::atomic<bool> returned{false};
  std::string back;
  std::thread sender([&, tx = tx] {
    auto sent = tx.blocking_send("second");
    if (!sent.has_value()) back = sent.error().value;
    returned.store(true);
  });
  // Whether the thread is already waiting or not, close must release it.
  rx.close();
  sender.join();
  EXPECT_TRUE(returned.load());
  EXPECT_EQ(back, "second");
}

TEST_P(MpscTest, WeakSenderDoesNotKeepTheChannelOpen) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(4);
    mpsc::WeakSender<int> weak = tx.downgrade();
    {
      auto strong = weak.upgrade();
      WEFT_CO_ASSERT_TRUE(strong.has_value());
      EXPECT_TRUE(strong->try_send(1).has_value());
    }
    { auto last = std::move(tx); }
    EXPECT_EQ(co_await rx.recv(), std::optional<int>(1));
    EXPECT_EQ(co_await rx.recv(), std::nullopt)
        << "only a weak sender is left: the channel is finished";
    EXPECT_FALSE(weak.upgrade().has_value());

    auto [utx, urx] = mpsc::unbounded_channel<int>();
    mpsc::WeakUnboundedSender<int> uweak = utx.downgrade();
    EXPECT_TRUE(uweak.upgrade().has_value());
    { auto last = std::move(utx); }
    EXPECT_FALSE(uweak.upgrade().has_value());
    EXPECT_EQ(co_await urx.recv(), std::nullopt);
  });
}

TEST_P(MpscTest, ValuesLeftInADroppedChannelAreDestroyedOnce) {
  std::atomic<int> drops{0};
  {
    auto [tx, rx] = mpsc::unbounded_channel<DropCounter>();
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(tx.send(DropCounter(&drops)).has_value());
    }
    auto permit_channel = mpsc::channel<DropCounter>(1);
    auto permit = permit_channel.first.try_reserve();
    ASSERT_TRUE(permit.has_value());
    { auto gone = std::move(permit_channel.second); }
    permit->send(DropCounter(&drops));  // receiver gone: dropped at once
    EXPECT_EQ(drops.load(), 1);
  }
  EXPECT_EQ(drops.load(), 6);
}

}  // namespace
}  // namespace weft::conformance
