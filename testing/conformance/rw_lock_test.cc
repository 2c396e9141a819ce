// RwLock: readers share, writers exclude, FIFO fairness (a waiting writer
// holds back later readers), downgrade, and aborted waiters.

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class RwLockTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(RwLockTest);

TEST_P(RwLockTest, ReadersShareAndWritersExclude) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    RwLock<int> lock(5);
    auto first = co_await lock.read();
    auto second = co_await lock.read();
    EXPECT_EQ(*first + *second, 10);
    EXPECT_FALSE(lock.try_write().has_value()) << "readers hold it";
    {
      auto drop1 = std::move(first);
      auto drop2 = std::move(second);
    }
    auto writer = co_await lock.write();
    *writer = 6;
    EXPECT_FALSE(lock.try_read().has_value()) << "a writer holds it";
    { auto drop = std::move(writer); }
    EXPECT_EQ(**lock.try_read(), 6);
  });
}

TEST_P(RwLockTest, CountsStayConsistentUnderContention) {
  Runtime runtime = MakeRuntime();
  long total = runtime.block_on([]() -> Task<long> {
    RwLock<long> lock(0);
    std::atomic<int> readers_inside{0};
    std::atomic<bool> overlap{false};
    JoinSet<void> set;
    for (int i = 0; i < 20; ++i) {
      set.spawn([&]() -> Task<void> {
        for (int j = 0; j < 20; ++j) {
          auto writer = co_await lock.write();
          if (readers_inside.load() != 0) overlap.store(true);
          long seen = *writer;
          co_await yield_now();
          *writer = seen + 1;
        }
      });
      set.spawn([&]() -> Task<void> {
        for (int j = 0; j < 20; ++j) {
          auto reader = co_await lock.read();
          readers_inside.fetch_add(1);
          co_await yield_now();
          readers_inside.fetch_sub(1);
        }
      });
    }
    co_await set.join_all();
    EXPECT_FALSE(overlap.load()) << "a writer ran while readers were inside";
    co_return *co_await lock.read();
  });
  EXPECT_EQ(total, 400);
}

TEST_P(RwLockTest, AWaitingWriterHoldsBackLaterReaders) {
  Runtime runtime = MakeRuntime();
  std::vector<std::string> order =
      runtime.block_on([]() -> Task<std::vector<std::string>> {
        RwLock<int> lock(0);
        std::vector<std::string> order;
        auto held = co_await lock.read();
        auto writer = spawn([&]() -> Task<void> {
          auto guard = co_await lock.write();
          order.push_back("writer");
        });
        EXPECT_TRUE(co_await UntilWaiting(writer.id()));
        EXPECT_FALSE(lock.try_read().has_value())
            << "a reader may not pass a waiting writer";
        auto reader = spawn([&]() -> Task<void> {
          auto guard = co_await lock.read();
          order.push_back("reader");
        });
        EXPECT_TRUE(co_await UntilWaiting(reader.id()));
        { auto release = std::move(held); }
        (void)co_await writer;
        (void)co_await reader;
        co_return order;
      });
  EXPECT_EQ(order, (std::vector<std::string>{"writer", "reader"}));
}

TEST_P(RwLockTest, DowngradeKeepsWritersOutAndLetsReadersIn) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    RwLock<int> lock(1);
    auto writer = co_await lock.write();
    *writer = 2;
    RwLockReadGuard<int> reader = std::move(writer).downgrade();
    EXPECT_EQ(*reader, 2);
    EXPECT_FALSE(lock.try_write().has_value());
    auto another = lock.try_read();
    EXPECT_TRUE(another.has_value());
    { auto drop = std::move(reader); }
    { auto drop = std::move(another); }
    EXPECT_TRUE(lock.try_write().has_value());
  });
}

TEST_P(RwLockTest, AbortedWriterLeavesNoTrace) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    RwLock<int> lock(0);
    auto held = co_await lock.read();
    auto writer =
        spawn([&]() -> Task<void> { auto g = co_await lock.write(); });
    EXPECT_TRUE(co_await UntilWaiting(writer.id()));
    writer.abort();
    EXPECT_TRUE((co_await writer).error().is_cancelled());
    EXPECT_TRUE(lock.try_read().has_value())
        << "the aborted writer still holds readers back";
    { auto release = std::move(held); }
    EXPECT_TRUE(lock.try_write().has_value());
  });
}

// Owned guards keep the lock alive: a write guard moved into a spawned task
// outlives every other shared_ptr to the lock, and readers that wait for it
// get in once that task drops it.
TEST_P(RwLockTest, OwnedGuardsKeepTheLockAliveInSpawnedTasks) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto lock = std::make_shared<RwLock<std::string>>("a");
    OwnedRwLockWriteGuard<std::string> writer =
        co_await RwLock<std::string>::write_owned(lock);
    EXPECT_FALSE(RwLock<std::string>::try_read_owned(lock).has_value());
    auto reader = spawn([lock]() -> Task<std::string> {
      OwnedRwLockReadGuard<std::string> guard =
          co_await RwLock<std::string>::read_owned(lock);
      co_return *guard;
    });
    EXPECT_TRUE(co_await UntilWaiting(reader.id()));
    auto appender = spawn([guard = std::move(writer)]() mutable -> Task<void> {
      *guard += "b";
      co_return;
    });
    std::weak_ptr<RwLock<std::string>> weak = lock;
    lock.reset();
    EXPECT_TRUE((co_await appender).has_value());
    auto read = co_await reader;
    EXPECT_EQ(read.value_or(""), "ab");
    EXPECT_TRUE(weak.expired()) << "the last owned guard released the lock";
  });
}

TEST_P(RwLockTest, OwnedReadersShareAndOwnedDowngradeKeepsWritersOut) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto lock = std::make_shared<RwLock<int>>(1);
    auto first = RwLock<int>::try_read_owned(lock);
    auto second = co_await RwLock<int>::read_owned(lock);
    EXPECT_TRUE(first.has_value());
    EXPECT_EQ(*second, 1);
    EXPECT_EQ(second.rwlock(), lock);
    EXPECT_FALSE(RwLock<int>::try_write_owned(lock).has_value());
    first.reset();
    { auto drop = std::move(second); }
    auto writer = RwLock<int>::try_write_owned(lock);
    EXPECT_TRUE(writer.has_value());
    if (!writer.has_value()) co_return;
    **writer = 2;
    OwnedRwLockReadGuard<int> reader = std::move(*writer).downgrade();
    EXPECT_EQ(*reader, 2);
    EXPECT_FALSE(lock->try_write().has_value());
    EXPECT_TRUE(lock->try_read().has_value());
  });
}

TEST_P(RwLockTest, AbortedOwnedWriterLeavesNoTrace) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto lock = std::make_shared<RwLock<int>>(0);
    auto held = co_await lock->read();
    auto writer = spawn([lock]() -> Task<void> {
      auto guard = co_await RwLock<int>::write_owned(lock);
    });
    EXPECT_TRUE(co_await UntilWaiting(writer.id()));
    writer.abort();
    EXPECT_TRUE((co_await writer).error().is_cancelled());
    EXPECT_TRUE(lock->try_read().has_value());
    { auto release = std::move(held); }
    EXPECT_TRUE(lock->try_write().has_value());
    EXPECT_EQ(lock.use_count(), 1) << "the aborted waiter let go of the lock";
  });
}

TEST_P(RwLockTest, OwnedLockOfANullPointerIsAUsageError) {
  std::shared_ptr<RwLock<int>> none;
  EXPECT_THROW((void)RwLock<int>::try_read_owned(none), UsageError);
  EXPECT_THROW((void)RwLock<int>::write_owned(none), UsageError);
}

TEST_P(RwLockTest, MaxReadersLimitsReaders) {
  auto lock = RwLock<int>::with_max_readers(0, 2);
  auto a = lock.try_read();
  auto b = lock.try_read();
  EXPECT_TRUE(a.has_value() && b.has_value());
  EXPECT_FALSE(lock.try_read().has_value());
  EXPECT_THROW((void)RwLock<int>::with_max_readers(0, 0), UsageError);
}

}  // namespace
}  // namespace weft::conformance
