// JoinHandle, AbortHandle and JoinError: awaiting, detaching, aborting,
// is_finished, panics and the messages of JoinError.

#include <atomic>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

static_assert(!std::is_copy_constructible_v<JoinHandle<int>>,
              "JoinHandle is move-only");
static_assert(std::is_move_constructible_v<JoinHandle<int>>);
static_assert(std::is_copy_constructible_v<AbortHandle>,
              "AbortHandle is copyable");
static_assert(std::is_same_v<JoinResult<int>, std::expected<int, JoinError>>);
static_assert(std::is_same_v<JoinResult<void>, std::expected<void, JoinError>>);

class JoinHandleTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(JoinHandleTest);

TaskLocal<int> kTag;

Task<int> Identity(int value) { co_return value; }

Task<void> SleepForever() { co_await sleep(kForever); }

Task<int> RecordRun(std::atomic<bool>* ran,
                    [[maybe_unused]] DropCounter guard) {
  ran->store(true);
  co_return 1;
}

// What a task's local saw while the task's frame was destroyed.
struct Observed {
  std::atomic<bool> suspended{false};
  std::atomic<int> destroyed{0};
  std::atomic<uint64_t> id_in_destructor{0};
  std::atomic<int> tag_in_destructor{-1};
  std::atomic<int> finished_in_destructor{-1};  // -1: not checked
  std::optional<AbortHandle> self;              // set before any abort
};

class ContextProbe {
 public:
  explicit ContextProbe(Observed* observed) : observed_(observed) {}
  ContextProbe(const ContextProbe&) = delete;
  ~ContextProbe() {
    std::optional<TaskId> id = try_current_task_id();
    observed_->id_in_destructor.store(id.has_value() ? id->value() : 0);
    const int* tag = kTag.try_get();
    observed_->tag_in_destructor.store(tag != nullptr ? *tag : -1);
    if (observed_->self.has_value()) {
      observed_->finished_in_destructor.store(
          observed_->self->is_finished() ? 1 : 0);
    }
    observed_->destroyed.fetch_add(1);
  }

 private:
  Observed* observed_;
};

Task<int> SleepWithProbe(Observed* observed) {
  ContextProbe probe(observed);
  observed->suspended.store(true);
  co_await sleep(kForever);
  co_return 1;
}

struct ThrowsOnDestroy {
  ThrowsOnDestroy() = default;
  ThrowsOnDestroy(const ThrowsOnDestroy&) = delete;
  ~ThrowsOnDestroy() noexcept(false) {
    throw TestError("thrown by a destructor", 5);
  }
};

Task<void> SleepWithThrowingLocal(std::atomic<bool>* suspended) {
  ThrowsOnDestroy local;
  suspended->store(true);
  co_await sleep(kForever);
}

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1));
}

const std::string kThisFile = Basename(__FILE__);

TEST_P(JoinHandleTest, AwaitLvalueHandle) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    JoinHandle<int> handle = spawn(Identity(1));
    JoinResult<int> r = co_await handle;
    co_return r;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 1);
}

TEST_P(JoinHandleTest, AwaitRvalueHandle) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    JoinHandle<int> handle = spawn(Identity(2));
    JoinResult<int> r = co_await std::move(handle);
    co_return r;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 2);
}

TEST_P(JoinHandleTest, AwaitingAgainAfterOutputTakenThrowsUsageError) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn(Identity(3));
    JoinResult<int> first = co_await handle;
    EXPECT_TRUE(first.has_value());
    bool threw = false;
    try {
      JoinResult<int> second = co_await handle;
      ADD_FAILURE() << "second await returned " << Describe(second);
    } catch (const UsageError& e) {
      threw = true;
      EXPECT_FALSE(std::string(e.what()).empty());
    }
    EXPECT_TRUE(threw) << "awaiting a JoinHandle whose output was taken "
                          "throws UsageError";
  });
}

TEST_P(JoinHandleTest, MovedHandleStillJoins) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    JoinHandle<int> first = spawn(Identity(4));
    TaskId id = first.id();
    JoinHandle<int> second = std::move(first);
    EXPECT_EQ(second.id(), id);
    co_return co_await second;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 4);
}

TEST_P(JoinHandleTest, AnotherTaskCanAwaitTheHandle) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    JoinHandle<int> producer = spawn([]() -> Task<int> {
      co_await sleep(2ms);
      co_return 5;
    });
    JoinHandle<int> consumer =
        spawn([producer = std::move(producer)]() mutable -> Task<int> {
          JoinResult<int> r = co_await producer;
          co_return r.has_value() ? *r * 10 : -1;
        });
    co_return co_await consumer;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 50);
}

TEST_P(JoinHandleTest, DroppingTheHandleDetachesTheTask) {
  std::atomic<int> progress{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    {
      JoinHandle<void> handle = spawn([&progress]() -> Task<void> {
        for (int i = 0; i < 5; ++i) {
          co_await sleep(1ms);
          co_await yield_now();
          progress.fetch_add(1);
        }
      });
    }  // the handle is destroyed here: the task is detached, not aborted
    bool done = co_await Eventually([&] { return progress.load() == 5; });
    EXPECT_TRUE(done) << "a detached task runs to its end; progress "
                      << progress.load();
  });
}

TEST_P(JoinHandleTest, DetachedTaskOutputIsDestroyed) {
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    {
      JoinHandle<DropCounter> handle = spawn([&drops]() -> Task<DropCounter> {
        co_await sleep(1ms);
        co_return DropCounter(&drops);
      });
    }
    bool dropped = co_await Eventually([&] { return drops.load() == 1; });
    EXPECT_TRUE(dropped) << "the output of a detached task is dropped";
  });
  EXPECT_EQ(drops.load(), 1);
}

TEST_P(JoinHandleTest, AbortBeforeStartNeverRunsTheBody) {
  std::atomic<bool> ran{false};
  std::atomic<bool> task_ran{false};
  std::atomic<int> capture_drops{0};
  std::atomic<int> argument_drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    WorkerHold hold;
    EXPECT_TRUE(hold.Hold(multi_thread())) << "could not occupy the workers";
    // No worker is free (multi_thread) and the block_on body does not
    // suspend (current_thread): neither task can start before the aborts.
    JoinHandle<int> callable =
        spawn([&ran, guard = DropCounter(&capture_drops)]() -> Task<int> {
          ran.store(true);
          co_return 1;
        });
    JoinHandle<int> task =
        spawn(RecordRun(&task_ran, DropCounter(&argument_drops)));
    callable.abort();
    task.abort();
    co_await hold.Release();
    JoinResult<int> r1 = co_await callable;
    JoinResult<int> r2 = co_await task;
    EXPECT_TRUE(!r1.has_value() && r1.error().is_cancelled()) << Describe(r1);
    EXPECT_TRUE(!r2.has_value() && r2.error().is_cancelled()) << Describe(r2);
    EXPECT_EQ(capture_drops.load(), 1)
        << "the captures of an aborted, never started task are destroyed";
    EXPECT_EQ(argument_drops.load(), 1)
        << "the frame of an aborted, never started task is destroyed";
  });
  EXPECT_FALSE(ran.load());
  EXPECT_FALSE(task_ran.load());
}

TEST_P(JoinHandleTest, AbortWhileSuspendedDestroysTheFrameInTaskContext) {
  Observed observed;
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn(kTag.scope(17, SleepWithProbe(&observed)));
    observed.self = handle.abort_handle();
    bool suspended =
        co_await Eventually([&] { return observed.suspended.load(); });
    EXPECT_TRUE(suspended);
    co_await sleep(1ms);
    EXPECT_EQ(observed.destroyed.load(), 0);
    handle.abort();
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    EXPECT_EQ(observed.destroyed.load(), 1)
        << "the aborted task's locals are destroyed before its JoinHandle "
           "reports cancellation";
    EXPECT_EQ(observed.id_in_destructor.load(), handle.id().value())
        << "current_task_id() inside a destructor run by cancellation is the "
           "cancelled task's id";
    EXPECT_EQ(observed.tag_in_destructor.load(), 17)
        << "task-locals are readable in destructors run by cancellation";
    EXPECT_EQ(observed.finished_in_destructor.load(), 0)
        << "is_finished() is false while the aborted task's frame is being "
           "destroyed";
    EXPECT_TRUE(handle.is_finished());
  });
}

TEST_P(JoinHandleTest, AbortAfterFinishKeepsTheResult) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn(Identity(7));
    bool finished = co_await Eventually([&] { return handle.is_finished(); });
    EXPECT_TRUE(finished);
    handle.abort();
    handle.abort_handle().abort();
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
    if (result.has_value()) {
      EXPECT_EQ(*result, 7);
    }
  });
}

TEST_P(JoinHandleTest, AbortIsIdempotent) {
  Observed observed;
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn(SleepWithProbe(&observed));
    AbortHandle abort_handle = handle.abort_handle();
    bool suspended =
        co_await Eventually([&] { return observed.suspended.load(); });
    EXPECT_TRUE(suspended);
    handle.abort();
    abort_handle.abort();
    handle.abort();
    JoinResult<int> result = co_await handle;
    abort_handle.abort();  // after the end: does nothing
    handle.abort();
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    EXPECT_EQ(observed.destroyed.load(), 1) << "the frame is destroyed once";
  });
  EXPECT_EQ(observed.destroyed.load(), 1);
}

TEST_P(JoinHandleTest, AbortFromTheTaskItselfTakesEffectAtTheNextSuspension) {
  std::optional<AbortHandle> self;
  std::atomic<bool> ready{false};
  std::atomic<bool> after_abort{false};
  std::atomic<bool> after_suspension{false};
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn([&]() -> Task<int> {
      DropCounter local(&drops);
      while (!ready.load()) co_await yield_now();
      self->abort();
      after_abort.store(true);  // abort is not an exception: this runs
      co_await yield_now();     // the frame is destroyed here
      after_suspension.store(true);
      co_return 1;
    });
    self = handle.abort_handle();
    ready.store(true);
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
  });
  EXPECT_TRUE(after_abort.load());
  EXPECT_FALSE(after_suspension.load());
  EXPECT_EQ(drops.load(), 1);
}

TEST_P(JoinHandleTest, SelfAbortThenCompletingWithoutSuspendingKeepsResult) {
  std::optional<AbortHandle> self;
  std::atomic<bool> ready{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn([&]() -> Task<int> {
      while (!ready.load()) co_await yield_now();
      self->abort();
      co_return 5;  // no suspension point after the abort: the result wins
    });
    self = handle.abort_handle();
    ready.store(true);
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
    if (result.has_value()) {
      EXPECT_EQ(*result, 5);
    }
  });
}

TEST_P(JoinHandleTest, AbortFromAnotherThread) {
  Observed observed;
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn(SleepWithProbe(&observed));
    bool suspended =
        co_await Eventually([&] { return observed.suspended.load(); });
    EXPECT_TRUE(suspended);
    std::thread other(
        [abort_handle = handle.abort_handle()] { abort_handle.abort(); });
    other.join();
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    EXPECT_EQ(observed.destroyed.load(), 1);
  });
}

TEST_P(JoinHandleTest, AbortWakesATaskAwaitingTheHandle) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<void> sleeper = spawn(SleepForever());
    AbortHandle abort_handle = sleeper.abort_handle();
    std::atomic<bool> waiting{false};
    JoinHandle<bool> waiter =
        spawn([&waiting, sleeper = std::move(sleeper)]() mutable -> Task<bool> {
          waiting.store(true);
          JoinResult<void> r = co_await sleeper;
          co_return !r.has_value() && r.error().is_cancelled();
        });
    bool started = co_await Eventually([&] { return waiting.load(); });
    EXPECT_TRUE(started);
    co_await sleep(2ms);
    abort_handle.abort();
    JoinResult<bool> result = co_await waiter;
    EXPECT_TRUE(result.has_value() && *result)
        << "the task awaiting an aborted task's handle gets a cancelled "
           "JoinError";
  });
}

TEST_P(JoinHandleTest, AbortHandleAbortsAndReportsTheTask) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<void> handle = spawn(SleepForever());
    AbortHandle first = handle.abort_handle();
    AbortHandle copy = first;
    EXPECT_EQ(first.id(), handle.id());
    EXPECT_EQ(copy.id(), handle.id());
    EXPECT_FALSE(copy.is_finished());
    copy.abort();
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    EXPECT_TRUE(first.is_finished());
    EXPECT_TRUE(copy.is_finished());
  });
}

TEST_P(JoinHandleTest, AbortHandleOutlivesTheJoinHandle) {
  std::atomic<bool> release{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    std::optional<AbortHandle> abort_handle;
    {
      JoinHandle<void> handle = spawn([&release]() -> Task<void> {
        while (!release.load()) co_await sleep(1ms);
      });
      abort_handle = handle.abort_handle();
    }  // detached; the AbortHandle does not keep the output
    EXPECT_FALSE(abort_handle->is_finished());
    release.store(true);
    bool finished =
        co_await Eventually([&] { return abort_handle->is_finished(); });
    EXPECT_TRUE(finished);
  });
}

TEST_P(JoinHandleTest, IsFinishedTurnsTrueOnlyWhenTheTaskEnded) {
  std::atomic<bool> gate{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<int> handle = spawn([&gate]() -> Task<int> {
      while (!gate.load()) co_await yield_now();
      co_return 9;
    });
    for (int i = 0; i < 5; ++i) {
      co_await sleep(1ms);
      EXPECT_FALSE(handle.is_finished());
    }
    gate.store(true);
    bool finished = co_await Eventually([&] { return handle.is_finished(); });
    EXPECT_TRUE(finished);
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result == 9) << Describe(result);
    EXPECT_TRUE(handle.is_finished());
  });
}

TEST_P(JoinHandleTest, PanicYieldsJoinErrorWithTheOriginalException) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn([]() -> Task<int> {
      co_await yield_now();
      throw TestError("kaboom", 42);
      co_return 0;
    });
    TaskId id = handle.id();
    JoinResult<int> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "a panicking task produced a value";
      co_return;
    }
    const JoinError& error = result.error();
    EXPECT_TRUE(error.is_panic());
    EXPECT_FALSE(error.is_cancelled());
    EXPECT_EQ(error.id(), id);
    std::optional<std::exception_ptr> maybe = error.try_into_panic();
    EXPECT_TRUE(maybe.has_value() && *maybe != nullptr);
    bool caught = false;
    try {
      std::rethrow_exception(error.into_panic());
    } catch (const TestError& e) {
      caught = true;
      EXPECT_EQ(e.code(), 42);
      EXPECT_STREQ(e.what(), "kaboom");
    } catch (...) {
      ADD_FAILURE() << "into_panic() rethrew a different exception type";
    }
    EXPECT_TRUE(caught);
  });
}

TEST_P(JoinHandleTest, PanicBeforeFirstSuspension) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<void> handle = spawn([]() -> Task<void> {
      throw std::invalid_argument("at once");
      co_return;
    });
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(!result.has_value() && result.error().is_panic())
        << Describe(result);
    if (!result.has_value() && result.error().is_panic()) {
      EXPECT_THROW(std::rethrow_exception(result.error().into_panic()),
                   std::invalid_argument);
    }
  });
}

TEST_P(JoinHandleTest, CancelledErrorHasNoPanic) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<void> handle = spawn(SleepForever());
    TaskId id = handle.id();
    handle.abort();
    JoinResult<void> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "an aborted sleeper produced a value";
      co_return;
    }
    EXPECT_TRUE(result.error().is_cancelled());
    EXPECT_FALSE(result.error().is_panic());
    EXPECT_FALSE(result.error().try_into_panic().has_value());
    EXPECT_EQ(result.error().id(), id);
  });
}

TEST_P(JoinHandleTest, PanicDoesNotTakeTheRuntimeDown) {
  Runtime rt = MakeRuntime();
  int value = rt.block_on([]() -> Task<int> {
    for (int i = 0; i < 10; ++i) {
      JoinHandle<void> bad = spawn([]() -> Task<void> {
        throw TestError("ignored");
        co_return;
      });
      JoinResult<void> r = co_await bad;
      EXPECT_FALSE(r.has_value());
    }
    JoinResult<int> good = co_await spawn(Identity(6));
    co_return good.value_or(-1);
  });
  EXPECT_EQ(value, 6);
  EXPECT_EQ(rt.block_on(Identity(7)), 7);
}

TEST_P(JoinHandleTest, CancelledMessageNamesTaskAndLocation) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    // The spawn and __LINE__ share a line: the location is the call's.
    // clang-format off
    JoinHandle<void> handle = spawn_named("sleeper", SleepForever()); const int line = __LINE__;
    // clang-format on
    handle.abort();
    JoinResult<void> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "an aborted sleeper produced a value";
      co_return;
    }
    const JoinError& error = result.error();
    const std::string expected = "task " + std::to_string(error.id().value()) +
                                 " (sleeper, " + kThisFile + ":" +
                                 std::to_string(line) + ") was cancelled";
    EXPECT_EQ(error.message(), expected);
    EXPECT_STREQ(error.what(), expected.c_str());
    std::ostringstream streamed;
    streamed << error;
    EXPECT_EQ(streamed.str(), expected);
  });
}

TEST_P(JoinHandleTest, CancelledMessageWithoutName) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    // clang-format off
    JoinHandle<void> handle = spawn(SleepForever()); const int line = __LINE__;
    // clang-format on
    handle.abort();
    JoinResult<void> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "an aborted sleeper produced a value";
      co_return;
    }
    EXPECT_EQ(result.error().message(),
              "task " + std::to_string(handle.id().value()) + " (" + kThisFile +
                  ":" + std::to_string(line) + ") was cancelled");
  });
}

TEST_P(JoinHandleTest, PanickedMessageNamesTaskLocationAndWhat) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    auto body = []() -> Task<int> {
      throw TestError("it broke");
      co_return 0;
    };
    // clang-format off
    JoinHandle<int> handle = spawn_named("boomer", body); const int line = __LINE__;
    // clang-format on
    JoinResult<int> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "a panicking task produced a value";
      co_return;
    }
    EXPECT_EQ(result.error().message(),
              "task " + std::to_string(handle.id().value()) + " (boomer, " +
                  kThisFile + ":" + std::to_string(line) +
                  ") panicked: it broke");
  });
}

TEST_P(JoinHandleTest, PanicWithNonStandardExceptionSaysUnknownException) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    auto body = []() -> Task<void> {
      throw 42;
      co_return;
    };
    // clang-format off
    JoinHandle<void> handle = spawn(body); const int line = __LINE__;
    // clang-format on
    JoinResult<void> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "a panicking task produced a value";
      co_return;
    }
    EXPECT_TRUE(result.error().is_panic());
    EXPECT_EQ(result.error().message(),
              "task " + std::to_string(handle.id().value()) + " (" + kThisFile +
                  ":" + std::to_string(line) + ") panicked: unknown exception");
    bool caught = false;
    try {
      std::rethrow_exception(result.error().into_panic());
    } catch (int value) {
      caught = true;
      EXPECT_EQ(value, 42);
    } catch (...) {
    }
    EXPECT_TRUE(caught) << "the original int travels in the JoinError";
  });
}

TEST_P(JoinHandleTest, DestructorThrowingDuringCancellationIsAPanic) {
  std::atomic<bool> suspended{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<void> handle = spawn(SleepWithThrowingLocal(&suspended));
    bool started = co_await Eventually([&] { return suspended.load(); });
    EXPECT_TRUE(started);
    handle.abort();
    JoinResult<void> result = co_await handle;
    if (result.has_value()) {
      ADD_FAILURE() << "an aborted task produced a value";
      co_return;
    }
    EXPECT_TRUE(result.error().is_panic()) << Describe(result);
    if (result.error().is_panic()) {
      bool caught = false;
      try {
        std::rethrow_exception(result.error().into_panic());
      } catch (const TestError& e) {
        caught = true;
        EXPECT_EQ(e.code(), 5);
      } catch (...) {
      }
      EXPECT_TRUE(caught);
    }
  });
}

TEST_P(JoinHandleTest, SpawnOntoShutDownRuntimeYieldsCancelled) {
  Runtime rt = MakeRuntime();
  Handle handle = rt.handle();
  rt.shutdown_background();
  std::atomic<bool> ran{false};
  std::atomic<int> drops{0};
  std::optional<JoinHandle<int>> join;
  try {
    join.emplace(handle.spawn(RecordRun(&ran, DropCounter(&drops))));
  } catch (const std::exception& e) {
    FAIL() << "spawning onto a shut-down runtime threw: " << e.what();
  }
  EXPECT_TRUE(SpinUntil([&] { return join->is_finished(); }))
      << "a task spawned onto a shut-down runtime is finished (cancelled)";
  Runtime other = MakeRuntime();
  JoinResult<int> result = other.block_on(
      [&]() -> Task<JoinResult<int>> { co_return co_await *join; });
  EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
      << Describe(result);
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(drops.load(), 1);
}

TEST_P(JoinHandleTest, SpawnThroughHandleOfDestroyedRuntimeYieldsCancelled) {
  std::optional<Handle> handle;
  {
    Runtime rt = MakeRuntime();
    handle = rt.handle();
  }
  std::atomic<bool> ran{false};
  std::optional<JoinHandle<int>> join;
  try {
    join.emplace(handle->spawn([&ran]() -> Task<int> {
      ran.store(true);
      co_return 1;
    }));
  } catch (const std::exception& e) {
    FAIL() << "spawning onto a destroyed runtime threw: " << e.what();
  }
  EXPECT_TRUE(SpinUntil([&] { return join->is_finished(); }));
  Runtime other = MakeRuntime();
  JoinResult<int> result = other.block_on(
      [&]() -> Task<JoinResult<int>> { co_return co_await *join; });
  EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
      << Describe(result);
  EXPECT_FALSE(ran.load());
}

// An output that records, when destroyed, which task was current then (0:
// none).
class OutputProbe {
 public:
  explicit OutputProbe(std::atomic<uint64_t>* seen) : seen_(seen) {}
  OutputProbe(OutputProbe&& other) noexcept
      : seen_(std::exchange(other.seen_, nullptr)) {}
  OutputProbe& operator=(OutputProbe&&) = delete;
  ~OutputProbe() {
    if (seen_ == nullptr) return;
    std::optional<TaskId> id = try_current_task_id();
    seen_->store(id.has_value() ? id->value() : 0);
  }

 private:
  std::atomic<uint64_t>* seen_;
};

constexpr uint64_t kNotDropped = ~uint64_t{0};

TEST_P(JoinHandleTest, ADetachedTasksOutputIsDroppedInThatTasksContext) {
  Runtime rt = MakeRuntime();
  std::atomic<uint64_t> seen{kNotDropped};
  std::atomic<bool> release{false};
  uint64_t id = rt.block_on([&]() -> Task<uint64_t> {
    JoinHandle<OutputProbe> handle = spawn([&]() -> Task<OutputProbe> {
      co_await YieldUntil([&] { return release.load(); });
      co_return OutputProbe(&seen);
    });
    const uint64_t spawned = handle.id().value();
    { JoinHandle<OutputProbe> dropped = std::move(handle); }  // detaches
    release.store(true);
    EXPECT_TRUE(
        co_await Eventually([&] { return seen.load() != kNotDropped; }));
    co_return spawned;
  });
  EXPECT_EQ(seen.load(), id);
}

TEST_P(JoinHandleTest, AFinishedOutputLeftInADroppedHandleIsDroppedInItsTask) {
  Runtime rt = MakeRuntime();
  std::atomic<uint64_t> from_body{kNotDropped};
  std::atomic<uint64_t> from_task{kNotDropped};
  std::atomic<uint64_t> from_thread{kNotDropped};
  std::optional<JoinHandle<OutputProbe>> for_thread;
  std::vector<uint64_t> ids = rt.block_on([&]() -> Task<std::vector<uint64_t>> {
    auto make = [](std::atomic<uint64_t>* seen) -> Task<OutputProbe> {
      co_return OutputProbe(seen);
    };
    JoinHandle<OutputProbe> a = spawn(make(&from_body));
    JoinHandle<OutputProbe> b = spawn(make(&from_task));
    JoinHandle<OutputProbe> c = spawn(make(&from_thread));
    std::vector<uint64_t> spawned = {a.id().value(), b.id().value(),
                                     c.id().value()};
    EXPECT_TRUE(co_await Eventually(
        [&] { return a.is_finished() && b.is_finished() && c.is_finished(); }));
    // Dropped by the block_on body (no task of its own).
    { JoinHandle<OutputProbe> dropped = std::move(a); }
    // Dropped by another task, whose own id must not show.
    auto dropper = spawn([handle = std::move(b)]() mutable -> Task<void> {
      { JoinHandle<OutputProbe> dropped = std::move(handle); }
      co_return;
    });
    JoinResult<void> dropped = co_await dropper;
    EXPECT_TRUE(dropped.has_value());
    for_thread.emplace(std::move(c));
    co_return spawned;
  });
  // Dropped by a plain thread.
  std::thread([&] { for_thread.reset(); }).join();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(from_body.load(), ids[0]);
  EXPECT_EQ(from_task.load(), ids[1]);
  EXPECT_EQ(from_thread.load(), ids[2]);
}

}  // namespace
}  // namespace weft::conformance
