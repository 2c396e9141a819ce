// How the runtime reports failures of its backend (runtime/errors.h): a
// status keeps its code from the backend to build(), block_on throws
// RuntimeError with the backend's code when its thread's driver cannot
// start, and a reactor that keeps failing is counted in the metrics and
// backed off from instead of spun on.
//
// The backends here are in-memory fakes registered by this test (no I/O:
// timers live in the runtime's drivers, so sleeps work on them), each
// failing in one way on purpose.

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/errors.h"
#include "runtime/executor.h"
#include "runtime/weft.h"

namespace weft {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto kPatience = 20s;

// Waits in memory for a Wake or the deadline. Operations cannot be done
// here: they complete with -EOPNOTSUPP on the next Run.
class MemoryReactor : public Reactor {
 public:
  explicit MemoryReactor(std::atomic<int>* runs, bool run_fails)
      : runs_(runs), run_fails_(run_fails) {}

  void Submit(IoOperation* op) override { pending_.push_back(op); }
  void Cancel(IoOperation*) override {}  // Everything completes next Run.
  void Wake() override {
    std::lock_guard lock(mu_);
    woken_ = true;
    wake_.notify_one();
  }

  absl::StatusOr<int> Run(std::optional<TimePoint> deadline) override {
    runs_->fetch_add(1);
    if (run_fails_) return absl::InternalError("injected wait failure");
    std::vector<IoOperation*> done;
    done.swap(pending_);
    for (IoOperation* op : done) op->complete(op->context, -EOPNOTSUPP);
    if (!done.empty()) return static_cast<int>(done.size());
    std::unique_lock lock(mu_);
    auto woken = [this] { return woken_; };
    if (deadline.has_value()) {
      wake_.wait_until(lock, *deadline, woken);
    } else {
      wake_.wait(lock, woken);
    }
    woken_ = false;
    return 0;
  }

  size_t InFlight() const override { return pending_.size(); }

 private:
  std::atomic<int>* runs_;
  const bool run_fails_;
  std::vector<IoOperation*> pending_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;
};

// What the fake backends do, set by each test before it builds a runtime.
struct FakeBackendKnobs {
  // CreateReactor succeeds this many times, then fails with this status.
  std::atomic<int> reactors_left{INT_MAX};
  absl::Status reactor_error = absl::ResourceExhaustedError(
      "out of file descriptors (injected): raise the limit");
  std::atomic<int> runs{0};
};
FakeBackendKnobs knobs;

class FakeExecutor : public Executor {
 public:
  FakeExecutor(std::string_view name, bool run_fails)
      : name_(name), run_fails_(run_fails) {}
  std::string_view name() const override { return name_; }
  absl::StatusOr<std::unique_ptr<Reactor>> CreateReactor() override {
    if (knobs.reactors_left.fetch_sub(1) <= 0) return knobs.reactor_error;
    return std::make_unique<MemoryReactor>(&knobs.runs, run_fails_);
  }

 private:
  std::string_view name_;
  const bool run_fails_;
};

constexpr char kLimitedBackend[] = "test-limited";         // reactors run out
constexpr char kFailingRunBackend[] = "test-failing-run";  // Run always fails

const bool kRegistered = [] {
  RegisterExecutor({kLimitedBackend, -100,
                    []() -> absl::StatusOr<std::unique_ptr<Executor>> {
                      return std::make_unique<FakeExecutor>(kLimitedBackend,
                                                            false);
                    }});
  RegisterExecutor({kFailingRunBackend, -100,
                    []() -> absl::StatusOr<std::unique_ptr<Executor>> {
                      return std::make_unique<FakeExecutor>(kFailingRunBackend,
                                                            true);
                    }});
  return true;
}();

bool SpinUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class FakeBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    knobs.reactors_left.store(INT_MAX);
    knobs.runs.store(0);
  }
};

// Runs on both flavors (the parameter: multi_thread).
class RuntimeErrorsTest : public FakeBackendTest,
                          public ::testing::WithParamInterface<bool> {
 protected:
  bool multi_thread() const { return GetParam(); }
  Runtime::Builder MakeBuilder(const char* backend) const {
    Runtime::Builder builder = multi_thread()
                                   ? Runtime::Builder::multi_thread()
                                   : Runtime::Builder::current_thread();
    if (multi_thread()) builder.worker_threads(1);
    builder.backend(backend);
    return builder;
  }
};

TEST_P(RuntimeErrorsTest, BuildReturnsTheBackendsCodeWhenNoReactorStarts) {
  knobs.reactors_left.store(0);
  knobs.reactor_error = absl::PermissionDeniedError(
      "reactor setup blocked by seccomp (injected)");
  absl::StatusOr<Runtime> runtime = MakeBuilder(kLimitedBackend).build();
  ASSERT_FALSE(runtime.ok());
  EXPECT_EQ(runtime.status().code(), absl::StatusCode::kPermissionDenied)
      << runtime.status();
  EXPECT_THAT(runtime.status().message(), HasSubstr(kLimitedBackend));
  EXPECT_THAT(runtime.status().message(), HasSubstr("seccomp (injected)"));
}

TEST_F(FakeBackendTest, BuildReturnsTheCodeWhenALaterWorkerCannotStart) {
  knobs.reactors_left.store(1);
  knobs.reactor_error =
      absl::ResourceExhaustedError("out of file descriptors (injected)");
  absl::StatusOr<Runtime> runtime = Runtime::Builder::multi_thread()
                                        .worker_threads(2)
                                        .backend(kLimitedBackend)
                                        .build();
  ASSERT_FALSE(runtime.ok());
  EXPECT_EQ(runtime.status().code(), absl::StatusCode::kResourceExhausted)
      << runtime.status();
}

// On a multi_thread runtime each thread that calls block_on gets a driver of
// its own (current_thread's block_on uses the runtime's one driver).
TEST_F(FakeBackendTest, BlockOnThrowsTheBackendsCodeWhenItsDriverFails) {
  knobs.reactors_left.store(1);  // The worker's; block_on's own fails.
  knobs.reactor_error = absl::ResourceExhaustedError(
      "out of file descriptors (injected): raise the limit");
  absl::StatusOr<Runtime> runtime = Runtime::Builder::multi_thread()
                                        .worker_threads(1)
                                        .backend(kLimitedBackend)
                                        .build();
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  bool body_ran = false;
  auto body = [&body_ran]() -> Task<int> {
    body_ran = true;
    co_return 1;
  };
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      runtime->block_on(body);
      ADD_FAILURE() << "block_on without a driver returned";
    } catch (const RuntimeError& error) {
      EXPECT_EQ(error.status().code(), absl::StatusCode::kResourceExhausted)
          << error.status();
      EXPECT_THAT(error.what(), HasSubstr(kLimitedBackend));
      EXPECT_THAT(error.what(), HasSubstr("raise the limit"));
    }
  }
  EXPECT_FALSE(body_ran) << "the body must not start without a driver";

  // The runtime itself goes on: its worker runs tasks, and it shuts down.
  std::atomic<bool> task_ran{false};
  runtime->handle().spawn([&task_ran]() -> Task<void> {
    co_await sleep(1ms);
    task_ran.store(true);
  });
  EXPECT_TRUE(SpinUntil([&] { return task_ran.load(); }));
}

TEST_P(RuntimeErrorsTest, AFailingReactorIsCountedAndBackedOffFrom) {
  absl::StatusOr<Runtime> runtime = MakeBuilder(kFailingRunBackend).build();
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  // Timers fire although every wait fails: a driver backs off until the
  // next timer at the latest.
  runtime->block_on([]() -> Task<void> { co_await sleep(50ms); });
  RuntimeMetrics metrics = runtime->handle().metrics();
  EXPECT_GE(metrics.reactor_failures, 1u);
  EXPECT_EQ(metrics.last_reactor_failure.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(metrics.last_reactor_failure.message(),
              HasSubstr("injected wait failure"));
  // Without a back-off every driver would fail its wait thousands of times
  // in 50 ms; with it, a few times each (1, 2, 4, ... ms apart). A loaded
  // machine only makes the count smaller.
  EXPECT_LT(knobs.runs.load(), 200) << "the driver spins on a failing reactor";
  EXPECT_LE(metrics.reactor_failures, static_cast<uint64_t>(knobs.runs.load()))
      << "a failure counted that no wait had";
}

TEST_P(RuntimeErrorsTest, AHealthyReactorReportsNoFailure) {
  absl::StatusOr<Runtime> runtime = MakeBuilder(kLimitedBackend).build();
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  runtime->block_on([]() -> Task<void> { co_await sleep(1ms); });
  RuntimeMetrics metrics = runtime->handle().metrics();
  EXPECT_EQ(metrics.reactor_failures, 0u);
  EXPECT_TRUE(metrics.last_reactor_failure.ok());
}

INSTANTIATE_TEST_SUITE_P(Flavors, RuntimeErrorsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "multi_thread"
                                             : "current_thread";
                         });

}  // namespace
}  // namespace weft
