// Task<T>: laziness, nested co_await, exceptions through co_await, deep
// chains (symmetric transfer), and Tasks destroyed before they ran.

#include <atomic>
#include <coroutine>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

static_assert(!std::is_copy_constructible_v<Task<int>>, "Task is move-only");
static_assert(!std::is_copy_assignable_v<Task<int>>, "Task is move-only");
static_assert(std::is_move_constructible_v<Task<int>>, "Task is movable");
static_assert(std::is_same_v<Task<>, Task<void>>, "Task's default is void");

class TaskTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(TaskTest);

Task<int> SetAndReturn(std::atomic<bool>* ran, int value) {
  ran->store(true);
  co_return value;
}

Task<int> Add(int a, int b) { co_return a + b; }

Task<int> AddTwice(int a, int b) {
  int first = co_await Add(a, b);
  int second = co_await Add(first, b);
  co_return second;
}

Task<int> Depth(int n) {
  if (n == 0) co_return 0;
  int below = co_await Depth(n - 1);
  co_return below + 1;
}

Task<int> ThrowAtDepth(int n) {
  if (n == 0) throw TestError("bottom", 7);
  int below = co_await ThrowAtDepth(n - 1);
  co_return below + 1;
}

Task<int> Throws(std::string what) {
  throw TestError(what, 3);
  co_return 0;
}

Task<void> ThrowsVoid() {
  co_await yield_now();
  throw std::out_of_range("void task threw");
}

Task<void> CountRuns(std::atomic<int>* runs) {
  runs->fetch_add(1);
  co_return;
}

Task<void> HoldsArgument([[maybe_unused]] DropCounter guard,
                         std::atomic<bool>* ran) {
  ran->store(true);
  co_return;
}

TEST_P(TaskTest, NothingRunsUntilAwaited) {
  std::atomic<bool> ran{false};
  Runtime rt = MakeRuntime();
  Task<int> task = SetAndReturn(&ran, 5);
  EXPECT_FALSE(ran.load()) << "creating a Task must not run it";
  int value = rt.block_on(std::move(task));
  EXPECT_TRUE(ran.load());
  EXPECT_EQ(value, 5);
}

TEST_P(TaskTest, NothingRunsUntilAwaitedInsideATask) {
  std::atomic<bool> ran{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    Task<int> task = SetAndReturn(&ran, 9);
    co_await yield_now();
    co_await sleep(1ms);
    EXPECT_FALSE(ran.load()) << "a Task that is neither awaited nor spawned "
                                "must not run, even while the runtime runs";
    int value = co_await std::move(task);
    EXPECT_TRUE(ran.load());
    EXPECT_EQ(value, 9);
  });
}

TEST_P(TaskTest, TaskDestroyedBeforeItRanNeverRuns) {
  std::atomic<bool> ran{false};
  std::atomic<int> drops{0};
  Runtime rt = MakeRuntime();
  {
    Task<void> task = HoldsArgument(DropCounter(&drops), &ran);
    EXPECT_EQ(drops.load(), 0) << "the frame holds the argument";
  }
  EXPECT_EQ(drops.load(), 1) << "destroying the Task destroys its frame";
  rt.block_on([&]() -> Task<void> {
    { Task<void> task = HoldsArgument(DropCounter(&drops), &ran); }
    co_await sleep(2ms);
    co_await yield_now();
  });
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(drops.load(), 2);
}

TEST_P(TaskTest, NestedAwaitsReturnValues) {
  Runtime rt = MakeRuntime();
  int value = rt.block_on([]() -> Task<int> {
    int a = co_await AddTwice(1, 2);  // (1 + 2) + 2
    int b = co_await Add(a, 10);      // 15
    Task<int> lvalue = Add(b, 1);     // 16
    int c = co_await lvalue;          // awaiting an lvalue Task
    co_return c;
  });
  EXPECT_EQ(value, 16);
}

TEST_P(TaskTest, AwaitOnTaskInsideSpawnedTask) {
  Runtime rt = MakeRuntime();
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    JoinHandle<int> handle = spawn(AddTwice(3, 4));
    co_return co_await handle;
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, 11);
}

TEST_P(TaskTest, MoveOnlyResult) {
  Runtime rt = MakeRuntime();
  std::unique_ptr<std::string> value =
      rt.block_on([]() -> Task<std::unique_ptr<std::string>> {
        co_await yield_now();
        co_return std::make_unique<std::string>("moved");
      });
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, "moved");
}

TEST_P(TaskTest, VoidTaskRunsOnce) {
  std::atomic<int> runs{0};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    co_await CountRuns(&runs);
    Task<void> second = CountRuns(&runs);
    co_await second;
  });
  EXPECT_EQ(runs.load(), 2);
}

TEST_P(TaskTest, ExceptionPropagatesThroughAwait) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    bool caught = false;
    try {
      co_await Throws("inner failure");
    } catch (const TestError& e) {
      caught = true;
      EXPECT_STREQ(e.what(), "inner failure");
      EXPECT_EQ(e.code(), 3);
    }
    EXPECT_TRUE(caught) << "the exception of an awaited Task reaches the "
                           "awaiter with its type";
    bool caught_void = false;
    try {
      co_await ThrowsVoid();
    } catch (const std::out_of_range& e) {
      caught_void = true;
      EXPECT_STREQ(e.what(), "void task threw");
    }
    EXPECT_TRUE(caught_void);
  });
}

TEST_P(TaskTest, ExceptionPropagatesOutOfBlockOn) {
  Runtime rt = MakeRuntime();
  try {
    rt.block_on(Throws("through block_on"));
    ADD_FAILURE() << "block_on returned although its task threw";
  } catch (const TestError& e) {
    EXPECT_STREQ(e.what(), "through block_on");
  }
}

TEST_P(TaskTest, MillionDeepChainDoesNotOverflowTheStack) {
  Runtime rt = MakeRuntime();
  constexpr int kDepth = 1'000'000;
  int value = rt.block_on(Depth(kDepth));
  EXPECT_EQ(value, kDepth);
}

TEST_P(TaskTest, MillionDeepChainInSpawnedTask) {
  Runtime rt = MakeRuntime();
  constexpr int kDepth = 1'000'000;
  JoinResult<int> result = rt.block_on([]() -> Task<JoinResult<int>> {
    co_return co_await spawn(Depth(kDepth));
  });
  ASSERT_TRUE(result.has_value()) << Describe(result);
  EXPECT_EQ(*result, kDepth);
}

TEST_P(TaskTest, ExceptionThroughDeepChain) {
  Runtime rt = MakeRuntime();
  constexpr int kDepth = 10'000;
  try {
    rt.block_on(ThrowAtDepth(kDepth));
    ADD_FAILURE() << "no exception";
  } catch (const TestError& e) {
    EXPECT_EQ(e.code(), 7);
  }
}

TEST_P(TaskTest, MovedTaskRunsOnceFromItsNewOwner) {
  std::atomic<bool> ran{false};
  Runtime rt = MakeRuntime();
  Task<int> first = SetAndReturn(&ran, 4);
  Task<int> second = std::move(first);
  EXPECT_FALSE(ran.load());
  int value = rt.block_on(std::move(second));
  EXPECT_EQ(value, 4);
  EXPECT_TRUE(ran.load());
}

// While a frame is destroyed, an exception from its locals' destructors is
// the destroy's; a Task that such a destructor runs keeps its own exception.
struct RunsThrowingTaskOnDestroy {
  std::exception_ptr* inner_error;
  ~RunsThrowingTaskOnDestroy() {
    Task<int> inner = Throws("inner");
    inner.handle().resume();  // It throws before its first await.
    try {
      inner.promise().TakeResult();
    } catch (...) {
      *inner_error = std::current_exception();
    }
  }
};

Task<void> SuspendedWithTaskRunningLocal(std::exception_ptr* inner_error) {
  RunsThrowingTaskOnDestroy local{inner_error};
  co_await std::suspend_always{};
}

TEST(TaskDestroyTest, DestructorRunningAThrowingTaskKeepsItsException) {
  std::exception_ptr inner_error;
  Task<void> outer = SuspendedWithTaskRunningLocal(&inner_error);
  outer.handle().resume();
  EXPECT_NO_THROW(outer.Destroy());
  ASSERT_TRUE(inner_error);
  EXPECT_THROW(std::rethrow_exception(inner_error), TestError);
}

}  // namespace
}  // namespace weft::conformance
