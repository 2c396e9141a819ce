// EventfdWaker writes to its eventfd only while the driving thread blocks,
// and no wake-up is lost between a Wake() and a BeginBlockingWait() that
// race.

#include "executors/common/eventfd_waker.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "gtest/gtest.h"

namespace weft::executors_common {
namespace {

// What the eventfd's counter holds (0: nothing was written), emptying it.
uint64_t TakeCount(int fd) {
  uint64_t count = 0;
  if (read(fd, &count, sizeof count) < 0) {
    EXPECT_EQ(errno, EAGAIN);
    return 0;
  }
  return count;
}

class EventfdWakerTest : public ::testing::Test {
 protected:
  EventfdWaker waker_{eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
};

TEST_F(EventfdWakerTest, AWakeWhileTheThreadRunsWritesNothing) {
  waker_.Wake();
  waker_.Wake();
  EXPECT_EQ(TakeCount(waker_.fd()), 0u);
  // The thread's next wait sees it and does not block; that consumes it.
  EXPECT_FALSE(waker_.BeginBlockingWait());
  EXPECT_TRUE(waker_.BeginBlockingWait());
  waker_.EndBlockingWait();
}

TEST_F(EventfdWakerTest, AWakeWhileTheThreadBlocksWritesOnce) {
  ASSERT_TRUE(waker_.BeginBlockingWait());
  waker_.Wake();
  waker_.Wake();  // coalesced with the first
  EXPECT_EQ(TakeCount(waker_.fd()), 1u);
  waker_.EndBlockingWait();
  EXPECT_TRUE(waker_.Consume());
  EXPECT_FALSE(waker_.Consume());
  // Consumed: the next wait may block, and the next Wake() writes again.
  ASSERT_TRUE(waker_.BeginBlockingWait());
  waker_.Wake();
  EXPECT_EQ(TakeCount(waker_.fd()), 1u);
  waker_.EndBlockingWait();
}

TEST_F(EventfdWakerTest, DrainEmptiesTheCounterAndReportsTheWake) {
  ASSERT_TRUE(waker_.BeginBlockingWait());
  waker_.Wake();
  waker_.EndBlockingWait();
  EXPECT_TRUE(waker_.Drain());
  EXPECT_EQ(TakeCount(waker_.fd()), 0u);
  EXPECT_TRUE(waker_.BeginBlockingWait());
  waker_.EndBlockingWait();
}

// A driving thread that blocks in poll(2) whenever BeginBlockingWait lets it
// and a thread that wakes it once per round: every round's wake-up must end
// the wait. A lost one shows as a poll that times out with a round unseen.
TEST_F(EventfdWakerTest, NoWakeIsLostWhenWakeAndWaitRace) {
  constexpr uint32_t kRounds = 20000;
  std::atomic<uint32_t> sent{0};
  std::atomic<uint32_t> seen{0};
  std::atomic<bool> lost{false};
  std::thread driver([&] {
    while (seen.load() < kRounds && !lost.load()) {
      const uint32_t now = sent.load(std::memory_order_acquire);
      if (now != seen.load()) {
        seen.store(now, std::memory_order_release);
        continue;
      }
      if (!waker_.BeginBlockingWait()) continue;  // woken while running
      pollfd watch{.fd = waker_.fd(), .events = POLLIN, .revents = 0};
      const int ready = poll(&watch, 1, /*timeout_ms=*/10000);
      waker_.EndBlockingWait();
      if (ready == 0 && sent.load() != seen.load()) lost.store(true);
      if (ready > 0) waker_.Drain();
    }
  });
  for (uint32_t round = 1; round <= kRounds && !lost.load(); ++round) {
    while (seen.load(std::memory_order_acquire) != round - 1 && !lost.load()) {
      std::this_thread::yield();
    }
    sent.store(round, std::memory_order_release);
    waker_.Wake();
  }
  driver.join();
  EXPECT_FALSE(lost.load());
  EXPECT_EQ(seen.load(), kRounds);
}

}  // namespace
}  // namespace weft::executors_common
