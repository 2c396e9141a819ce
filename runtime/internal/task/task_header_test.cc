// The task state machine (TaskHeader) on its own: FakeTasks on a
// FakeScheduler whose queue the test drains by hand, or from several threads
// for the races (cancel or abort against completion, wake against
// completion, wake against a running poll). No coroutines, no runtime, no
// backend.

#include "runtime/internal/task/task_header.h"

#include <atomic>
#include <chrono>
#include <coroutine>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/fake_scheduler.h"
#include "runtime/internal/task/fake_task.h"
#include "runtime/internal/task/waker.h"
#include "runtime/task_state.h"

namespace weft::internal {
namespace {

using namespace std::chrono_literals;

// Long enough that only a hang reaches it, even under a sanitizer on a
// loaded machine; short enough to fail before the test's timeout.
constexpr auto kPatience = 20s;

// Counts its wakes (a JoinHandle's waker stand-in).
class CountingWaker final : public Wakeable {
 public:
  void Wake() override { wakes.fetch_add(1); }
  void Ref() override {}
  void Unref() override {}
  std::atomic<int> wakes{0};
};

// A readiness check that never says ready (what a pending leaf leaves).
class NeverReady final : public Pollable {
 public:
  bool IsReady() override { return false; }
};

// A new task on `scheduler`, queued, as RuntimeCore::Spawn leaves it. The
// caller keeps the JoinHandle's reference and gives it back with Join().
FakeTask* Spawn(FakeScheduler& scheduler, TaskRecord& record,
                FakeTask::Body body, bool panics = false) {
  auto* task = new FakeTask(record, std::move(body), panics);
  task->set_scheduler(&scheduler);
  scheduler.Spawn(task);
  return task;
}

// What dropping a JoinHandle does.
void Join(TaskHeader* task) {
  task->DropJoinInterest();
  task->Unref();
}

class TaskHeaderTest : public ::testing::Test {
 protected:
  FakeScheduler scheduler_;
  TaskRecord record_;
};

// memory_per_task (docs/PERFORMANCE.md) pays this for every task; tokio's
// whole task is 128 bytes.
TEST(TaskHeaderSizeTest, HeaderFitsTwoCacheLines) {
  EXPECT_LE(sizeof(ExecContext), 40u);
  EXPECT_LE(sizeof(TaskHeader), 128u);
}

TEST_F(TaskHeaderTest, NewTaskIsScheduled) {
  FakeTask* task = Spawn(scheduler_, record_, nullptr);
  EXPECT_EQ(task->State(), TaskState::kScheduled);
  EXPECT_FALSE(task->IsComplete());
  EXPECT_EQ(scheduler_.Queued(), 1u);
  scheduler_.RunAll();
  Join(task);
}

TEST_F(TaskHeaderTest, RunToCompletionReleasesAndKeepsTheOutputForTheJoin) {
  FakeTask* task = Spawn(scheduler_, record_, nullptr);
  EXPECT_EQ(scheduler_.RunAll(), 1);
  EXPECT_TRUE(task->IsComplete());
  EXPECT_EQ(record_.polls, 1);
  EXPECT_EQ(record_.completed, 1);
  EXPECT_EQ(record_.cancelled, 0);
  EXPECT_EQ(scheduler_.released(), 1);
  EXPECT_EQ(record_.outputs_dropped, 0);
  EXPECT_EQ(record_.destroyed, 0);  // the JoinHandle's reference is left

  Join(task);
  EXPECT_EQ(record_.outputs_dropped, 1);
  EXPECT_EQ(record_.destroyed, 1);
  EXPECT_EQ(scheduler_.violations(), 0) << scheduler_.ViolationLog();
}

TEST_F(TaskHeaderTest, PendingTaskRunsAgainOnlyWhenWoken) {
  int polls = 0;
  FakeTask* task =
      Spawn(scheduler_, record_, [&polls](FakeTask&) { return ++polls == 2; });
  scheduler_.RunAll();
  EXPECT_EQ(record_.polls, 1);
  EXPECT_EQ(task->State(), TaskState::kIdle);
  EXPECT_EQ(scheduler_.Queued(), 0u);

  Waker waker(task);
  waker.wake();
  waker.wake();  // already queued: no second entry
  EXPECT_EQ(scheduler_.Queued(), 1u);
  EXPECT_EQ(task->State(), TaskState::kScheduled);
  scheduler_.RunAll();
  EXPECT_TRUE(task->IsComplete());
  EXPECT_EQ(record_.polls, 2);

  waker.wake();  // a late wake of a complete task does nothing
  EXPECT_EQ(scheduler_.Queued(), 0u);
  Join(task);
  EXPECT_EQ(record_.destroyed, 0);  // `waker` still holds it
  waker = Waker();
  EXPECT_EQ(record_.destroyed, 1);
  EXPECT_EQ(scheduler_.violations(), 0) << scheduler_.ViolationLog();
}

TEST_F(TaskHeaderTest, YieldingTaskIsQueuedAgainAsYielded) {
  int polls = 0;
  FakeTask* task = Spawn(scheduler_, record_, [&polls](FakeTask&) {
    if (++polls == 2) return true;
    YieldFrom(std::noop_coroutine());
    return false;
  });
  ASSERT_TRUE(scheduler_.RunOne());
  FakeScheduler::Entry entry = scheduler_.Pop();
  ASSERT_EQ(entry.task, task);
  EXPECT_TRUE(entry.yielded);
  entry.task->Run();
  EXPECT_TRUE(task->IsComplete());
  Join(task);
  EXPECT_EQ(record_.destroyed, 1);
}

TEST_F(TaskHeaderTest, WakeDuringThePollQueuesTheTaskOnceAfterThePoll) {
  int polls = 0;
  size_t queued_during_poll = 99;
  FakeTask* task = Spawn(scheduler_, record_, [&](FakeTask& self) {
    if (++polls == 2) return true;
    self.Wake();
    self.Wake();
    queued_during_poll = scheduler_.Queued();
    return false;
  });
  ASSERT_TRUE(scheduler_.RunOne());
  EXPECT_EQ(queued_during_poll, 0u);  // the runner queues it, not the wake
  FakeScheduler::Entry entry = scheduler_.Pop();
  ASSERT_EQ(entry.task, task);
  EXPECT_FALSE(entry.yielded);
  EXPECT_EQ(scheduler_.Queued(), 0u);
  entry.task->Run();
  EXPECT_TRUE(task->IsComplete());
  EXPECT_EQ(scheduler_.scheduled(), 2);  // the spawn's and the runner's
  Join(task);
}

TEST_F(TaskHeaderTest, AbortBeforeTheFirstRunCancelsWithoutPolling) {
  FakeTask* task = Spawn(scheduler_, record_, nullptr);
  task->Abort();
  EXPECT_EQ(scheduler_.Queued(), 1u);  // queued already: not queued again
  scheduler_.RunAll();
  EXPECT_EQ(record_.polls, 0);
  EXPECT_EQ(record_.cancelled, 1);
  EXPECT_EQ(record_.completed, 0);
  EXPECT_EQ(scheduler_.released(), 1);
  Join(task);
  EXPECT_EQ(record_.destroyed, 1);
}

TEST_F(TaskHeaderTest, AbortOfAnIdleTaskQueuesItToBeCancelled) {
  FakeTask* task = Spawn(scheduler_, record_, [](FakeTask&) { return false; });
  scheduler_.RunAll();
  EXPECT_EQ(scheduler_.Queued(), 0u);
  task->Abort();
  EXPECT_EQ(scheduler_.Queued(), 1u);
  task->Abort();  // a second abort does nothing
  task->Wake();   // nor does a wake of a task queued to be cancelled
  EXPECT_EQ(scheduler_.Queued(), 1u);
  scheduler_.RunAll();
  EXPECT_EQ(record_.polls, 1);
  EXPECT_EQ(record_.cancelled, 1);
  EXPECT_TRUE(task->IsComplete());
  task->Abort();  // nor an abort of a complete task
  EXPECT_EQ(scheduler_.Queued(), 0u);
  Join(task);
  EXPECT_EQ(record_.destroyed, 1);
}

TEST_F(TaskHeaderTest, AbortDuringAPendingPollCancelsRightAfterIt) {
  FakeTask* task = Spawn(scheduler_, record_, [](FakeTask& self) {
    self.Abort();
    return false;
  });
  scheduler_.RunAll();
  EXPECT_EQ(record_.polls, 1);
  EXPECT_EQ(record_.cancelled, 1);
  EXPECT_EQ(record_.completed, 0);
  EXPECT_EQ(scheduler_.Queued(), 0u);
  Join(task);
}

TEST_F(TaskHeaderTest, CompletionWinsOverAnAbortDuringTheLastPoll) {
  FakeTask* task = Spawn(scheduler_, record_, [](FakeTask& self) {
    self.Abort();
    return true;
  });
  scheduler_.RunAll();
  EXPECT_EQ(record_.completed, 1);
  EXPECT_EQ(record_.cancelled, 0);
  EXPECT_EQ(scheduler_.released(), 1);
  Join(task);
}

TEST_F(TaskHeaderTest, ShutdownCancelsAQueuedTaskAndItsQueueEntryIsDropped) {
  FakeTask* task = Spawn(scheduler_, record_, nullptr);
  task->Shutdown(/*owned=*/true);
  EXPECT_TRUE(task->IsComplete());
  EXPECT_EQ(record_.cancelled, 1);
  EXPECT_EQ(scheduler_.released(), 1);
  EXPECT_EQ(scheduler_.RunAll(), 1);  // the stale entry: no poll
  EXPECT_EQ(record_.polls, 0);
  Join(task);
  EXPECT_EQ(record_.destroyed, 1);
}

TEST_F(TaskHeaderTest, ShutdownOfATaskNoOwnerAcceptedReleasesNothing) {
  // What RuntimeCore::Spawn does when its OwnedTasks refuses the task.
  auto* task = new FakeTask(record_, nullptr);
  task->set_scheduler(&scheduler_);
  task->Shutdown(/*owned=*/false);
  task->Unref();  // the queue entry it never got
  EXPECT_EQ(record_.cancelled, 1);
  EXPECT_EQ(scheduler_.released(), 0);
  EXPECT_EQ(task->scheduler(), nullptr);
  Join(task);
  EXPECT_EQ(record_.destroyed, 1);
}

TEST_F(TaskHeaderTest, ShutdownDuringAPollOnlyFlagsTheTaskForItsRunner) {
  int cancelled_during_poll = -1;
  FakeTask* task = Spawn(scheduler_, record_, [&](FakeTask& self) {
    self.Shutdown(/*owned=*/true);
    cancelled_during_poll = record_.cancelled;
    return false;
  });
  scheduler_.RunAll();
  EXPECT_EQ(cancelled_during_poll, 0);
  EXPECT_EQ(record_.cancelled, 1);
  EXPECT_EQ(scheduler_.released(), 1);
  Join(task);
}

TEST_F(TaskHeaderTest, CompletionWakesTheJoinWaker) {
  CountingWaker join;
  FakeTask* task = Spawn(scheduler_, record_, nullptr);
  EXPECT_TRUE(task->SetJoinWaker(Waker(&join)));
  scheduler_.RunAll();
  EXPECT_EQ(join.wakes, 1);
  EXPECT_FALSE(task->SetJoinWaker(Waker(&join)));  // complete already
  Join(task);
}

TEST_F(TaskHeaderTest, OnlyTheLatestJoinWakerIsWoken) {
  CountingWaker first;
  CountingWaker second;
  FakeTask* task = Spawn(scheduler_, record_, nullptr);
  EXPECT_TRUE(task->SetJoinWaker(Waker(&first)));
  EXPECT_TRUE(task->SetJoinWaker(Waker(&first)));
  EXPECT_TRUE(task->SetJoinWaker(Waker(&second)));
  task->Abort();
  scheduler_.RunAll();
  EXPECT_EQ(first.wakes, 0);
  EXPECT_EQ(second.wakes, 1);
  Join(task);
}

TEST_F(TaskHeaderTest, WithoutJoinInterestTheOutputIsDroppedAtCompletion) {
  FakeTask* task = Spawn(scheduler_, record_, nullptr);
  Join(task);  // detached before it ran
  EXPECT_EQ(record_.outputs_dropped, 0);
  scheduler_.RunAll();
  EXPECT_EQ(record_.outputs_dropped, 1);
  EXPECT_EQ(record_.destroyed, 1);
}

TEST_F(TaskHeaderTest, PanicIsReportedToTheScheduler) {
  FakeTask* task = Spawn(scheduler_, record_, nullptr, /*panics=*/true);
  scheduler_.RunAll();
  EXPECT_EQ(scheduler_.panics(), 1);
  EXPECT_EQ(scheduler_.released(), 1);
  Join(task);
}

TEST_F(TaskHeaderTest, ThePollSeesItsTaskAsCurrentAndRunning) {
  TaskHeader* current = nullptr;
  TaskState phase = TaskState::kIdle;
  FakeTask* task = Spawn(scheduler_, record_, [&](FakeTask& self) {
    current = CurrentTask();
    phase = self.State();
    return true;
  });
  EXPECT_EQ(CurrentTask(), nullptr);
  scheduler_.RunAll();
  EXPECT_EQ(current, task);
  EXPECT_EQ(phase, TaskState::kRunning);
  EXPECT_EQ(CurrentTask(), nullptr);
  Join(task);
}

struct WaitCase {
  WaitKind kind;
  TaskState state;
};

class TaskHeaderStateTest : public ::testing::TestWithParam<WaitCase> {};

TEST_P(TaskHeaderStateTest, IdleTaskReportsWhatItWaitsFor) {
  FakeScheduler scheduler;
  TaskRecord record;
  NeverReady never;
  WaitKind kind = GetParam().kind;
  FakeTask* task = Spawn(scheduler, record, [&](FakeTask&) {
    SuspendOn(std::noop_coroutine(), &never, kind);
    return false;
  });
  scheduler.RunAll();
  EXPECT_EQ(task->State(), GetParam().state);
  task->Abort();
  scheduler.RunAll();
  Join(task);
}

INSTANTIATE_TEST_SUITE_P(
    Waits, TaskHeaderStateTest,
    ::testing::Values(WaitCase{WaitKind::kTimer, TaskState::kBlockedOnTimer},
                      WaitCase{WaitKind::kIo, TaskState::kBlockedOnIo},
                      WaitCase{WaitKind::kOther, TaskState::kIdle},
                      WaitCase{WaitKind::kNone, TaskState::kIdle}));

// --- Races -----------------------------------------------------------------
//
// Many tasks, each raced by threads that wake or abort it while runner
// threads drain the queue. Every task must finish exactly once (completed or
// cancelled), be released once, never be polled by two threads at once, never
// be queued twice, and be destroyed once its last reference goes.

class TaskRace {
 public:
  static constexpr int kTasks = 2000;

  explicit TaskRace(FakeTask::Body body) : records_(kTasks) {
    for (int i = 0; i < kTasks; ++i) {
      tasks_.push_back(Spawn(scheduler_, records_[i], body));
    }
  }

  FakeScheduler& scheduler() { return scheduler_; }
  FakeTask* task(int i) { return tasks_[i]; }
  bool AllReleased() { return scheduler_.released() == kTasks; }

  // Runs `racers` next to two runner threads until every task is released.
  void Run(std::vector<std::function<void()>> racers) {
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    auto start = [&](std::function<void()> work) {
      threads.emplace_back([&go, work = std::move(work)] {
        while (!go.load()) std::this_thread::yield();
        work();
      });
    };
    for (int runner = 0; runner < 2; ++runner) {
      start([this] {
        auto deadline = std::chrono::steady_clock::now() + kPatience;
        while (!AllReleased() || scheduler_.Queued() > 0) {
          if (!scheduler_.RunOne()) std::this_thread::yield();
          if (std::chrono::steady_clock::now() > deadline) return;
        }
      });
    }
    for (auto& racer : racers) start(std::move(racer));
    go.store(true);
    for (std::thread& thread : threads) thread.join();
  }

  // Drops the JoinHandles' references and checks every promise.
  void JoinAndCheck() {
    EXPECT_EQ(scheduler_.released(), kTasks);
    EXPECT_EQ(scheduler_.Queued(), 0u);
    EXPECT_EQ(scheduler_.violations(), 0) << scheduler_.ViolationLog();
    for (FakeTask* task : tasks_) Join(task);
    int wrong = 0;
    for (int i = 0; i < kTasks; ++i) {
      const TaskRecord& record = records_[i];
      if (record.finished() != 1 || record.destroyed != 1 ||
          record.overlapping_polls != 0 || record.outputs_dropped != 1) {
        if (++wrong <= 5) {
          ADD_FAILURE() << "task " << i << ": completed " << record.completed
                        << ", cancelled " << record.cancelled << ", destroyed "
                        << record.destroyed << ", overlapping polls "
                        << record.overlapping_polls << ", outputs dropped "
                        << record.outputs_dropped;
        }
      }
    }
    EXPECT_EQ(wrong, 0);
  }

  int Completed() const {
    int completed = 0;
    for (const TaskRecord& record : records_) completed += record.completed;
    return completed;
  }

 private:
  FakeScheduler scheduler_;
  std::vector<TaskRecord> records_;
  std::vector<FakeTask*> tasks_;
};

// wake_and_drop hands the waker's reference to the run queue (or drops it
// when the task is queued or complete already): the task is queued once,
// and it is destroyed exactly when the last other reference goes.
TEST_F(TaskHeaderTest, WakeAndDropQueuesOnceAndGivesUpItsReference) {
  int polls = 0;
  FakeTask* task =
      Spawn(scheduler_, record_, [&polls](FakeTask&) { return ++polls == 2; });
  scheduler_.RunAll();
  ASSERT_EQ(record_.polls, 1);

  Waker first(task);
  Waker second(task);
  Waker late(task);
  std::move(first).wake_and_drop();
  EXPECT_FALSE(first);
  std::move(second).wake_and_drop();  // already queued: only the drop
  EXPECT_EQ(scheduler_.Queued(), 1u);
  scheduler_.RunAll();
  EXPECT_TRUE(task->IsComplete());
  EXPECT_EQ(record_.polls, 2);

  Join(task);
  EXPECT_EQ(record_.destroyed, 0);  // `late` still holds it
  std::move(late).wake_and_drop();  // complete: only the drop
  EXPECT_EQ(scheduler_.Queued(), 0u);
  EXPECT_EQ(record_.destroyed, 1);
  EXPECT_EQ(scheduler_.violations(), 0) << scheduler_.ViolationLog();
}

TEST(TaskHeaderRaceTest, AbortAgainstCompletionFinishesEachTaskOnce) {
  // Each task completes on its first poll; aborts land before, during or
  // after it.
  TaskRace race(nullptr);
  race.Run({[&race] {
    for (int i = 0; i < TaskRace::kTasks; ++i) race.task(i)->Abort();
  }});
  race.JoinAndCheck();
}

TEST(TaskHeaderRaceTest, AbortAndWakesAgainstAPendingTaskFinishEachTaskOnce) {
  // Pending on the first poll, done on the second: a wake lets it complete,
  // an abort cancels it; whichever comes first, it finishes once.
  TaskRace race([](FakeTask& self) { return self.record().polls >= 2; });
  race.Run({[&race] {
              while (!race.AllReleased()) {
                for (int i = 0; i < TaskRace::kTasks; ++i) {
                  race.task(i)->Wake();
                }
              }
            },
            [&race] {
              for (int i = TaskRace::kTasks - 1; i >= 0; --i) {
                race.task(i)->Abort();
              }
            }});
  race.JoinAndCheck();
}

TEST(TaskHeaderRaceTest, WakeAgainstARunningPollIsNeverLost) {
  // A task is done once it sees its flag set. The waker waits until a task's
  // first poll has begun, then sets the flag and wakes it, once: the wake
  // mostly lands while the poll runs (after it read the flag still clear),
  // and must then make the task run again, or the task never ends.
  TaskRace race([](FakeTask& self) {
    bool ready = self.record().ready.load();
    std::this_thread::yield();  // widen the window for the wake
    return ready;
  });
  race.Run({[&race] {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    for (int i = 0; i < TaskRace::kTasks; ++i) {
      TaskRecord& record = race.task(i)->record();
      while (record.polls.load() == 0 &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      record.ready.store(true);
      race.task(i)->Wake();
    }
  }});
  race.JoinAndCheck();
  EXPECT_EQ(race.Completed(), TaskRace::kTasks);
}

TEST(TaskHeaderRaceTest, WakesAgainstCompletionNeverReachAReleasedTask) {
  // Done on the third poll; two threads keep waking every task through
  // Wakers of their own until all are released. A wake counted before the
  // completion must have left the scheduler before the task is released
  // (FakeScheduler checks), and no wake may reach it afterwards.
  TaskRace race([](FakeTask& self) { return self.record().polls >= 3; });
  auto waker_thread = [&race] {
    std::vector<Waker> wakers;
    for (int i = 0; i < TaskRace::kTasks; ++i)
      wakers.emplace_back(race.task(i));
    while (!race.AllReleased()) {
      for (const Waker& waker : wakers) waker.wake();
    }
  };
  race.Run({waker_thread, waker_thread});
  race.JoinAndCheck();
  EXPECT_EQ(race.Completed(), TaskRace::kTasks);
}

// As above, with wakers used once: each wake gives its reference to the
// queue entry, so a task can be released while a wake that counted itself is
// still inside the scheduler; the count must keep the release waiting.
TEST(TaskHeaderRaceTest,
     WakeAndDropAgainstCompletionNeverReachesAReleasedTask) {
  TaskRace race([](FakeTask& self) { return self.record().polls >= 3; });
  auto waker_thread = [&race] {
    std::vector<Waker> wakers;
    for (int i = 0; i < TaskRace::kTasks; ++i)
      wakers.emplace_back(race.task(i));
    while (!race.AllReleased()) {
      for (const Waker& waker : wakers) Waker(waker).wake_and_drop();
    }
  };
  race.Run({waker_thread, waker_thread});
  race.JoinAndCheck();
  EXPECT_EQ(race.Completed(), TaskRace::kTasks);
}

}  // namespace
}  // namespace weft::internal
