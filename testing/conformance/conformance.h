// The conformance suite's fixture and helpers.
//
// Every test in testing/conformance/ is written against the public API only
// (runtime/weft.h), is a TEST_P of a fixture derived from RuntimeTest, and
// runs on both runtime flavors (current_thread, multi_thread with
// kWorkers workers). The suite is linked once per backend (conformance.bzl),
// so every backend runs the same list of tests.
//
// Rules the tests follow (so that they are deterministic on a 2-core machine
// and under sanitizers):
//   * ASSERT_* only in plain functions; inside coroutines use EXPECT_* (a
//     coroutine cannot `return`), and bail out with `co_return`.
//   * No sleep is used as synchronization except where the contract is about
//     time. Waiting for something that happens asynchronously uses
//     Eventually (from a runtime context) or SpinUntil (from a plain thread),
//     both with a generous deadline that turns a hang into a failure.
//   * Timing assertions are lower bounds (a 50 ms sleep takes >= 50 ms) and
//     generous upper bounds (< 5 s) only.
//   * A test that cannot run on a flavor says so with GTEST_SKIP() and a
//     reason; it never returns early as if it had passed.

#ifndef WEFT_TESTING_CONFORMANCE_CONFORMANCE_H_
#define WEFT_TESTING_CONFORMANCE_CONFORMANCE_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "executors/platform/threads.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace weft::conformance {

using namespace std::chrono_literals;

enum class Flavor { kCurrentThread, kMultiThread };

// Worker threads of the multi_thread flavor.
inline constexpr int kWorkers = 2;

// A duration no test waits for: a task sleeping this long only ends by being
// cancelled.
inline constexpr std::chrono::hours kForever{1};

// The deadline after which a wait for something that must happen is a
// failure rather than a hang.
inline constexpr std::chrono::seconds kPatience{10};

inline std::string FlavorName(const ::testing::TestParamInfo<Flavor>& info) {
  return info.param == Flavor::kCurrentThread ? "CurrentThread" : "MultiThread";
}

// Instantiates `suite` (a fixture derived from RuntimeTest) on both flavors.
#define WEFT_CONFORMANCE_INSTANTIATE(suite)                          \
  INSTANTIATE_TEST_SUITE_P(                                          \
      Flavors, suite,                                                \
      ::testing::Values(::weft::conformance::Flavor::kCurrentThread, \
                        ::weft::conformance::Flavor::kMultiThread),  \
      ::weft::conformance::FlavorName)

class RuntimeTest : public ::testing::TestWithParam<Flavor> {
 protected:
  bool multi_thread() const { return GetParam() == Flavor::kMultiThread; }
  bool current_thread() const { return GetParam() == Flavor::kCurrentThread; }

  // How many threads run tasks: kWorkers, or 1 on current_thread.
  int task_threads() const { return multi_thread() ? kWorkers : 1; }

  // A builder for this test's flavor (multi_thread: kWorkers workers), for
  // tests that set more knobs before building.
  Runtime::Builder MakeBuilder() const {
    if (multi_thread()) {
      Runtime::Builder builder = Runtime::Builder::multi_thread();
      builder.worker_threads(kWorkers);
      return builder;
    }
    return Runtime::Builder::current_thread();
  }

  // Builds `builder`; a build error fails the test (and throws, which ends it).
  static Runtime Build(Runtime::Builder& builder) {
    absl::StatusOr<Runtime> runtime = builder.build();
    if (!runtime.ok()) {
      ADD_FAILURE() << "Runtime::Builder::build() failed: " << runtime.status();
      throw std::runtime_error("cannot build the runtime");
    }
    return *std::move(runtime);
  }

  // A runtime of this test's flavor with default knobs.
  Runtime MakeRuntime() const {
    Runtime::Builder builder = MakeBuilder();
    return Build(builder);
  }
};

// ASSERT_TRUE for a Task<void> body: gtest's ASSERT_* `return`, which a
// coroutine cannot.
#define WEFT_CO_ASSERT_TRUE(condition)             \
  if (!(condition)) {                              \
    ADD_FAILURE() << "Expected true: " #condition; \
    co_return;                                     \
  }

// ---------------------------------------------------------------------------
// Waiting helpers.

// Polls `pred` on the calling (plain) thread until it holds or `limit`
// passes. Returns whether it held.
inline bool SpinUntil(const std::function<bool()>& pred,
                      std::chrono::milliseconds limit = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Polls `pred` from a runtime context (a task or a block_on body) until it
// holds or `limit` passes, sleeping 1 ms between polls so that other tasks,
// timers and the reactor make progress (also on current_thread). Returns
// whether it held.
inline Task<bool> Eventually(std::function<bool()> pred,
                             std::chrono::milliseconds limit = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    co_await sleep(1ms);
  }
  co_return true;
}

// Waits (from a runtime context) until every task in `ids` has suspended on
// something it waits for: the runtime's dump shows it neither queued nor
// running. Tests use it instead of a short sleep when the order in which
// tasks start waiting matters. Returns whether they all did.
inline Task<bool> UntilWaiting(std::vector<TaskId> ids,
                               std::chrono::milliseconds limit = kPatience) {
  // A named predicate, not a lambda temporary in the co_await's
  // full-expression (which g++ 12 destroys twice; see README).
  std::function<bool()> all_waiting = [ids = std::move(ids)] {
    const RuntimeDump dump = Handle::current().dump();
    for (TaskId id : ids) {
      bool waiting = false;
      for (const TaskDump& task : dump.tasks) {
        if (task.id == id) {
          waiting = task.state != TaskState::kScheduled &&
                    task.state != TaskState::kRunning;
        }
      }
      if (!waiting) return false;
    }
    return true;
  };
  co_return co_await Eventually(std::move(all_waiting), limit);
}

inline Task<bool> UntilWaiting(TaskId id,
                               std::chrono::milliseconds limit = kPatience) {
  std::vector<TaskId> ids = {id};
  co_return co_await UntilWaiting(std::move(ids), limit);
}

// Yields (weft::yield_now) until `pred` holds, at most `max_yields` times.
// Only inside a task. Returns whether it held.
inline Task<bool> YieldUntil(std::function<bool()> pred,
                             int max_yields = 1'000'000) {
  for (int i = 0; !pred(); ++i) {
    if (i >= max_yields) co_return false;
    co_await yield_now();
  }
  co_return true;
}

// ---------------------------------------------------------------------------
// Keeping every worker busy.
//
// On multi_thread a freshly spawned task may start at once on an idle worker.
// A test that needs a task to stay unstarted (or needs to know that no other
// worker can run something) first occupies every worker with a spinning task.
// Use from a block_on body only (it is not a worker, so it may block): the
// spinners spin until Release(). On current_thread nothing runs while the
// block_on body does not suspend, so Hold() does nothing there.
class WorkerHold {
 public:
  // Spawns one spinner per worker and waits (blocking the calling thread)
  // until all of them run at once, which means each holds its own worker.
  // Returns false (and the test should fail) if they never did.
  bool Hold(bool multi_thread) {
    if (!multi_thread) return true;
    for (int i = 0; i < kWorkers; ++i) {
      spinners_.push_back(spawn(Spin(&running_, &release_)));
    }
    return SpinUntil([this] { return running_.load() == kWorkers; });
  }

  // Lets the spinners end and waits for them.
  Task<void> Release() {
    release_.store(true);
    for (JoinHandle<void>& spinner : spinners_) {
      JoinResult<void> result = co_await spinner;
      EXPECT_TRUE(result.has_value());
    }
    spinners_.clear();
  }

 private:
  static Task<void> Spin(std::atomic<int>* running,
                         std::atomic<bool>* release) {
    running->fetch_add(1);
    SpinUntil([release] { return release->load(); });
    co_return;
  }

  std::atomic<int> running_{0};
  std::atomic<bool> release_{false};
  std::vector<JoinHandle<void>> spinners_;
};

// ---------------------------------------------------------------------------
// Observing destruction.

// Adds one to `*counter` when destroyed (a moved-from DropCounter does not
// count). Move-only, so a lambda capturing one is move-only too.
class DropCounter {
 public:
  explicit DropCounter(std::atomic<int>* counter) : counter_(counter) {}
  DropCounter(DropCounter&& other) noexcept
      : counter_(std::exchange(other.counter_, nullptr)) {}
  DropCounter& operator=(DropCounter&&) = delete;
  ~DropCounter() {
    if (counter_ != nullptr) counter_->fetch_add(1);
  }

 private:
  std::atomic<int>* counter_;
};

// An exception type no runtime code throws, to check that the exact type of a
// panic travels through JoinError and co_await.
class TestError : public std::runtime_error {
 public:
  explicit TestError(const std::string& what, int code = 0)
      : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Whether `haystack` contains `needle` (with a readable failure message).
inline ::testing::AssertionResult Contains(std::string_view haystack,
                                           std::string_view needle) {
  if (haystack.find(needle) != std::string_view::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\"" << haystack << "\" does not contain \"" << needle << "\"";
}

// A readable description of a JoinResult for failure messages.
template <typename T>
std::string Describe(const JoinResult<T>& result) {
  if (result.has_value()) return "a value";
  return "JoinError: " + result.error().message();
}

// The name of the calling thread, as platform::NameThisThread set it.
inline std::string CurrentThreadName() {
  return platform::NameOfThisThread().value_or("?");
}

// A small task returning `value` without suspending.
template <typename T>
Task<T> Ready(T value) {
  co_return value;
}

// Sleeps for `duration`, then returns `value`.
template <typename T>
Task<T> After(std::chrono::nanoseconds duration, T value) {
  co_await sleep(duration);
  co_return value;
}

// Like After, but until a deadline instead of for a duration from the first
// poll: tasks that must finish in a given order get their deadlines from one
// instant, so that a first poll delayed on a loaded machine (or under Wine)
// cannot reorder them.
template <typename T>
Task<T> Until(Clock::time_point deadline, T value) {
  co_await sleep_until(deadline);
  co_return value;
}

}  // namespace weft::conformance

#endif  // WEFT_TESTING_CONFORMANCE_CONFORMANCE_H_
