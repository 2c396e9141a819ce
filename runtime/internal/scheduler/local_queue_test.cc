// LocalQueue on its own: the owner's push and pop, the overflow into the
// injection queue, stealing, and stealers racing the owner. The queue only
// stores and hands back TaskHeader pointers (it never dereferences them), so
// the "tasks" here are addresses of plain slots that stand for distinct tasks.
// Queues are allocated on the heap, as the scheduler's are: their members are
// cache-line aligned, and ASan's fake stack frames are not.

#include "runtime/internal/scheduler/local_queue.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace weft::internal {
namespace {

constexpr uint32_t kCapacity = LocalQueue::kCapacity;

// Distinct TaskHeader pointers that map back to indexes.
class Items {
 public:
  explicit Items(size_t count) : slots_(count) {}
  TaskHeader* at(size_t index) {
    return reinterpret_cast<TaskHeader*>(&slots_[index]);
  }
  size_t IndexOf(TaskHeader* item) const {
    return reinterpret_cast<const Slot*>(item) - slots_.data();
  }
  size_t size() const { return slots_.size(); }

 private:
  struct alignas(8) Slot {
    char byte;
  };
  std::vector<Slot> slots_;
};

TEST(LocalQueueTest, NewQueueIsEmpty) {
  auto queue_owner = std::make_unique<LocalQueue>();
  LocalQueue& queue = *queue_owner;
  EXPECT_TRUE(queue.IsEmpty());
  EXPECT_EQ(queue.Size(), 0u);
  EXPECT_EQ(queue.Pop(), nullptr);
}

TEST(LocalQueueTest, PopsInPushOrder) {
  auto queue_owner = std::make_unique<LocalQueue>();
  LocalQueue& queue = *queue_owner;
  Items items(10);
  std::vector<TaskHeader*> overflow;
  for (size_t i = 0; i < items.size(); ++i) {
    ASSERT_TRUE(queue.Push(items.at(i), overflow));
  }
  EXPECT_TRUE(overflow.empty());
  EXPECT_EQ(queue.Size(), 10u);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(queue.Pop(), items.at(i));
  }
  EXPECT_EQ(queue.Pop(), nullptr);
  EXPECT_TRUE(queue.IsEmpty());
}

// The positions are 32-bit and wrap; the buffer index wraps every kCapacity.
TEST(LocalQueueTest, KeepsOrderAcrossManyWrapsOfTheBuffer) {
  auto queue_owner = std::make_unique<LocalQueue>();
  LocalQueue& queue = *queue_owner;
  Items items(kCapacity);
  std::vector<TaskHeader*> overflow;
  for (int round = 0; round < 20; ++round) {
    for (size_t i = 0; i < 3 * kCapacity / 4; ++i) {
      ASSERT_TRUE(queue.Push(items.at(i), overflow));
    }
    for (size_t i = 0; i < 3 * kCapacity / 4; ++i) {
      ASSERT_EQ(queue.Pop(), items.at(i)) << "round " << round;
    }
  }
  EXPECT_TRUE(overflow.empty());
}

TEST(LocalQueueTest, FullQueueMovesHalfAndTheNewTaskToOverflow) {
  auto queue_owner = std::make_unique<LocalQueue>();
  LocalQueue& queue = *queue_owner;
  Items items(kCapacity + 1);
  std::vector<TaskHeader*> overflow;
  for (size_t i = 0; i < kCapacity; ++i) {
    ASSERT_TRUE(queue.Push(items.at(i), overflow));
  }
  EXPECT_TRUE(overflow.empty());
  EXPECT_EQ(queue.Size(), kCapacity);

  ASSERT_TRUE(queue.Push(items.at(kCapacity), overflow));
  // The oldest half, in order, then the task that did not fit.
  ASSERT_EQ(overflow.size(), kCapacity / 2 + 1);
  for (size_t i = 0; i < kCapacity / 2; ++i) {
    EXPECT_EQ(overflow[i], items.at(i));
  }
  EXPECT_EQ(overflow.back(), items.at(kCapacity));
  // The newer half stays, in order.
  EXPECT_EQ(queue.Size(), kCapacity / 2);
  for (size_t i = kCapacity / 2; i < kCapacity; ++i) {
    EXPECT_EQ(queue.Pop(), items.at(i));
  }
  EXPECT_EQ(queue.Pop(), nullptr);
}

TEST(LocalQueueTest, StealTakesTheOlderHalfRoundedUp) {
  Items items(7);
  auto victim_owner = std::make_unique<LocalQueue>();
  LocalQueue& victim = *victim_owner;
  auto thief_owner = std::make_unique<LocalQueue>();
  LocalQueue& thief = *thief_owner;
  std::vector<TaskHeader*> overflow;
  for (size_t i = 0; i < items.size(); ++i) {
    ASSERT_TRUE(victim.Push(items.at(i), overflow));
  }
  // 4 of 7 stolen: the last of them is returned, the others queued at the
  // thief in order.
  EXPECT_EQ(victim.StealInto(thief), items.at(3));
  EXPECT_EQ(thief.Size(), 3u);
  EXPECT_EQ(thief.Pop(), items.at(0));
  EXPECT_EQ(thief.Pop(), items.at(1));
  EXPECT_EQ(thief.Pop(), items.at(2));
  EXPECT_EQ(thief.Pop(), nullptr);
  EXPECT_EQ(victim.Size(), 3u);
  EXPECT_EQ(victim.Pop(), items.at(4));
  EXPECT_EQ(victim.Pop(), items.at(5));
  EXPECT_EQ(victim.Pop(), items.at(6));
}

TEST(LocalQueueTest, StealOfOneTaskReturnsItAndQueuesNothing) {
  Items items(1);
  auto victim_owner = std::make_unique<LocalQueue>();
  LocalQueue& victim = *victim_owner;
  auto thief_owner = std::make_unique<LocalQueue>();
  LocalQueue& thief = *thief_owner;
  std::vector<TaskHeader*> overflow;
  ASSERT_TRUE(victim.Push(items.at(0), overflow));
  EXPECT_EQ(victim.StealInto(thief), items.at(0));
  EXPECT_TRUE(thief.IsEmpty());
  EXPECT_TRUE(victim.IsEmpty());
}

TEST(LocalQueueTest, StealFromEmptyQueueReturnsNull) {
  auto victim_owner = std::make_unique<LocalQueue>();
  LocalQueue& victim = *victim_owner;
  auto thief_owner = std::make_unique<LocalQueue>();
  LocalQueue& thief = *thief_owner;
  EXPECT_EQ(victim.StealInto(thief), nullptr);
  EXPECT_TRUE(thief.IsEmpty());
}

TEST(LocalQueueTest, ThiefMoreThanHalfFullStealsNothing) {
  Items items(kCapacity / 2 + 2);
  auto victim_owner = std::make_unique<LocalQueue>();
  LocalQueue& victim = *victim_owner;
  auto thief_owner = std::make_unique<LocalQueue>();
  LocalQueue& thief = *thief_owner;
  std::vector<TaskHeader*> overflow;
  for (size_t i = 0; i <= kCapacity / 2; ++i) {
    ASSERT_TRUE(thief.Push(items.at(i), overflow));
  }
  ASSERT_TRUE(victim.Push(items.at(kCapacity / 2 + 1), overflow));
  EXPECT_EQ(victim.StealInto(thief), nullptr);
  EXPECT_EQ(victim.Size(), 1u);
  EXPECT_EQ(thief.Size(), kCapacity / 2 + 1);
}

// One owner pushes (overflowing now and then) and pops; several stealers
// steal into queues of their own and drain them. Every item must come out
// exactly once: from the owner's pops, the overflow, a refused push, a
// steal's returned task or a stealer's pops.
TEST(LocalQueueTest, StealersRacingTheOwnerSeeEveryItemExactlyOnce) {
  constexpr size_t kItems = 200000;
  constexpr int kStealers = 3;
  Items items(kItems);
  auto victim_owner = std::make_unique<LocalQueue>();
  LocalQueue& victim = *victim_owner;
  std::vector<std::atomic<int>> seen(kItems);
  std::atomic<size_t> total{0};
  std::atomic<bool> owner_done{false};
  auto see = [&](TaskHeader* item) {
    ASSERT_NE(item, nullptr);
    size_t index = items.IndexOf(item);
    ASSERT_LT(index, kItems);
    seen[index].fetch_add(1, std::memory_order_relaxed);
    total.fetch_add(1, std::memory_order_relaxed);
  };

  std::vector<std::thread> stealers;
  for (int s = 0; s < kStealers; ++s) {
    stealers.emplace_back([&] {
      auto mine_owner = std::make_unique<LocalQueue>();
      LocalQueue& mine = *mine_owner;
      while (true) {
        bool done = owner_done.load(std::memory_order_acquire);
        if (TaskHeader* item = victim.StealInto(mine)) see(item);
        while (TaskHeader* item = mine.Pop()) see(item);
        // The owner drains the victim after it finished pushing; steal
        // until then.
        if (done) return;
      }
    });
  }

  std::vector<TaskHeader*> overflow;
  uint64_t mix = 88172645463325252ull;
  for (size_t i = 0; i < kItems; ++i) {
    if (!victim.Push(items.at(i), overflow)) see(items.at(i));
    for (TaskHeader* item : overflow) see(item);
    overflow.clear();
    // xorshift: pop now and then, so that head and tail both move.
    mix ^= mix << 13;
    mix ^= mix >> 7;
    mix ^= mix << 17;
    if (mix % 3 == 0) {
      if (TaskHeader* item = victim.Pop()) see(item);
    }
  }
  owner_done.store(true, std::memory_order_release);
  for (std::thread& stealer : stealers) stealer.join();
  while (TaskHeader* item = victim.Pop()) see(item);

  EXPECT_EQ(total.load(), kItems);
  size_t wrong = 0;
  for (size_t i = 0; i < kItems; ++i) {
    if (seen[i].load() != 1) {
      if (++wrong <= 10) {
        ADD_FAILURE() << "item " << i << " seen " << seen[i].load() << " times";
      }
    }
  }
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace weft::internal
