// Wake: from any thread, before or during a Run, never lost, and many wakes
// coalesced into one (and at most one system call).

#include <optional>
#include <thread>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ReactorTest, WakeFromAnotherThreadInterruptsAnUnboundedRun) {
  std::thread waker([this] {
    std::this_thread::sleep_for(50ms);
    reactor_->Wake();
  });
  EXPECT_EQ(RunOnce(std::nullopt), 0);  // hangs if the wake is lost
  waker.join();
}

TEST_F(ReactorTest, WakeBeforeRunIsNotLost) {
  reactor_->Wake();
  EXPECT_EQ(RunOnce(std::nullopt), 0);  // hangs if the wake is lost
}

TEST_F(ReactorTest, RunUntilTheEndOfTimeWaitsForAWake) {
  ForNewReactors([&](Reactor& reactor) {
    std::thread waker([&] {
      std::this_thread::sleep_for(50ms);
      reactor.Wake();
    });
    const Clock::time_point start = Clock::now();
    // time_point::max(): effectively forever, with no overflow on the way
    // (which would make it a deadline in the past) and no spinning.
    EXPECT_EQ(RunOnce(Clock::time_point::max(), &reactor), 0);
    EXPECT_GE(Clock::now() - start, 40ms);
    waker.join();
  });
}

TEST_F(ReactorTest, WakesCoalesceIntoOne) {
  ForNewReactors([&](Reactor& reactor) {
    for (int i = 0; i < 5; ++i) reactor.Wake();
    std::thread waker([&] {
      for (int i = 0; i < 5; ++i) reactor.Wake();
    });
    waker.join();
    EXPECT_EQ(RunOnce(std::nullopt, &reactor), 0);

    // Nothing of the ten wakes is left over: this Run waits its full time.
    const Clock::time_point start = Clock::now();
    EXPECT_EQ(RunOnce(start + 100ms, &reactor), 0);
    EXPECT_GE(Clock::now() - start, 100ms);

    // And a wake after the coalesced ones still gets through.
    reactor.Wake();
    EXPECT_EQ(RunOnce(std::nullopt, &reactor), 0);
  });
}

TEST_F(ReactorTest, CoalescedWakesCostOneSystemCall) {
  if (WriteSyscalls() < 0) GTEST_SKIP() << "no /proc/self/io syscw here";
  ForNewReactors([&](Reactor& reactor) {
    const int64_t before = WriteSyscalls();
    for (int i = 0; i < 1000; ++i) reactor.Wake();
    const int64_t writes = WriteSyscalls() - before;
    // One wake-up write, or none where the reactor writes only while a Run
    // blocks (EventfdWaker), give or take stray writes; the Run below
    // returns only if the wake-up got through.
    EXPECT_LT(writes, 10);
    EXPECT_EQ(RunOnce(std::nullopt, &reactor), 0);
  });
}

}  // namespace
}  // namespace weft::reactor_testing
