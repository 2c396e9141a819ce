// Channels and locks: oneshot, mpsc, Notify, Semaphore, Mutex — ordering,
// closing, back-pressure, fairness, and waiters that are aborted.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class SyncTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(SyncTest);

TEST_P(SyncTest, OneshotDeliversAcrossTasks) {
  Runtime runtime = MakeRuntime();
  int got = runtime.block_on([]() -> Task<int> {
    auto [tx, rx] = oneshot::channel<int>();
    spawn([tx = std::move(tx)]() mutable -> Task<void> {
      co_await sleep(1ms);
      EXPECT_TRUE(tx.send(7).has_value());
    });
    auto value = co_await rx;
    co_return value.value_or(-1);
  });
  EXPECT_EQ(got, 7);
}

TEST_P(SyncTest, OneshotSenderDroppedIsAnError) {
  Runtime runtime = MakeRuntime();
  bool error = runtime.block_on([]() -> Task<bool> {
    auto [tx, rx] = oneshot::channel<std::string>();
    spawn([tx = std::move(tx)]() mutable -> Task<void> { co_return; });
    auto value = co_await rx;
    co_return !value.has_value();
  });
  EXPECT_TRUE(error);
}

TEST_P(SyncTest, OneshotSendToDroppedReceiverReturnsTheValue) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = oneshot::channel<std::string>();
    { auto dropped = std::move(rx); }
    EXPECT_TRUE(tx.is_closed());
    auto sent = tx.send("back");
    EXPECT_FALSE(sent.has_value());
    if (!sent.has_value()) {
      EXPECT_EQ(sent.error(), "back");
    }
    co_return;
  });
}

TEST_P(SyncTest, OneshotValueSentToAbortedReceiverIsDroppedOnce) {
  Runtime runtime = MakeRuntime();
  std::atomic<int> drops{0};
  runtime.block_on([&drops]() -> Task<void> {
    auto [tx, rx] = oneshot::channel<DropCounter>();
    auto receiver = spawn([rx = std::move(rx)]() mutable -> Task<void> {
      co_await sleep(kForever);
      (void)co_await rx;
    });
    co_await sleep(1ms);
    EXPECT_TRUE(tx.send(DropCounter(&drops)).has_value());
    receiver.abort();
    (void)co_await receiver;
  });
  EXPECT_EQ(drops.load(), 1);
}

// Misuse names the call and the remedy.
TEST_P(SyncTest, MisusedChannelsSayWhatToDo) {
  auto usage_error_of = [](auto&& misuse) -> std::string {
    try {
      misuse();
    } catch (const UsageError& error) {
      return error.what();
    }
    return "(no UsageError)";
  };
  auto [tx, rx] = mpsc::channel<int>(1);
  mpsc::Sender<int> moved_tx = std::move(tx);
  mpsc::Receiver<int> moved_rx = std::move(rx);
  EXPECT_TRUE(Contains(usage_error_of([&] { (void)tx.try_send(1); }),
                       "copy a Sender to have two"));
  EXPECT_TRUE(Contains(usage_error_of([&] { (void)rx.try_recv(); }),
                       "receive through the Receiver it was moved into"));
  auto [once, once_rx] = oneshot::channel<int>();
  (void)once.send(1);
  EXPECT_TRUE(Contains(usage_error_of([&] { (void)once.send(2); }),
                       "use an mpsc channel for several"));
}

TEST_P(SyncTest, MpscKeepsOrderPerSender) {
  Runtime runtime = MakeRuntime();
  std::vector<int> got = runtime.block_on([]() -> Task<std::vector<int>> {
    auto [tx, rx] = mpsc::channel<int>(4);
    spawn([tx = std::move(tx)]() -> Task<void> {
      for (int i = 0; i < 100; ++i) {
        auto sent = co_await tx.send(i);
        EXPECT_TRUE(sent.has_value());
      }
    });
    std::vector<int> values;
    while (auto value = co_await rx.recv()) values.push_back(*value);
    co_return values;
  });
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[i], i);
}

TEST_P(SyncTest, MpscRecvEndsWhenAllSendersAreGone) {
  Runtime runtime = MakeRuntime();
  int count = runtime.block_on([]() -> Task<int> {
    auto [tx, rx] = mpsc::channel<int>(8);
    for (int s = 0; s < 3; ++s) {
      spawn([tx]() -> Task<void> {
        for (int i = 0; i < 10; ++i) (void)co_await tx.send(i);
      });
    }
    { auto last = std::move(tx); }
    int received = 0;
    while (co_await rx.recv()) ++received;
    co_return received;
  });
  EXPECT_EQ(count, 30);
}

TEST_P(SyncTest, MpscSendWaitsForRoom) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(2);
    std::atomic<int> sent{0};
    auto producer = spawn([tx = std::move(tx), &sent]() -> Task<void> {
      for (int i = 0; i < 5; ++i) {
        (void)co_await tx.send(i);
        sent.fetch_add(1);
      }
    });
    EXPECT_TRUE(co_await Eventually([&] { return sent.load() == 2; }));
    co_await sleep(5ms);
    EXPECT_EQ(sent.load(), 2) << "send must wait while the channel is full";
    EXPECT_EQ(*co_await rx.recv(), 0);
    EXPECT_TRUE(co_await Eventually([&] { return sent.load() == 3; }));
    while (co_await rx.recv()) {
    }
    EXPECT_TRUE((co_await producer).has_value());
  });
}

TEST_P(SyncTest, MpscTrySendAndTryRecv) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(1);
    EXPECT_EQ(rx.try_recv().error(), mpsc::TryRecvError::kEmpty);
    EXPECT_TRUE(tx.try_send(1).has_value());
    auto full = tx.try_send(2);
    EXPECT_FALSE(full.has_value());
    if (!full.has_value()) {
      EXPECT_EQ(full.error().kind, mpsc::TrySendErrorKind::kFull);
      EXPECT_EQ(full.error().value, 2);
    }
    EXPECT_EQ(rx.try_recv().value_or(-1), 1);
    { auto gone = std::move(tx); }
    EXPECT_EQ(rx.try_recv().error(), mpsc::TryRecvError::kDisconnected);
    co_return;
  });
}

TEST_P(SyncTest, MpscSendToClosedReceiverReturnsTheValue) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<std::string>(1);
    rx.close();
    EXPECT_TRUE(tx.is_closed());
    auto sent = co_await tx.send("kept");
    EXPECT_FALSE(sent.has_value());
    if (!sent.has_value()) {
      EXPECT_EQ(sent.error().value, "kept");
    }
  });
}

TEST_P(SyncTest, MpscWaitingSendersAreServedInOrder) {
  Runtime runtime = MakeRuntime();
  std::vector<int> got = runtime.block_on([]() -> Task<std::vector<int>> {
    auto [tx, rx] = mpsc::channel<int>(1);
    (void)co_await tx.send(-1);  // full from now on
    std::vector<JoinHandle<void>> senders;
    for (int i = 0; i < 5; ++i) {
      senders.push_back(
          spawn([tx, i]() -> Task<void> { (void)co_await tx.send(i); }));
      // Each sender queues before the next one starts.
      EXPECT_TRUE(co_await UntilWaiting(senders.back().id()));
    }
    { auto drop = std::move(tx); }
    std::vector<int> values;
    while (auto value = co_await rx.recv()) values.push_back(*value);
    for (auto& sender : senders) (void)co_await sender;
    co_return values;
  });
  EXPECT_EQ(got, (std::vector<int>{-1, 0, 1, 2, 3, 4}));
}

TEST_P(SyncTest, MpscAbortedSenderPassesItsRoomOn) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(1);
    (void)co_await tx.send(0);
    auto first = spawn([tx]() -> Task<void> { (void)co_await tx.send(1); });
    EXPECT_TRUE(co_await UntilWaiting(first.id()));
    auto second = spawn([tx]() -> Task<void> { (void)co_await tx.send(2); });
    EXPECT_TRUE(co_await UntilWaiting(second.id()));
    first.abort();
    (void)co_await first;
    EXPECT_EQ(*co_await rx.recv(), 0);
    // The room freed by the recv goes to `second`, not to the aborted sender.
    EXPECT_EQ(*co_await rx.recv(), 2);
    EXPECT_TRUE((co_await second).has_value());
  });
}

TEST_P(SyncTest, MpscRecvInLosingSelectBranchLosesNothing) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto [tx, rx] = mpsc::channel<int>(4);
    auto recv_once =
        [](mpsc::Receiver<int>* receiver) -> Task<std::optional<int>> {
      co_return co_await receiver->recv();
    };
    auto outcome = co_await select(recv_once(&rx), sleep(2ms));
    EXPECT_EQ(outcome.index(), 1u);
    (void)co_await tx.send(5);
    EXPECT_EQ(*co_await rx.recv(), 5);
  });
}

TEST_P(SyncTest, PingPongThroughCapacityOneChannels) {
  Runtime runtime = MakeRuntime();
  int hops = runtime.block_on([]() -> Task<int> {
    JoinSet<int> pairs;
    for (int p = 0; p < 50; ++p) {
      auto [ping_tx, ping_rx] = mpsc::channel<int>(1);
      auto [pong_tx, pong_rx] = mpsc::channel<int>(1);
      spawn([rx = std::move(ping_rx),
             tx = std::move(pong_tx)]() mutable -> Task<void> {
        while (auto v = co_await rx.recv()) (void)co_await tx.send(*v + 1);
      });
      pairs.spawn([tx = std::move(ping_tx),
                   rx = std::move(pong_rx)]() mutable -> Task<int> {
        int value = 0;
        for (int i = 0; i < 50; ++i) {
          (void)co_await tx.send(value);
          value = *co_await rx.recv();
        }
        co_return value;
      });
    }
    int total = 0;
    while (auto done = co_await pairs.join_next()) total += done->value_or(0);
    co_return total;
  });
  EXPECT_EQ(hops, 50 * 50);
}

TEST_P(SyncTest, NotifyOneStoresAPermit) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Notify notify;
    notify.notify_one();
    co_await notify.notified();  // consumes the stored permit at once
    bool woke = false;
    auto waiter = spawn([&]() -> Task<void> {
      co_await notify.notified();
      woke = true;
    });
    co_await sleep(2ms);
    EXPECT_FALSE(woke);
    notify.notify_one();
    EXPECT_TRUE((co_await waiter).has_value());
    EXPECT_TRUE(woke);
  });
}

TEST_P(SyncTest, NotifyWaitersWakesEveryoneAndStoresNothing) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Notify notify;
    std::atomic<int> woken{0};
    JoinSet<void> waiters;
    std::vector<TaskId> ids;
    for (int i = 0; i < 4; ++i) {
      ids.push_back(waiters
                        .spawn([&]() -> Task<void> {
                          co_await notify.notified();
                          woken.fetch_add(1);
                        })
                        .id());
    }
    // notify_waiters wakes only the tasks waiting at that moment.
    EXPECT_TRUE(co_await UntilWaiting(ids));
    notify.notify_waiters();
    co_await waiters.join_all();
    EXPECT_EQ(woken.load(), 4);
    // No permit was stored: a new waiter waits.
    auto late = co_await select(notify.notified(), sleep(2ms));
    EXPECT_EQ(late.index(), 1u);
  });
}

TEST_P(SyncTest, NotifyOneToAnAbortedWaiterIsPassedOn) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Notify notify;
    // The first waiter loses a select right after being notified; its
    // notification must reach the second waiter.
    auto first = co_await select(
        [&]() -> Task<void> {
          co_await notify.notified();
          co_await sleep(kForever);
        }(),
        [&]() -> Task<void> {
          co_await yield_now();
          notify.notify_one();
        }());
    EXPECT_EQ(first.index(), 1u);
    auto second = co_await select(notify.notified(), sleep(kPatience));
    EXPECT_EQ(second.index(), 0u);
  });
}

TEST_P(SyncTest, SemaphoreLimitsConcurrency) {
  Runtime runtime = MakeRuntime();
  int peak = runtime.block_on([]() -> Task<int> {
    Semaphore semaphore(3);
    std::atomic<int> inside{0};
    std::atomic<int> max_inside{0};
    JoinSet<void> set;
    for (int i = 0; i < 20; ++i) {
      set.spawn([&]() -> Task<void> {
        SemaphorePermit permit = co_await semaphore.acquire();
        int now = inside.fetch_add(1) + 1;
        int seen = max_inside.load();
        while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
        }
        co_await sleep(1ms);
        inside.fetch_sub(1);
      });
    }
    co_await set.join_all();
    EXPECT_EQ(semaphore.available_permits(), 3u);
    co_return max_inside.load();
  });
  EXPECT_LE(peak, 3);
  EXPECT_GE(peak, 1);
}

TEST_P(SyncTest, SemaphoreIsFairToLargeRequests) {
  Runtime runtime = MakeRuntime();
  std::vector<int> order = runtime.block_on([]() -> Task<std::vector<int>> {
    Semaphore semaphore(1);
    auto held = co_await semaphore.acquire(1);
    std::vector<int> order;
    auto big = spawn([&]() -> Task<void> {
      auto permit = co_await semaphore.acquire(2);
      order.push_back(2);
    });
    EXPECT_TRUE(co_await UntilWaiting(big.id()));
    auto small = spawn([&]() -> Task<void> {
      auto permit = co_await semaphore.acquire(1);
      order.push_back(1);
    });
    EXPECT_TRUE(co_await UntilWaiting(small.id()));
    // One permit is free after this add, but the large request came first.
    semaphore.add_permits(1);
    co_await sleep(2ms);
    EXPECT_TRUE(order.empty()) << "the small request overtook the large one";
    { auto release = std::move(held); }
    (void)co_await big;
    (void)co_await small;
    co_return order;
  });
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

TEST_P(SyncTest, SemaphoreAbortedWaiterLeavesNoTrace) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Semaphore semaphore(0);
    auto waiter = spawn(
        [&]() -> Task<void> { auto permit = co_await semaphore.acquire(1); });
    co_await sleep(2ms);
    waiter.abort();
    EXPECT_TRUE((co_await waiter).error().is_cancelled());
    semaphore.add_permits(1);
    EXPECT_EQ(semaphore.available_permits(), 1u);
    auto permit = semaphore.try_acquire(1);
    EXPECT_TRUE(permit.has_value());
  });
}

TEST_P(SyncTest, MutexSerializesAndIsFair) {
  Runtime runtime = MakeRuntime();
  long total = runtime.block_on([]() -> Task<long> {
    Mutex<long> counter(0);
    JoinSet<void> set;
    for (int i = 0; i < 50; ++i) {
      set.spawn([&]() -> Task<void> {
        for (int j = 0; j < 20; ++j) {
          MutexGuard<long> guard = co_await counter.lock();
          long seen = *guard;
          co_await yield_now();  // hold the lock across a suspension
          *guard = seen + 1;
        }
      });
    }
    co_await set.join_all();
    co_return *co_await counter.lock();
  });
  EXPECT_EQ(total, 1000);
}

TEST_P(SyncTest, MutexTryLockFailsWhileHeld) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Mutex<std::string> text("a");
    {
      auto guard = co_await text.lock();
      EXPECT_FALSE(text.try_lock().has_value());
      guard->append("b");
    }
    auto again = text.try_lock();
    EXPECT_TRUE(again.has_value());
    if (again.has_value()) {
      EXPECT_EQ(**again, "ab");
    }
  });
}

TEST_P(SyncTest, NotifyLastWakesTheMostRecentWaiter) {
  Runtime runtime = MakeRuntime();
  std::vector<int> order = runtime.block_on([]() -> Task<std::vector<int>> {
    Notify notify;
    std::vector<int> order;
    std::vector<JoinHandle<void>> waiters;
    for (int i = 0; i < 3; ++i) {
      waiters.push_back(spawn([&notify, &order, i]() -> Task<void> {
        co_await notify.notified();
        order.push_back(i);
      }));
      EXPECT_TRUE(co_await UntilWaiting(waiters.back().id()));
    }
    notify.notify_last();
    (void)co_await waiters[2];
    notify.notify_one();
    (void)co_await waiters[0];
    notify.notify_last();
    (void)co_await waiters[1];
    co_return order;
  });
  EXPECT_EQ(order, (std::vector<int>{2, 0, 1}));
}

TEST_P(SyncTest, SemaphoreCloseFailsWaitersAndLaterAcquires) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Semaphore semaphore(1);
    auto held = co_await semaphore.acquire();
    auto waiter = spawn([&semaphore]() -> Task<bool> {
      try {
        auto permit = co_await semaphore.acquire();
      } catch (const AcquireError&) {
        co_return true;
      }
      co_return false;
    });
    EXPECT_TRUE(co_await UntilWaiting(waiter.id()));
    semaphore.close();
    EXPECT_TRUE(semaphore.is_closed());
    EXPECT_TRUE((co_await waiter).value_or(false))
        << "a waiter is woken with AcquireError";
    EXPECT_FALSE(semaphore.try_acquire().has_value());
    bool threw = false;
    try {
      auto permit = co_await semaphore.acquire();
    } catch (const AcquireError& error) {
      threw = true;
      EXPECT_STREQ(error.what(), "semaphore closed");
    }
    EXPECT_TRUE(threw);
    EXPECT_EQ(held.count(), 1u) << "permits already out stay valid";
  });
}

TEST_P(SyncTest, OwnedPermitsAndGuardsMoveIntoTasks) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto semaphore = std::make_shared<Semaphore>(2);
    auto mutex = std::make_shared<Mutex<int>>(0);
    JoinSet<void> set;
    for (int i = 0; i < 8; ++i) {
      OwnedSemaphorePermit permit =
          co_await Semaphore::acquire_owned(semaphore);
      OwnedMutexGuard<int> guard = co_await Mutex<int>::lock_owned(mutex);
      set.spawn([permit = std::move(permit),
                 guard = std::move(guard)]() mutable -> Task<void> {
        co_await yield_now();
        *guard += 1;
        co_return;
      });
    }
    co_await set.join_all();
    EXPECT_EQ(semaphore->available_permits(), 2u);
    auto guard = Mutex<int>::try_lock_owned(mutex);
    WEFT_CO_ASSERT_TRUE(guard.has_value());
    EXPECT_EQ(**guard, 8);
    EXPECT_FALSE(Mutex<int>::try_lock_owned(mutex).has_value());
    auto owned = Semaphore::try_acquire_owned(semaphore, 2);
    WEFT_CO_ASSERT_TRUE(owned.has_value());
    EXPECT_EQ(owned->count(), 2u);
  });
}

TEST_P(SyncTest, AnOwnedGuardKeepsItsMutexAlive) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto mutex = std::make_shared<Mutex<std::string>>("kept");
    OwnedMutexGuard<std::string> guard =
        co_await Mutex<std::string>::lock_owned(mutex);
    std::weak_ptr<Mutex<std::string>> weak = mutex;
    mutex.reset();
    EXPECT_FALSE(weak.expired());
    EXPECT_EQ(*guard, "kept");
    { auto drop = std::move(guard); }
    EXPECT_TRUE(weak.expired());
  });
}

TEST_P(SyncTest, SemaphorePermitSplits) {
  Semaphore semaphore(3);
  auto permit = semaphore.try_acquire(3);
  ASSERT_TRUE(permit.has_value());
  auto part = permit->split(2);
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(permit->count(), 1u);
  EXPECT_FALSE(permit->split(2).has_value());
  { auto drop = std::move(*part); }
  EXPECT_EQ(semaphore.available_permits(), 2u);
  EXPECT_EQ(semaphore.forget_permits(5), 2u);
  EXPECT_EQ(semaphore.available_permits(), 0u);
}

}  // namespace
}  // namespace weft::conformance
