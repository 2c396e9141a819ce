// The uv reactor's wake-up (waker.h): sent only to a thread that blocks, and
// never lost to a race with the thread going to block.

#include "executors/uv/waker.h"

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "gtest/gtest.h"

namespace weft::uv {
namespace {

// A loop with a Waker on it, and a timer that ends a wait that would
// otherwise block for good (a lost wake-up).
class WakerTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_EQ(uv_timer_init(&loop_, &timer_), 0);
    timer_.data = this;
    ASSERT_EQ(waker_.Init(&loop_), 0);
  }

  void TearDown() override {
    waker_.Close();
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  // Bounds the next uv_run to 10 s, recording whether the bound ended it.
  void StartBound() {
    uv_timer_start(
        &timer_,
        [](uv_timer_t* timer) {
          static_cast<WakerTest*>(timer->data)->timed_out_ = true;
          uv_stop(timer->loop);
        },
        10'000, 0);
  }

  // What the uv reactor's Wait does with no timeout, bounded: returns
  // whether it was woken.
  bool WaitForWake() {
    if (!waker_.BeginBlockingWait()) return true;
    StartBound();
    uv_run(&loop_, UV_RUN_ONCE);
    uv_timer_stop(&timer_);
    waker_.EndBlockingWait();
    return waker_.TakeWoken();
  }

  uv_loop_t loop_;
  uv_timer_t timer_;
  Waker waker_;
  bool timed_out_ = false;
};

// A wake-up that finds the thread running costs no uv_async_send (its
// callback never runs), and the thread's next wait does not block.
TEST_F(WakerTest, AWakeWhileTheThreadRunsSendsNothing) {
  for (int i = 0; i < 3; ++i) waker_.Wake();
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_FALSE(waker_.TakeWoken()) << "the wake-up was sent";
  EXPECT_FALSE(waker_.BeginBlockingWait()) << "the wake-up was lost";
  // Consumed: the next wait may block again.
  EXPECT_TRUE(waker_.BeginBlockingWait());
  waker_.EndBlockingWait();
}

TEST_F(WakerTest, AWakeEndsABlockingWait) {
  std::atomic<bool> waiting{false};
  std::thread waker([&] {
    while (!waiting.load(std::memory_order_acquire)) std::this_thread::yield();
    waker_.Wake();
  });
  EXPECT_TRUE(waker_.BeginBlockingWait());
  waiting.store(true, std::memory_order_release);
  StartBound();
  uv_run(&loop_, UV_RUN_ONCE);
  uv_timer_stop(&timer_);
  waker_.EndBlockingWait();
  waker.join();
  EXPECT_FALSE(timed_out_);
  EXPECT_TRUE(waker_.TakeWoken());
}

// Another thread publishes a request and wakes; the driving thread checks
// for a request and waits when there is none. A wake-up lost between the
// check and the wait leaves the wait to the 10 s bound.
TEST_F(WakerTest, NoWakeUpIsLostToARaceWithAWaitStarting) {
  constexpr int64_t kRounds = 20'000;
  std::atomic<int64_t> requested{0};
  std::atomic<int64_t> answered{0};
  std::thread requester([&] {
    for (int64_t round = 1; round <= kRounds; ++round) {
      requested.store(round, std::memory_order_release);
      waker_.Wake();
      while (answered.load(std::memory_order_acquire) < round) {
        std::this_thread::yield();
      }
    }
  });
  int64_t done = 0;
  while (done < kRounds && !timed_out_) {
    const int64_t seen = requested.load(std::memory_order_acquire);
    if (seen > done) {
      done = seen;
      answered.store(done, std::memory_order_release);
      continue;
    }
    WaitForWake();
  }
  if (timed_out_) answered.store(kRounds, std::memory_order_release);
  requester.join();
  EXPECT_FALSE(timed_out_) << "a wake-up was lost after round " << done;
}

}  // namespace
}  // namespace weft::uv
