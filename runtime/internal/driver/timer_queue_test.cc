// TimerQueue on its own: deadlines fire in order, cancelled timers never
// fire, equal deadlines all fire, and the parking protocol asks for a wake
// only when a new timer comes before the deadline the driver waits for.
// Time is made up (fixed time points); nothing sleeps.

#include "runtime/internal/driver/timer_queue.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/internal/task/waker.h"

namespace weft::internal {
namespace {

using std::chrono::milliseconds;

// Records the ids of the timers it was woken for, in order.
class WakeLog {
 public:
  std::vector<int> TakeWoken() {
    std::lock_guard lock(mu_);
    return std::exchange(woken_, {});
  }
  void Record(int id) {
    std::lock_guard lock(mu_);
    woken_.push_back(id);
  }

 private:
  std::mutex mu_;
  std::vector<int> woken_;
};

// The waker of one timer: its wake records the timer's id.
class TimerWaker final : public Wakeable {
 public:
  TimerWaker(WakeLog& log, int id) : log_(log), id_(id) {}
  void Wake() override { log_.Record(id_); }
  void Ref() override { refs_.fetch_add(1); }
  void Unref() override { refs_.fetch_sub(1); }
  int refs() const { return refs_.load(); }

 private:
  WakeLog& log_;
  int id_;
  std::atomic<int> refs_{0};
};

// A timer as a Sleep owns one: the entry plus what its waker wakes.
struct Timer {
  Timer(WakeLog& log, int id, Clock::time_point deadline) : waker(log, id) {
    entry.deadline = deadline;
    entry.waker = Waker(&waker);
  }
  TimerWaker waker;
  TimerEntry entry;
};

class TimerQueueTest : public ::testing::Test {
 protected:
  Timer& Add(int id, milliseconds at) {
    timers_.push_back(std::make_unique<Timer>(log_, id, kStart + at));
    return *timers_.back();
  }
  size_t FireAt(milliseconds at) { return queue_.FireExpired(kStart + at); }

  const Clock::time_point kStart = Clock::time_point() + std::chrono::hours(1);
  WakeLog log_;
  TimerQueue queue_;
  std::vector<std::unique_ptr<Timer>> timers_;
};

TEST_F(TimerQueueTest, EmptyQueueHasNoDeadlineAndFiresNothing) {
  EXPECT_EQ(queue_.Size(), 0u);
  EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
  EXPECT_EQ(FireAt(milliseconds(1000)), 0u);
}

TEST_F(TimerQueueTest, FiresDueTimersInDeadlineOrder) {
  for (int id : {5, 3, 9, 1, 7, 2, 8, 4, 6}) {
    queue_.Insert(&Add(id, milliseconds(10 * id)).entry);
  }
  EXPECT_EQ(queue_.Size(), 9u);
  EXPECT_EQ(queue_.NextDeadline(), kStart + milliseconds(10));

  EXPECT_EQ(FireAt(milliseconds(45)), 4u);
  EXPECT_EQ(log_.TakeWoken(), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(queue_.NextDeadline(), kStart + milliseconds(50));

  EXPECT_EQ(FireAt(milliseconds(90)), 5u);
  EXPECT_EQ(log_.TakeWoken(), (std::vector<int>{5, 6, 7, 8, 9}));
  EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
  EXPECT_EQ(queue_.Size(), 0u);
}

TEST_F(TimerQueueTest, DeadlineEqualToNowFires) {
  Timer& timer = Add(1, milliseconds(10));
  queue_.Insert(&timer.entry);
  EXPECT_EQ(FireAt(milliseconds(9)), 0u);
  EXPECT_FALSE(timer.entry.fired.load());
  EXPECT_EQ(FireAt(milliseconds(10)), 1u);
  EXPECT_TRUE(timer.entry.fired.load());
  EXPECT_EQ(timer.entry.heap_index, TimerEntry::kNotQueued);
}

TEST_F(TimerQueueTest, FiringReleasesTheWaker) {
  Timer& timer = Add(1, milliseconds(10));
  queue_.Insert(&timer.entry);
  EXPECT_EQ(timer.waker.refs(), 1);
  FireAt(milliseconds(10));
  EXPECT_EQ(timer.waker.refs(), 0);
}

TEST_F(TimerQueueTest, EqualDeadlinesAllFireOnce) {
  for (int id = 0; id < 50; ++id) {
    queue_.Insert(&Add(id, milliseconds(id % 2 == 0 ? 10 : 20)).entry);
  }
  EXPECT_EQ(FireAt(milliseconds(10)), 25u);
  std::vector<int> first = log_.TakeWoken();
  std::sort(first.begin(), first.end());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i], 2 * i);

  EXPECT_EQ(FireAt(milliseconds(20)), 25u);
  std::vector<int> second = log_.TakeWoken();
  std::sort(second.begin(), second.end());
  for (size_t i = 0; i < second.size(); ++i) EXPECT_EQ(second[i], 2 * i + 1);
  EXPECT_EQ(FireAt(milliseconds(1000)), 0u);
}

TEST_F(TimerQueueTest, CancelledTimerNeverFires) {
  Timer& early = Add(1, milliseconds(10));
  Timer& middle = Add(2, milliseconds(20));
  Timer& late = Add(3, milliseconds(30));
  for (Timer* timer : {&early, &middle, &late}) queue_.Insert(&timer->entry);

  queue_.Cancel(&early.entry);
  EXPECT_EQ(early.entry.heap_index, TimerEntry::kNotQueued);
  EXPECT_EQ(queue_.Size(), 2u);
  EXPECT_EQ(queue_.NextDeadline(), kStart + milliseconds(20));

  queue_.Cancel(&late.entry);
  EXPECT_EQ(FireAt(milliseconds(100)), 1u);
  EXPECT_EQ(log_.TakeWoken(), std::vector<int>{2});
  EXPECT_FALSE(early.entry.fired.load());
  EXPECT_FALSE(late.entry.fired.load());
}

TEST_F(TimerQueueTest, CancelAfterFiringOrTwiceDoesNothing) {
  Timer& fired = Add(1, milliseconds(10));
  Timer& other = Add(2, milliseconds(20));
  queue_.Insert(&fired.entry);
  queue_.Insert(&other.entry);
  FireAt(milliseconds(10));
  log_.TakeWoken();

  queue_.Cancel(&fired.entry);
  queue_.Cancel(&other.entry);
  queue_.Cancel(&other.entry);
  EXPECT_EQ(queue_.Size(), 0u);
  EXPECT_EQ(FireAt(milliseconds(100)), 0u);
  EXPECT_TRUE(log_.TakeWoken().empty());
}

TEST_F(TimerQueueTest, ReinsertedEntryFiresAgain) {
  Timer& timer = Add(1, milliseconds(10));
  queue_.Insert(&timer.entry);
  FireAt(milliseconds(10));
  EXPECT_TRUE(timer.entry.fired.load());

  timer.entry.deadline = kStart + milliseconds(30);
  timer.entry.waker = Waker(&timer.waker);
  queue_.Insert(&timer.entry);
  EXPECT_FALSE(timer.entry.fired.load());
  EXPECT_EQ(FireAt(milliseconds(30)), 1u);
  EXPECT_EQ(log_.TakeWoken(), (std::vector<int>{1, 1}));
}

// Random inserts, cancels and firings against a model (a multimap): the heap
// must stay ordered whatever is removed from its middle.
TEST_F(TimerQueueTest, MatchesAModelUnderRandomInsertsAndCancels) {
  std::mt19937 random(12345);
  std::multimap<int64_t, int> model;  // deadline (ms) -> id
  std::map<int, Timer*> queued;
  int64_t now = 0;
  for (int step = 0; step < 5000; ++step) {
    int choice = std::uniform_int_distribution<int>(0, 9)(random);
    if (choice < 6) {
      int64_t at = now + std::uniform_int_distribution<int>(0, 100)(random);
      Timer& timer = Add(step, milliseconds(at));
      queue_.Insert(&timer.entry);
      model.emplace(at, step);
      queued[step] = &timer;
    } else if (choice < 9 && !queued.empty()) {
      auto victim = queued.begin();
      std::advance(victim, std::uniform_int_distribution<size_t>(
                               0, queued.size() - 1)(random));
      queue_.Cancel(&victim->second->entry);
      for (auto it = model.begin(); it != model.end(); ++it) {
        if (it->second == victim->first) {
          model.erase(it);
          break;
        }
      }
      queued.erase(victim);
    } else {
      now += std::uniform_int_distribution<int>(0, 30)(random);
      queue_.FireExpired(kStart + milliseconds(now));
      std::vector<int> woken = log_.TakeWoken();
      // Fired in deadline order; equal deadlines in any order.
      std::vector<int64_t> deadlines;
      std::vector<int> expected;
      while (!model.empty() && model.begin()->first <= now) {
        expected.push_back(model.begin()->second);
        model.erase(model.begin());
      }
      ASSERT_EQ(woken.size(), expected.size()) << "step " << step;
      for (int id : woken) {
        deadlines.push_back(queued.at(id)->entry.deadline.time_since_epoch() /
                            milliseconds(1));
        queued.erase(id);
      }
      EXPECT_TRUE(std::is_sorted(deadlines.begin(), deadlines.end()));
      std::sort(woken.begin(), woken.end());
      std::sort(expected.begin(), expected.end());
      EXPECT_EQ(woken, expected) << "step " << step;
    }
    ASSERT_EQ(queue_.Size(), model.size());
    if (model.empty()) {
      EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
    } else {
      EXPECT_EQ(queue_.NextDeadline(),
                kStart + milliseconds(model.begin()->first));
    }
  }
}

TEST_F(TimerQueueTest, InsertAsksForAWakeOnlyWhenParkedPastTheNewDeadline) {
  Timer& at_20 = Add(1, milliseconds(20));
  Timer& at_30 = Add(2, milliseconds(30));
  Timer& at_10 = Add(3, milliseconds(10));
  Timer& at_5 = Add(4, milliseconds(5));

  // Not parked: nobody needs waking.
  EXPECT_FALSE(queue_.Insert(&at_20.entry));
  EXPECT_EQ(queue_.BeginPark(), kStart + milliseconds(20));
  EXPECT_FALSE(queue_.Insert(&at_30.entry));  // later than the wait
  EXPECT_TRUE(queue_.Insert(&at_10.entry));   // earlier: re-arm
  queue_.EndPark();
  EXPECT_FALSE(queue_.Insert(&at_5.entry));  // not parked any more
}

TEST_F(TimerQueueTest, InsertIntoEmptyQueueWakesADriverParkedWithoutLimit) {
  EXPECT_EQ(queue_.BeginPark(), std::nullopt);
  EXPECT_TRUE(queue_.Insert(&Add(1, milliseconds(1000)).entry));
  queue_.EndPark();
}

// Inserts and cancels from several threads while one thread fires: every
// timer either fires once or was cancelled before it fired, never both.
TEST_F(TimerQueueTest, ConcurrentInsertCancelAndFireAccountForEveryTimer) {
  constexpr int kThreads = 3;
  constexpr int kPerThread = 3000;
  std::vector<std::unique_ptr<Timer>> timers;
  for (int id = 0; id < kThreads * kPerThread; ++id) {
    timers.push_back(
        std::make_unique<Timer>(log_, id, kStart + milliseconds(id % 97)));
  }
  std::atomic<bool> stop{false};
  std::thread firer([&] {
    int64_t ms = 0;
    while (!stop.load()) queue_.FireExpired(kStart + milliseconds(ms++ % 97));
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Timer& timer = *timers[t * kPerThread + i];
        queue_.Insert(&timer.entry);
        if (i % 2 == 0) queue_.Cancel(&timer.entry);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  stop.store(true);
  firer.join();
  queue_.FireExpired(kStart + milliseconds(1000));

  std::vector<int> fired_count(timers.size());
  for (int id : log_.TakeWoken()) ++fired_count[id];
  for (size_t id = 0; id < timers.size(); ++id) {
    const Timer& timer = *timers[id];
    bool fired = timer.entry.fired.load();
    ASSERT_EQ(fired_count[id], fired ? 1 : 0) << "timer " << id;
    // Only cancelled ones (even i) may be left unfired.
    if (!fired) {
      ASSERT_EQ((id % kPerThread) % 2, 0u) << "timer " << id;
    }
    EXPECT_EQ(timer.entry.heap_index, TimerEntry::kNotQueued);
  }
  EXPECT_EQ(queue_.Size(), 0u);
}

}  // namespace
}  // namespace weft::internal
