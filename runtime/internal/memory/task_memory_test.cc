#include "runtime/internal/memory/task_memory.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace weft::internal {
namespace {

struct Block {
  void* memory;
  size_t size;
  unsigned char fill;
};

Block Allocate(size_t size, unsigned char fill) {
  void* memory = AllocateTaskMemory(size);
  std::memset(memory, fill, size);
  return {memory, size, fill};
}

// True if the block still holds its fill: no other block overlaps it.
bool Intact(const Block& block) {
  const auto* bytes = static_cast<const unsigned char*>(block.memory);
  for (size_t i = 0; i < block.size; ++i) {
    if (bytes[i] != block.fill) return false;
  }
  return true;
}

void Free(const Block& block) { FreeTaskMemory(block.memory, block.size); }

bool Pooled() { return GetTaskMemoryStats().page_bytes != 0; }

TEST(TaskMemoryTest, EverySizeIsAlignedAndDistinct) {
  std::vector<Block> blocks;
  for (size_t size = 0; size <= kMaxPooledBlock + 64; size += 8) {
    for (int copy = 0; copy < 3; ++copy) {
      blocks.push_back(
          Allocate(size, static_cast<unsigned char>(blocks.size() * 7 + 1)));
      EXPECT_EQ(reinterpret_cast<uintptr_t>(blocks.back().memory) % 16, 0u)
          << "size " << size;
    }
  }
  for (const Block& block : blocks) {
    EXPECT_TRUE(Intact(block)) << "size " << block.size;
  }
  for (const Block& block : blocks) Free(block);
}

TEST(TaskMemoryTest, FreedBlocksAreReusedOnTheSameThread) {
  if (!Pooled()) GTEST_SKIP() << "this build uses operator new (sanitizer)";
  size_t pages_before = 0;
  for (int round = 0; round < 50; ++round) {
    std::vector<Block> blocks;
    for (int i = 0; i < 5000; ++i) blocks.push_back(Allocate(192, 0x5a));
    for (const Block& block : blocks) ASSERT_TRUE(Intact(block));
    for (const Block& block : blocks) Free(block);
    if (round == 0) pages_before = GetTaskMemoryStats().pages;
  }
  EXPECT_LE(GetTaskMemoryStats().pages, pages_before);
}

// Blocks allocated on one thread and freed on another go back to the
// allocating thread's heap: many rounds do not grow the pool.
TEST(TaskMemoryTest, BlocksFreedOnAnotherThreadAreReused) {
  if (!Pooled()) GTEST_SKIP() << "this build uses operator new (sanitizer)";
  std::mutex mu;
  std::vector<Block> handed;
  std::atomic<int> round_freed{-1};
  size_t pages_after_first = 0;
  std::thread freer([&] {
    for (int round = 0; round < 40; ++round) {
      while (true) {
        std::lock_guard lock(mu);
        if (!handed.empty()) break;
      }
      std::vector<Block> mine;
      {
        std::lock_guard lock(mu);
        mine.swap(handed);
      }
      for (const Block& block : mine) {
        EXPECT_TRUE(Intact(block));
        Free(block);
      }
      round_freed.store(round, std::memory_order_release);
    }
  });
  for (int round = 0; round < 40; ++round) {
    std::vector<Block> blocks;
    for (int i = 0; i < 4000; ++i) {
      blocks.push_back(
          Allocate(100 + (i % 5) * 48, static_cast<unsigned char>(round + i)));
    }
    {
      std::lock_guard lock(mu);
      handed = std::move(blocks);
    }
    while (round_freed.load(std::memory_order_acquire) != round) {
      std::this_thread::yield();
    }
    if (round == 1) pages_after_first = GetTaskMemoryStats().pages;
  }
  freer.join();
  EXPECT_LE(GetTaskMemoryStats().pages, pages_after_first);
}

// A thread's blocks may outlive it: they are freed into its released heap,
// which the next thread adopts; thread after thread does not grow the pool.
TEST(TaskMemoryTest, BlocksOutliveTheirThreadAndHeapsAreAdopted) {
  if (!Pooled()) GTEST_SKIP() << "this build uses operator new (sanitizer)";
  size_t pages_after_first = 0;
  for (int round = 0; round < 30; ++round) {
    std::vector<Block> blocks;
    std::thread([&] {
      for (int i = 0; i < 3000; ++i) {
        blocks.push_back(Allocate(256, static_cast<unsigned char>(i)));
      }
    }).join();
    for (const Block& block : blocks) {
      ASSERT_TRUE(Intact(block));
      Free(block);
    }
    if (round == 1) pages_after_first = GetTaskMemoryStats().pages;
  }
  EXPECT_LE(GetTaskMemoryStats().pages, pages_after_first);
}

// Allocates blocks of `size` until every block of `freed` has come back
// (true) or four pages' worth did not bring them all (false).
bool AllComeBack(const std::vector<void*>& freed, size_t size) {
  const size_t limit = 4 * GetTaskMemoryStats().page_bytes / size;
  std::vector<void*> taken;
  size_t back = 0;
  while (back < freed.size() && taken.size() < limit) {
    taken.push_back(AllocateTaskMemory(size));
    for (void* block : freed) back += block == taken.back() ? 1 : 0;
  }
  for (void* block : taken) FreeTaskMemory(block, size);
  return back == freed.size();
}

// A thread gathers the blocks it frees for another thread's heap and hands
// them over several at a time; a few blocks (fewer than a batch) reach
// their owner when the freeing thread flushes, as a worker does before it
// parks, or when it exits.
void ExpectFreedBlocksComeBack(bool freer_exits) {
  constexpr size_t kSize = 1008;  // a size class no other test uses
  std::thread owner([&] {
    std::vector<void*> handed;
    for (int i = 0; i < 8; ++i) handed.push_back(AllocateTaskMemory(kSize));
    std::atomic<bool> freed{false};
    std::atomic<bool> finish{false};
    std::thread freer([&] {
      for (void* block : handed) FreeTaskMemory(block, kSize);
      if (!freer_exits) FlushTaskMemory();
      freed.store(true, std::memory_order_release);
      if (freer_exits) return;
      while (!finish.load(std::memory_order_acquire)) std::this_thread::yield();
    });
    if (freer_exits) freer.join();
    while (!freed.load(std::memory_order_acquire)) std::this_thread::yield();
    EXPECT_TRUE(AllComeBack(handed, kSize));
    finish.store(true, std::memory_order_release);
    if (!freer_exits) freer.join();
  });
  owner.join();
}

TEST(TaskMemoryTest, BlocksFreedForAnotherHeapReachItWhenTheThreadFlushes) {
  if (!Pooled()) GTEST_SKIP() << "this build uses operator new (sanitizer)";
  ExpectFreedBlocksComeBack(/*freer_exits=*/false);
}

TEST(TaskMemoryTest, BlocksFreedForAnotherHeapReachItWhenTheThreadExits) {
  if (!Pooled()) GTEST_SKIP() << "this build uses operator new (sanitizer)";
  ExpectFreedBlocksComeBack(/*freer_exits=*/true);
}

struct AllocatesWhenDestroyed {
  std::atomic<bool>* ok = nullptr;
  ~AllocatesWhenDestroyed() {
    if (ok == nullptr) return;
    Block block = Allocate(64, 0x33);
    Block other = Allocate(64, 0x44);
    ok->store(Intact(block) && Intact(other));
    Free(block);
    Free(other);
  }
};
thread_local AllocatesWhenDestroyed allocates_when_destroyed;

// A thread_local destructor that runs after the thread's heap was released
// still gets memory (a shared heap).
TEST(TaskMemoryTest, AllocationAfterTheThreadsHeapWasReleased) {
  std::atomic<bool> ok{false};
  std::thread([&] {
    allocates_when_destroyed.ok = &ok;  // constructed before the heap lease
    Free(Allocate(64, 1));
  }).join();
  EXPECT_TRUE(ok.load());
}

// Two threads trade blocks of every pooled size back and forth.
TEST(TaskMemoryTest, TwoThreadsTradingBlocksKeepTheirContents) {
  constexpr int kRounds = 2000;
  std::mutex mu;
  std::vector<Block> to_a, to_b;
  auto worker = [&](std::vector<Block>& inbox, std::vector<Block>& outbox,
                    unsigned char seed) {
    for (int round = 0; round < kRounds; ++round) {
      std::vector<Block> received;
      {
        std::lock_guard lock(mu);
        received.swap(inbox);
      }
      for (const Block& block : received) {
        EXPECT_TRUE(Intact(block));
        Free(block);
      }
      std::vector<Block> sent;
      for (int i = 0; i < 8; ++i) {
        size_t size = ((round * 8 + i) * 37) % (kMaxPooledBlock + 1);
        sent.push_back(Allocate(size, static_cast<unsigned char>(seed + i)));
      }
      std::lock_guard lock(mu);
      outbox.insert(outbox.end(), sent.begin(), sent.end());
    }
  };
  std::thread a([&] { worker(to_a, to_b, 1); });
  std::thread b([&] { worker(to_b, to_a, 101); });
  a.join();
  b.join();
  for (const Block& block : to_a) {
    EXPECT_TRUE(Intact(block));
    Free(block);
  }
  for (const Block& block : to_b) {
    EXPECT_TRUE(Intact(block));
    Free(block);
  }
}

}  // namespace
}  // namespace weft::internal
