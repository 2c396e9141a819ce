// OnceCell: one initializer runs while the others wait; a cancelled or
// failed initializer lets the next one try; set() and take().

#include <atomic>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class OnceCellTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(OnceCellTest);

TEST_P(OnceCellTest, OneInitializerRunsAndEveryoneGetsItsValue) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    OnceCell<std::string> cell;
    std::atomic<int> runs{0};
    JoinSet<std::string> set;
    for (int i = 0; i < 10; ++i) {
      set.spawn([&cell, &runs, i]() -> Task<std::string> {
        auto init = [&runs, i]() -> Task<std::string> {
          runs.fetch_add(1);
          co_await sleep(1ms);
          co_return "from " + std::to_string(i);
        };
        const std::string& value = co_await cell.get_or_init(init);
        co_return value;
      });
    }
    std::string first;
    while (auto done = co_await set.join_next()) {
      std::string value = done->value_or("?");
      if (first.empty()) first = value;
      EXPECT_EQ(value, first);
    }
    EXPECT_EQ(runs.load(), 1);
    EXPECT_TRUE(cell.initialized());
    EXPECT_EQ(*cell.get(), first);
  });
}

TEST_P(OnceCellTest, ACancelledInitializerLetsTheNextOneTry) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    OnceCell<int> cell;
    auto stuck = spawn([&cell]() -> Task<int> {
      auto init = []() -> Task<int> {
        co_await sleep(kForever);
        co_return 1;
      };
      co_return co_await cell.get_or_init(init);
    });
    EXPECT_TRUE(co_await UntilWaiting(stuck.id()));
    auto next = spawn([&cell]() -> Task<int> {
      auto init = []() -> Task<int> { co_return 2; };
      co_return co_await cell.get_or_init(init);
    });
    EXPECT_TRUE(co_await UntilWaiting(next.id()));
    EXPECT_FALSE(cell.initialized());
    stuck.abort();
    EXPECT_TRUE((co_await stuck).error().is_cancelled());
    EXPECT_EQ((co_await next).value_or(0), 2);
    EXPECT_EQ(*cell.get(), 2);
  });
}

TEST_P(OnceCellTest, AFailedInitializerLeavesTheCellEmpty) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    OnceCell<int> cell;
    auto failing = []() -> Task<absl::StatusOr<int>> {
      co_return absl::UnavailableError("backend down");
    };
    auto failed = co_await cell.get_or_try_init(failing);
    EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_FALSE(cell.initialized());
    auto working = []() -> Task<absl::StatusOr<int>> { co_return 7; };
    auto got = co_await cell.get_or_try_init(working);
    EXPECT_TRUE(got.ok());
    if (got.ok()) {
      EXPECT_EQ(got->get(), 7);
    }
  });
}

TEST_P(OnceCellTest, SetWhileInitializingOrSetIsRefused) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    OnceCell<int> cell;
    auto started = std::make_shared<Notify>();
    auto release = std::make_shared<Notify>();
    auto initializer = spawn([&cell, started, release]() -> Task<int> {
      auto init = [started, release]() -> Task<int> {
        started->notify_one();
        co_await release->notified();
        co_return 1;
      };
      co_return co_await cell.get_or_init(init);
    });
    co_await started->notified();
    auto busy = cell.set(5);
    EXPECT_FALSE(busy.has_value());
    if (!busy.has_value()) {
      EXPECT_EQ(busy.error().kind, SetError<int>::Kind::kInitializing);
      EXPECT_EQ(busy.error().value, 5);
    }
    release->notify_one();
    EXPECT_EQ((co_await initializer).value_or(0), 1);
    auto set = cell.set(6);
    EXPECT_FALSE(set.has_value());
    if (!set.has_value()) {
      EXPECT_EQ(set.error().kind, SetError<int>::Kind::kAlreadyInitialized);
    }
  });
}

TEST_P(OnceCellTest, SetThenTake) {
  OnceCell<std::string> cell;
  EXPECT_EQ(cell.get(), nullptr);
  EXPECT_TRUE(cell.set("a").has_value());
  EXPECT_EQ(*cell.get(), "a");
  EXPECT_EQ(cell.take(), std::optional<std::string>("a"));
  EXPECT_FALSE(cell.initialized());
  EXPECT_TRUE(cell.set("b").has_value()) << "take() empties the cell";
  OnceCell<int> full(3);
  EXPECT_EQ(*full.get(), 3);
  EXPECT_FALSE(full.set(4).has_value());
}

}  // namespace
}  // namespace weft::conformance
