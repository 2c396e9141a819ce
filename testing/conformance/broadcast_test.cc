// broadcast: every receiver sees every value; laggards are told how many
// they missed; Closed after the last Sender; cancellation takes nothing.

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class BroadcastTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(BroadcastTest);

using broadcast::RecvError;

TEST_P(BroadcastTest, EveryReceiverSeesEveryValueInOrder) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = broadcast::channel<int>(16);
    std::vector<JoinHandle<std::vector<int>>> receivers;
    std::vector<broadcast::Receiver<int>> rxs;
    rxs.push_back(std::move(rx));
    for (int i = 0; i < 3; ++i) rxs.push_back(tx.subscribe());
    EXPECT_EQ(tx.receiver_count(), 4u);
    for (auto& each : rxs) {
      receivers.push_back(
          spawn([rx = std::move(each)]() mutable -> Task<std::vector<int>> {
            std::vector<int> got;
            while (true) {
              auto value = co_await rx.recv();
              if (!value.has_value()) {
                EXPECT_EQ(value.error(), RecvError::Closed());
                break;
              }
              got.push_back(*value);
            }
            co_return got;
          }));
    }
    for (int i = 0; i < 10; ++i) {
      auto sent = tx.send(i);
      EXPECT_EQ(sent.value_or(0), 4u);
      co_await yield_now();
    }
    { auto last = std::move(tx); }
    for (auto& receiver : receivers) {
      auto got = co_await receiver;
      EXPECT_EQ(got.value_or(std::vector<int>{}),
                (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    }
  });
}

TEST_P(BroadcastTest, ALaggingReceiverIsToldHowManyItMissed) {
  auto [tx, rx] = broadcast::channel<int>(2);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.send(i).has_value());
  auto lagged = rx.try_recv();
  ASSERT_FALSE(lagged.has_value());
  EXPECT_EQ(lagged.error(), RecvError::Lagged(3));
  EXPECT_EQ(rx.try_recv().value_or(-1), 3) << "continues from the oldest kept";
  EXPECT_EQ(rx.try_recv().value_or(-1), 4);
  auto empty = rx.try_recv();
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error(), RecvError::Empty());
}

TEST_P(BroadcastTest, RecvReportsLaggedThenCatchesUp) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = broadcast::channel<std::string>(4);
    for (int i = 0; i < 6; ++i) (void)tx.send(std::to_string(i));
    auto first = co_await rx.recv();
    EXPECT_FALSE(first.has_value());
    if (!first.has_value()) {
      EXPECT_EQ(first.error(), RecvError::Lagged(2));
    }
    EXPECT_EQ((co_await rx.recv()).value_or(""), "2");
  });
}

TEST_P(BroadcastTest, CapacityIsRoundedUpToAPowerOfTwo) {
  auto [tx, rx] = broadcast::channel<int>(3);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(tx.send(i).has_value());
  EXPECT_EQ(rx.try_recv().value_or(-1), 0) << "4 values fit in capacity 3->4";
  EXPECT_TRUE(tx.send(4).has_value());
  EXPECT_TRUE(tx.send(5).has_value());
  auto lagged = rx.try_recv();
  ASSERT_FALSE(lagged.has_value());
  EXPECT_EQ(lagged.error(), RecvError::Lagged(1));
}

TEST_P(BroadcastTest, SendWithoutReceiversGivesTheValueBack) {
  auto [tx, rx] = broadcast::channel<std::string>(2);
  { auto gone = std::move(rx); }
  EXPECT_EQ(tx.receiver_count(), 0u);
  auto sent = tx.send("lost?");
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().value, "lost?");
  auto late = tx.subscribe();
  EXPECT_EQ(tx.send("now").value_or(0), 1u);
  EXPECT_EQ(late.try_recv().value_or(""), "now");
}

TEST_P(BroadcastTest, SubscribersStartAtTheNextValue) {
  auto [tx, rx] = broadcast::channel<int>(8);
  EXPECT_TRUE(tx.send(1).has_value());
  auto second = rx.resubscribe();
  EXPECT_TRUE(second.is_empty());
  EXPECT_EQ(rx.len(), 1u);
  EXPECT_TRUE(tx.send(2).has_value());
  EXPECT_EQ(second.try_recv().value_or(-1), 2);
  EXPECT_EQ(rx.try_recv().value_or(-1), 1);
}

TEST_P(BroadcastTest, ValuesAreDestroyedOnceEveryReceiverTookThem) {
  std::atomic<int> drops{0};
  struct Counted {
    std::atomic<int>* drops;
    std::shared_ptr<int> token = std::make_shared<int>(0);
    ~Counted() {
      if (token.use_count() == 1) drops->fetch_add(1);
    }
  };
  auto [tx, rx] = broadcast::channel<Counted>(4);
  auto rx2 = tx.subscribe();
  EXPECT_TRUE(tx.send(Counted{&drops}).has_value());
  EXPECT_EQ(tx.len(), 1u);
  { auto copy = rx.try_recv(); }
  EXPECT_EQ(tx.len(), 1u) << "rx2 has yet to take it";
  { auto last = rx2.try_recv(); }
  EXPECT_EQ(tx.len(), 0u);
  EXPECT_EQ(drops.load(), 1);
  EXPECT_TRUE(tx.send(Counted{&drops}).has_value());
  { auto gone = std::move(rx2); }
  EXPECT_EQ(tx.len(), 1u);
  { auto gone = std::move(rx); }
  EXPECT_EQ(tx.len(), 0u)
      << "a dropped receiver releases what it had not taken";
  EXPECT_EQ(drops.load(), 2);
}

TEST_P(BroadcastTest, AbortedReceiverTakesNothingFromOthers) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = broadcast::channel<int>(4);
    auto other = tx.subscribe();
    auto waiter = spawn([rx = std::move(rx)]() mutable -> Task<void> {
      (void)co_await rx.recv();
      co_await sleep(kForever);
    });
    EXPECT_TRUE(co_await UntilWaiting(waiter.id()));
    waiter.abort();
    (void)co_await waiter;
    EXPECT_EQ(tx.send(7).value_or(0), 1u) << "the aborted receiver is gone";
    EXPECT_EQ((co_await other.recv()).value_or(-1), 7);
  });
}

TEST_P(BroadcastTest, LosingSelectBranchTakesNothing) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = broadcast::channel<int>(4);
    auto winner = co_await select(rx.recv(), sleep(1ms));
    EXPECT_EQ(winner.index(), 1u);
    EXPECT_TRUE(tx.send(3).has_value());
    EXPECT_EQ((co_await rx.recv()).value_or(-1), 3);
  });
}

TEST_P(BroadcastTest, ZeroCapacityIsAUsageError) {
  EXPECT_THROW((void)broadcast::channel<int>(0), UsageError);
}

}  // namespace
}  // namespace weft::conformance
