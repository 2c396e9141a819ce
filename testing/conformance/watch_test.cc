// watch channels: the latest value, seen by many receivers; changed() and
// its cancellation, the Sender going away, send with no receiver, closed().

#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class WatchTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(WatchTest);

TEST_P(WatchTest, ChangedWaitsForANewValueAndBorrowReadsIt) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<std::string>("initial");
    EXPECT_EQ(rx.borrow(), "initial");
    EXPECT_EQ(rx.has_changed(), false) << "the initial value counts as seen";

    watch::Receiver<std::string> watcher = rx;
    JoinHandle<std::string> waiter =
        spawn([watcher = std::move(watcher)]() mutable -> Task<std::string> {
          auto changed = co_await watcher.changed();
          EXPECT_TRUE(changed.has_value());
          co_return watcher.borrow_and_update();
        });
    bool waiting = co_await UntilWaiting(waiter.id());
    EXPECT_TRUE(waiting);
    EXPECT_TRUE(tx.send("second").has_value());
    JoinResult<std::string> seen = co_await waiter;
    EXPECT_EQ(seen.value_or("?"), "second");

    // The original receiver has not seen it yet; after borrow_and_update it
    // has, and changed() waits again.
    EXPECT_EQ(rx.has_changed(), true);
    EXPECT_EQ(rx.borrow_and_update(), "second");
    EXPECT_EQ(rx.has_changed(), false);
  });
}

TEST_P(WatchTest, AReceiverGetsTheLatestValueNotEveryValue) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<int>(0);
    for (int i = 1; i <= 5; ++i) EXPECT_TRUE(tx.send(i).has_value());
    auto changed = co_await rx.changed();
    EXPECT_TRUE(changed.has_value());
    EXPECT_EQ(rx.borrow(), 5);
    EXPECT_EQ(rx.has_changed(), false) << "changed() marks the value seen";
  });
}

TEST_P(WatchTest, OneSendWakesEveryWaitingReceiver) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<int>(0);
    constexpr int kReceivers = 8;
    JoinSet<int> set;
    std::vector<TaskId> ids;
    for (int i = 0; i < kReceivers; ++i) {
      watch::Receiver<int> mine = rx;
      AbortHandle handle =
          set.spawn([mine = std::move(mine)]() mutable -> Task<int> {
            auto changed = co_await mine.changed();
            co_return changed.has_value() ? mine.borrow() : -1;
          });
      ids.push_back(handle.id());
    }
    bool waiting = co_await UntilWaiting(ids);
    EXPECT_TRUE(waiting);
    EXPECT_TRUE(tx.send(42).has_value());
    int woken = 0;
    while (auto result = co_await set.join_next()) {
      EXPECT_EQ(result->value_or(0), 42);
      ++woken;
    }
    EXPECT_EQ(woken, kReceivers);
  });
}

TEST_P(WatchTest, DroppingTheSenderEndsChangedAfterTheLastValue) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<int>(1);
    EXPECT_TRUE(tx.send(2).has_value());
    { watch::Sender<int> gone = std::move(tx); }
    auto first = co_await rx.changed();
    EXPECT_TRUE(first.has_value()) << "the unseen value comes first";
    EXPECT_EQ(rx.borrow(), 2);
    auto second = co_await rx.changed();
    EXPECT_FALSE(second.has_value());
    EXPECT_FALSE(rx.has_changed().has_value());
    // A waiter already waiting when the Sender goes is woken with the error.
    auto [tx2, rx2] = watch::channel<int>(0);
    JoinHandle<bool> waiter =
        spawn([rx2 = std::move(rx2)]() mutable -> Task<bool> {
          auto changed = co_await rx2.changed();
          co_return changed.has_value();
        });
    bool waiting = co_await UntilWaiting(waiter.id());
    EXPECT_TRUE(waiting);
    { watch::Sender<int> gone = std::move(tx2); }
    JoinResult<bool> woke_with_value = co_await waiter;
    EXPECT_EQ(woke_with_value.value_or(true), false);
  });
}

TEST_P(WatchTest, SendWithoutReceiversGivesTheValueBack) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<std::string>("a");
    EXPECT_EQ(tx.receiver_count(), 1u);
    { watch::Receiver<std::string> gone = std::move(rx); }
    EXPECT_TRUE(tx.is_closed());
    auto refused = tx.send("b");
    EXPECT_FALSE(refused.has_value());
    if (!refused.has_value()) {
      EXPECT_EQ(refused.error().value, "b");
    }
    EXPECT_EQ(tx.borrow(), "a");
    // send_replace and send_modify work without receivers.
    EXPECT_EQ(tx.send_replace("c"), "a");
    tx.send_modify([](std::string& value) { value += "!"; });
    EXPECT_EQ(tx.borrow(), "c!");
    // A new subscriber has seen the current value.
    watch::Receiver<std::string> late = tx.subscribe();
    EXPECT_EQ(late.has_changed(), false);
    EXPECT_EQ(late.borrow(), "c!");
    EXPECT_FALSE(tx.send_if_modified([](std::string&) { return false; }));
    EXPECT_EQ(late.has_changed(), false)
        << "send_if_modified returning false notifies nobody";
    co_return;
  });
}

TEST_P(WatchTest, ClosedCompletesWhenEveryReceiverIsGone) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<int>(0);
    std::optional<watch::Receiver<int>> copy(rx);
    std::atomic<bool> closed{false};
    JoinHandle<void> watcher = spawn([&]() -> Task<void> {
      co_await tx.closed();
      closed.store(true);
    });
    bool waiting = co_await UntilWaiting(watcher.id());
    EXPECT_TRUE(waiting);
    { watch::Receiver<int> gone = std::move(rx); }
    co_await yield_now();
    EXPECT_FALSE(closed.load()) << "a copy of the receiver is still alive";
    copy.reset();
    co_await watcher;
    EXPECT_TRUE(closed.load());
  });
}

TEST_P(WatchTest, AnAbortedWaiterTakesNothingFromTheOthers) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<int>(0);
    watch::Receiver<int> doomed_rx = rx;
    watch::Receiver<int> kept_rx = rx;
    JoinHandle<void> doomed =
        spawn([r = std::move(doomed_rx)]() mutable -> Task<void> {
          co_await r.changed();
        });
    JoinHandle<int> kept =
        spawn([r = std::move(kept_rx)]() mutable -> Task<int> {
          auto changed = co_await r.changed();
          co_return changed.has_value() ? r.borrow() : -1;
        });
    std::vector<TaskId> ids = {doomed.id(), kept.id()};
    bool waiting = co_await UntilWaiting(ids);
    EXPECT_TRUE(waiting);
    doomed.abort();
    JoinResult<void> aborted = co_await doomed;
    EXPECT_TRUE(!aborted.has_value() && aborted.error().is_cancelled());
    EXPECT_TRUE(tx.send(7).has_value());
    JoinResult<int> got = co_await kept;
    EXPECT_EQ(got.value_or(0), 7);
    EXPECT_EQ(tx.receiver_count(), 1u) << "the aborted task's receiver is gone";
  });
}

TEST_P(WatchTest, ChangedLosingASelectLosesNothing) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<int>(0);
    auto first = co_await select_biased(rx.changed(), sleep(1ms));
    EXPECT_EQ(first.index(), 1u) << "nothing was sent";
    EXPECT_TRUE(tx.send(3).has_value());
    auto second = co_await rx.changed();
    EXPECT_TRUE(second.has_value());
    EXPECT_EQ(rx.borrow(), 3);
  });
}

TEST_P(WatchTest, WaitForChecksTheCurrentValueThenEachNewOne) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = watch::channel<int>(10);
    auto at_once = co_await rx.wait_for([](const int& v) { return v >= 10; });
    EXPECT_EQ(at_once.value_or(-1), 10);
    JoinHandle<void> counter =
        spawn([tx = std::move(tx)]() mutable -> Task<void> {
          for (int i = 11; i <= 20; ++i) {
            EXPECT_TRUE(tx.send(i).has_value());
            co_await yield_now();
          }
        });
    auto reached = co_await rx.wait_for([](const int& v) { return v >= 15; });
    EXPECT_GE(reached.value_or(-1), 15);
    co_await counter;
    auto never = co_await rx.wait_for([](const int& v) { return v > 100; });
    EXPECT_FALSE(never.has_value()) << "the Sender is gone";
  });
}

TEST_P(WatchTest, MovedFromEndsSayWhatToDo) {
  auto [tx, rx] = watch::channel<int>(0);
  watch::Sender<int> moved_tx = std::move(tx);
  watch::Receiver<int> moved_rx = std::move(rx);
  try {
    (void)tx.send(1);
    ADD_FAILURE() << "send on a moved-from Sender";
  } catch (const UsageError& e) {
    EXPECT_TRUE(Contains(e.what(), "moved-from Sender")) << e.what();
  }
  try {
    (void)rx.borrow();
    ADD_FAILURE() << "borrow on a moved-from Receiver";
  } catch (const UsageError& e) {
    EXPECT_TRUE(Contains(e.what(), "moved-from Receiver")) << e.what();
  }
}

}  // namespace
}  // namespace weft::conformance
