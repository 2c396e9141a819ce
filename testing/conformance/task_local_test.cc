// TaskLocal<T>: scope, sync_scope, get/try_get, following a task across
// threads, not being inherited, nesting, and destruction order.

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class TaskLocalTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(TaskLocalTest);

TaskLocal<int> kNumber;
TaskLocal<std::string> kName;

constexpr int kNoValue = -1;

int NumberOrNone() {
  const int* value = kNumber.try_get();
  return value != nullptr ? *value : kNoValue;
}

Task<int> ReadNumber() {
  co_await yield_now();
  co_return kNumber.get();
}

// Records kNumber (or kNoValue) into `*seen` when destroyed; a moved-from
// probe records nothing.
class NumberProbe {
 public:
  explicit NumberProbe(std::atomic<int>* seen) : seen_(seen) {}
  NumberProbe(NumberProbe&& other) noexcept
      : seen_(std::exchange(other.seen_, nullptr)) {}
  NumberProbe& operator=(NumberProbe&&) = delete;
  ~NumberProbe() {
    if (seen_ != nullptr) seen_->store(NumberOrNone());
  }

 private:
  std::atomic<int>* seen_;
};

// Checks kNumber == expected after each of `rounds` yields and sleeps;
// returns the number of mismatches. Also counts the threads it ran on.
Task<int> CheckAcrossSuspensions(int expected, int rounds,
                                 std::atomic<int>* thread_changes) {
  int mismatches = 0;
  std::thread::id last = std::this_thread::get_id();
  for (int i = 0; i < rounds; ++i) {
    if (i % 4 == 0) {
      co_await sleep(std::chrono::microseconds(50 * (i % 7)));
    } else {
      co_await yield_now();
    }
    if (NumberOrNone() != expected) ++mismatches;
    if (std::this_thread::get_id() != last) {
      thread_changes->fetch_add(1);
      last = std::this_thread::get_id();
    }
  }
  co_return mismatches;
}

TEST_P(TaskLocalTest, ScopeSetsTheValueForTheTask) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn(kNumber.scope(7, ReadNumber()));
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result == 7) << Describe(result);
    int direct = co_await kNumber.scope(8, ReadNumber());
    EXPECT_EQ(direct, 8);
  });
  EXPECT_EQ(rt.block_on(kNumber.scope(9, ReadNumber())), 9);
}

TEST_P(TaskLocalTest, ScopeWithAStringValue) {
  Runtime rt = MakeRuntime();
  std::string value = rt.block_on([]() -> Task<std::string> {
    co_return co_await kName.scope(
        std::string("alpha"), []() -> Task<std::string> {
          co_await sleep(1ms);
          const std::string* name = kName.try_get();
          EXPECT_NE(name, nullptr);
          co_return kName.get() + "/" + (name != nullptr ? *name : "");
        }());
  });
  EXPECT_EQ(value, "alpha/alpha");
}

TEST_P(TaskLocalTest, GetOutsideAScopeThrowsUsageError) {
  EXPECT_EQ(kNumber.try_get(), nullptr);
  EXPECT_THROW(kNumber.get(), UsageError);
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    EXPECT_EQ(kNumber.try_get(), nullptr);
    JoinHandle<bool> handle = spawn([]() -> Task<bool> {
      co_await yield_now();
      bool threw = false;
      try {
        int value = kNumber.get();
        ADD_FAILURE() << "get() outside a scope returned " << value;
      } catch (const UsageError& e) {
        threw = true;
        EXPECT_FALSE(std::string(e.what()).empty());
      }
      co_return threw&& kNumber.try_get() == nullptr;
    });
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result) << Describe(result);
  });
}

TEST_P(TaskLocalTest, SyncScopeSetsTheValueForAFunction) {
  EXPECT_EQ(kNumber.sync_scope(3, [] { return kNumber.get() * 2; }), 6);
  EXPECT_EQ(kNumber.try_get(), nullptr) << "the value ends with sync_scope";
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<bool> handle = spawn(kNumber.scope(1, []() -> Task<bool> {
      int inner = kNumber.sync_scope(2, [] { return kNumber.get(); });
      co_await yield_now();
      co_return inner == 2 && kNumber.get() == 1;
    }()));
    JoinResult<bool> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result) << Describe(result);
  });
}

TEST_P(TaskLocalTest, SyncScopeRestoresTheValueOnException) {
  bool caught = false;
  try {
    kNumber.sync_scope(4, []() -> int { throw TestError("in sync_scope"); });
  } catch (const TestError&) {
    caught = true;
  }
  EXPECT_TRUE(caught);
  EXPECT_EQ(kNumber.try_get(), nullptr);
  int outer = kNumber.sync_scope(5, [] {
    try {
      kNumber.sync_scope(6, []() -> int { throw TestError("nested"); });
    } catch (const TestError&) {
    }
    return kNumber.get();
  });
  EXPECT_EQ(outer, 5);
}

TEST_P(TaskLocalTest, TheValueFollowsTheTaskAcrossThreadsAndSuspensions) {
  std::atomic<int> thread_changes{0};
  Runtime rt = MakeRuntime();
  constexpr int kTasks = 6;
  constexpr int kRounds = 300;
  rt.block_on([&]() -> Task<void> {
    std::vector<JoinHandle<int>> handles;
    for (int i = 0; i < kTasks; ++i) {
      handles.push_back(spawn(kNumber.scope(
          100 + i, CheckAcrossSuspensions(100 + i, kRounds, &thread_changes))));
    }
    // Unscoped tasks interleave with the scoped ones and see nothing.
    for (int i = 0; i < 2; ++i) {
      handles.push_back(
          spawn(CheckAcrossSuspensions(kNoValue, kRounds, &thread_changes)));
    }
    for (JoinHandle<int>& handle : handles) {
      JoinResult<int> mismatches = co_await handle;
      EXPECT_TRUE(mismatches.has_value() && *mismatches == 0)
          << "a task saw another task's value (or none) after resuming: "
          << (mismatches.has_value() ? std::to_string(*mismatches)
                                     : Describe(mismatches));
    }
  });
  if (multi_thread()) {
    RecordProperty("thread_changes", thread_changes.load());
  }
}

TEST_P(TaskLocalTest, NotInheritedBySpawnedTasks) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<std::vector<int>> handle =
        spawn(kNumber.scope(5, []() -> Task<std::vector<int>> {
          std::vector<int> seen;
          seen.push_back(NumberOrNone());  // 5
          JoinResult<int> child =
              co_await spawn([]() -> Task<int> { co_return NumberOrNone(); });
          seen.push_back(child.value_or(-100));  // none
          JoinResult<int> blocking =
              co_await spawn_blocking([] { return NumberOrNone(); });
          seen.push_back(blocking.value_or(-100));  // none
          seen.push_back(NumberOrNone());           // still 5
          co_return seen;
        }()));
    JoinResult<std::vector<int>> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
    if (result.has_value()) {
      EXPECT_EQ(*result, (std::vector<int>{5, kNoValue, kNoValue, 5}));
    }
  });
}

TEST_P(TaskLocalTest, NestedScopesRestoreTheOuterValue) {
  Runtime rt = MakeRuntime();
  std::vector<int> seen = rt.block_on([]() -> Task<std::vector<int>> {
    JoinHandle<std::vector<int>> handle =
        spawn(kNumber.scope(1, []() -> Task<std::vector<int>> {
          std::vector<int> trace;
          trace.push_back(NumberOrNone());
          int inner = co_await kNumber.scope(2, []() -> Task<int> {
            co_await yield_now();
            int deeper = co_await kNumber.scope(3, ReadNumber());
            co_return NumberOrNone() * 10 + deeper;  // 23
          }());
          trace.push_back(inner);
          trace.push_back(NumberOrNone());
          co_await sleep(1ms);
          trace.push_back(NumberOrNone());
          co_return trace;
        }()));
    JoinResult<std::vector<int>> result = co_await handle;
    co_return result.value_or(std::vector<int>{});
  });
  EXPECT_EQ(seen, (std::vector<int>{1, 23, 1, 1}));
}

TEST_P(TaskLocalTest, ScopeRestoresTheOuterValueWhenTheInnerTaskThrows) {
  Runtime rt = MakeRuntime();
  int after = rt.block_on(kNumber.scope(1, []() -> Task<int> {
    bool caught = false;
    try {
      co_await kNumber.scope(2, []() -> Task<void> {
        co_await yield_now();
        throw TestError("inner");
      }());
    } catch (const TestError&) {
      caught = true;
    }
    EXPECT_TRUE(caught);
    co_return NumberOrNone();
  }()));
  EXPECT_EQ(after, 1);
}

TEST_P(TaskLocalTest, ScopeEndsWithItsTask) {
  Runtime rt = MakeRuntime();
  rt.block_on([]() -> Task<void> {
    JoinHandle<int> handle = spawn([]() -> Task<int> {
      int inside = co_await kNumber.scope(4, ReadNumber());
      co_await yield_now();
      co_return inside * 100 + NumberOrNone();
    });
    JoinResult<int> result = co_await handle;
    EXPECT_TRUE(result.has_value() && *result == 400 + kNoValue)
        << Describe(result);
  });
}

Task<void> InnerWithProbeArgument([[maybe_unused]] NumberProbe probe) {
  co_await yield_now();
}

TEST_P(TaskLocalTest, ScopeDestroysTheInnerTaskBeforeRestoring) {
  std::atomic<int> seen{-100};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<void> handle =
        spawn(kNumber.scope(1, [](std::atomic<int>* s) -> Task<void> {
          // The probe lives in the inner task's frame as an argument, so it is
          // destroyed with the frame, after the inner body finished.
          co_await kNumber.scope(2, InnerWithProbeArgument(NumberProbe(s)));
          EXPECT_EQ(NumberOrNone(), 1);
        }(&seen)));
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(result.has_value()) << Describe(result);
  });
  EXPECT_EQ(seen.load(), 2)
      << "the inner task's frame must be destroyed while its scope's value "
         "is still set";
}

Task<void> InnerSleeping(std::atomic<int>* inner_seen,
                         std::atomic<bool>* suspended) {
  NumberProbe probe(inner_seen);
  suspended->store(true);
  co_await sleep(kForever);
}

Task<void> OuterSleeping(std::atomic<int>* outer_seen,
                         std::atomic<int>* inner_seen,
                         std::atomic<bool>* suspended) {
  NumberProbe probe(outer_seen);
  co_await kNumber.scope(2, InnerSleeping(inner_seen, suspended));
}

TEST_P(TaskLocalTest, AbortDestroysNestedScopesInnermostFirst) {
  std::atomic<int> outer_seen{-100};
  std::atomic<int> inner_seen{-100};
  std::atomic<bool> suspended{false};
  Runtime rt = MakeRuntime();
  rt.block_on([&]() -> Task<void> {
    JoinHandle<void> handle = spawn(
        kNumber.scope(1, OuterSleeping(&outer_seen, &inner_seen, &suspended)));
    bool started = co_await Eventually([&] { return suspended.load(); });
    EXPECT_TRUE(started);
    handle.abort();
    JoinResult<void> result = co_await handle;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
  });
  EXPECT_EQ(inner_seen.load(), 2)
      << "a local of the inner scope's task sees the inner value when the "
         "task is cancelled";
  EXPECT_EQ(outer_seen.load(), 1)
      << "a local of the outer scope's task sees the outer value when the "
         "task is cancelled";
}

TEST_P(TaskLocalTest, ScopeInsideBlockOnBody) {
  Runtime rt = MakeRuntime();
  int value = rt.block_on([]() -> Task<int> {
    int a = co_await kNumber.scope(11, []() -> Task<int> {
      co_await sleep(1ms);
      co_return kNumber.get();
    }());
    EXPECT_EQ(kNumber.try_get(), nullptr);
    co_return a;
  });
  EXPECT_EQ(value, 11);
}

}  // namespace
}  // namespace weft::conformance
