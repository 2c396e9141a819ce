// weft::scope: children borrow the parent's locals; join_next; fail-fast and
// collect-all; and no child outlives its scope when the parent is aborted,
// a child panics or the runtime shuts down (children touch the parent's
// locals in their destructors, so ASan sees any dangling borrow, and a
// parent local checks that no child is alive when it is destroyed).

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

class ScopeTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(ScopeTest);

Task<int> Square(int value) { co_return value* value; }

// Counts the children alive; the parent's frame holds a Witness whose
// destructor records whether any child was still alive when the parent's
// locals died.
struct Census {
  std::atomic<int> alive{0};
  std::atomic<int> started{0};
  std::atomic<int> dropped{0};
  std::atomic<bool> outlived{false};
  std::atomic<bool> witness_gone{false};
};

class Witness {
 public:
  explicit Witness(Census* census) : census_(census) {}
  Witness(const Witness&) = delete;
  ~Witness() {
    if (census_->alive.load() != 0) census_->outlived.store(true);
    census_->witness_gone.store(true);
  }

 private:
  Census* census_;
};

// Held by a child; its destructor writes to the parent's local `borrowed`
// (freed memory if the parent's frame is gone).
class Borrow {
 public:
  Borrow(Census* census, std::vector<int>* borrowed, int index)
      : census_(census), borrowed_(borrowed), index_(index) {
    census_->alive.fetch_add(1);
  }
  Borrow(Borrow&& other) noexcept
      : census_(std::exchange(other.census_, nullptr)),
        borrowed_(other.borrowed_),
        index_(other.index_) {}
  Borrow& operator=(Borrow&&) = delete;
  ~Borrow() {
    if (census_ == nullptr) return;
    (*borrowed_)[index_] += 1;
    census_->dropped.fetch_add(1);
    census_->alive.fetch_sub(1);
  }
  std::vector<int>& borrowed() { return *borrowed_; }

 private:
  Census* census_;
  std::vector<int>* borrowed_;
  int index_;
};

// A child that waits on `gate` forever (until cancelled), then touches the
// parent's local through its Borrow's destructor.
Task<void> BlockedChild(Borrow borrow, Notify* gate, Census* census) {
  census->started.fetch_add(1);
  co_await gate->notified();
  borrow.borrowed().push_back(-1);  // only if notified
}

// A child that, on multi_thread, is in the middle of a poll on another
// worker: it spins (touching the parent's local) until `release`, then
// yields, which is where an abort cancels it.
Task<void> SpinningChild(Borrow borrow, std::atomic<bool>* spinning,
                         std::atomic<bool>* release) {
  spinning->store(true);
  while (!release->load()) {
    borrow.borrowed()[0] += 0;  // a read and write of the parent's local
    std::this_thread::yield();
  }
  while (true) co_await yield_now();
}

TEST_P(ScopeTest, ChildrenBorrowParentLocals) {
  Runtime runtime = MakeRuntime();
  std::vector<int> result = runtime.block_on([]() -> Task<std::vector<int>> {
    std::vector<int> data = {1, 2, 3, 4};
    co_await scope([&](Scope<>& s) -> Task<void> {
      for (int& x : data) {
        s.spawn([&x]() -> Task<void> {
          co_await yield_now();
          x *= 2;
        });
      }
      co_return;
    });
    co_return data;
  });
  EXPECT_EQ(result, (std::vector<int>{2, 4, 6, 8}));
}

TEST_P(ScopeTest, ReturnsTheBodysValueAndJoinNextReaps) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    int unreaped = 0;
    int sum = co_await scope<int>([&](Scope<int>& s) -> Task<int> {
      for (int i = 1; i <= 4; ++i) s.spawn(Square(i));
      EXPECT_EQ(s.size(), 4u);
      int total = 0;
      for (int i = 0; i < 3; ++i) {
        std::optional<JoinResult<int>> next = co_await s.join_next();
        EXPECT_TRUE(next.has_value() && next->has_value());
        if (next.has_value() && next->has_value()) total += **next;
      }
      // One left for the scope to wait for; it cannot be seen here.
      s.spawn([&unreaped]() -> Task<int> {
        unreaped = 1;
        co_return 0;
      });
      co_return total;
    });
    EXPECT_GE(sum, 1 + 4 + 9);
    EXPECT_LE(sum, 4 + 9 + 16);
    EXPECT_EQ(unreaped, 1);
  });
}

TEST_P(ScopeTest, JoinNextOnEmptyScopeIsNullopt) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    co_await scope([](Scope<>& s) -> Task<void> {
      std::optional<JoinResult<void>> next = co_await s.join_next();
      EXPECT_FALSE(next.has_value());
    });
  });
}

TEST_P(ScopeTest, ChildrenMaySpawnSiblings) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    std::atomic<int> ran{0};
    co_await scope([&](Scope<>& s) -> Task<void> {
      s.spawn([&]() -> Task<void> {
        co_await yield_now();
        for (int i = 0; i < 3; ++i) {
          s.spawn([&]() -> Task<void> {
            co_await yield_now();
            ran.fetch_add(1);
          });
        }
      });
      co_return;
    });
    EXPECT_EQ(ran.load(), 3);
  });
}

TEST_P(ScopeTest, FailFastChildPanicCancelsSiblingsAndBody) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Census census;
    TaskId failed_id;
    bool caught = false;
    {
      std::vector<int> data(4, 0);
      Witness witness(&census);
      Notify never;
      try {
        co_await scope([&](Scope<>& s) -> Task<void> {
          for (int i = 0; i < 3; ++i) {
            s.spawn(BlockedChild(Borrow(&census, &data, i), &never, &census));
          }
          std::function<bool()> all_started = [&] {
            return census.started.load() == 3;
          };
          co_await Eventually(all_started);
          failed_id = s.spawn(
                           []() -> Task<void> {
                             co_await yield_now();
                             throw TestError("boom");
                           },
                           {.name = "doomed"})
                          .id();
          co_await sleep(kForever);  // cancelled by the failure
          ADD_FAILURE() << "the body was not cancelled";
        });
      } catch (const ScopeError& error) {
        caught = true;
        EXPECT_TRUE(Contains(error.what(), "boom"));
        EXPECT_EQ(error.failures().size(), 1u);
        if (error.failures().size() == 1) {
          const ScopeFailure& failure = error.failures()[0];
          EXPECT_EQ(failure.id, failed_id);
          EXPECT_EQ(failure.name, "doomed");
          EXPECT_FALSE(failure.in_body);
          EXPECT_TRUE(Contains(failure.message, "doomed"));
          bool is_test_error = false;
          try {
            std::rethrow_exception(failure.exception);
          } catch (const TestError&) {
            is_test_error = true;
          } catch (...) {
          }
          EXPECT_TRUE(is_test_error);
        }
      }
      EXPECT_EQ(census.dropped.load(), 3);
      EXPECT_EQ(census.alive.load(), 0);
      EXPECT_EQ(data, (std::vector<int>{1, 1, 1, 0}));
    }
    EXPECT_TRUE(caught);
    EXPECT_FALSE(census.outlived.load());
  });
}

TEST_P(ScopeTest, CollectAllRunsEveryChildAndReportsEveryFailure) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    std::atomic<int> finished{0};
    std::vector<TaskId> failed;
    bool caught = false;
    try {
      co_await scope(
          [&](Scope<>& s) -> Task<void> {
            for (int i = 0; i < 6; ++i) {
              AbortHandle handle = s.spawn([i, &finished]() -> Task<void> {
                co_await yield_now();
                if (i % 3 == 0) throw TestError("failed " + std::to_string(i));
                co_await yield_now();
                finished.fetch_add(1);
              });
              if (i % 3 == 0) failed.push_back(handle.id());
            }
            co_return;
          },
          ScopePolicy::kCollectAll);
    } catch (const ScopeError& error) {
      caught = true;
      std::vector<TaskId> reported;
      for (const ScopeFailure& failure : error.failures()) {
        reported.push_back(failure.id);
      }
      std::sort(reported.begin(), reported.end());
      EXPECT_EQ(reported, failed);
    }
    EXPECT_TRUE(caught);
    EXPECT_EQ(finished.load(), 4);
  });
}

TEST_P(ScopeTest, BodyThrowingFailsFastAndAbortsChildren) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Census census;
    bool caught = false;
    {
      std::vector<int> data(2, 0);
      Witness witness(&census);
      Notify never;
      try {
        co_await scope([&](Scope<>& s) -> Task<void> {
          for (int i = 0; i < 2; ++i) {
            s.spawn(BlockedChild(Borrow(&census, &data, i), &never, &census));
          }
          std::function<bool()> all_started = [&] {
            return census.started.load() == 2;
          };
          co_await Eventually(all_started);
          throw TestError("body failed");
        });
      } catch (const ScopeError& error) {
        caught = true;
        EXPECT_EQ(error.failures().size(), 1u);
        if (!error.failures().empty()) {
          EXPECT_TRUE(error.failures()[0].in_body);
          EXPECT_TRUE(Contains(error.failures()[0].message, "body failed"));
        }
      }
      EXPECT_EQ(data, (std::vector<int>{1, 1}));
    }
    EXPECT_TRUE(caught);
    EXPECT_FALSE(census.outlived.load());
  });
}

TEST_P(ScopeTest, AbortedChildIsNoFailure) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    co_await scope([](Scope<>& s) -> Task<void> {
      AbortHandle handle =
          s.spawn([]() -> Task<void> { co_await sleep(kForever); });
      handle.abort();
      std::optional<JoinResult<void>> next = co_await s.join_next();
      EXPECT_TRUE(next.has_value() && !next->has_value() &&
                  next->error().is_cancelled());
    });
  });
}

TEST_P(ScopeTest, JoinNextFromAChildIsAUsageError) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    bool caught = false;
    try {
      co_await scope([](Scope<>& s) -> Task<void> {
        s.spawn([&s]() -> Task<void> { (void)co_await s.join_next(); });
        s.spawn([]() -> Task<void> { co_await sleep(kForever); });
        co_return;
      });
    } catch (const ScopeError& error) {
      caught = true;
      EXPECT_TRUE(Contains(error.what(), "only the body reaps"));
    }
    EXPECT_TRUE(caught);
  });
}

// (a) The parent is aborted while it awaits the scope: blocked children are
// cancelled and, on multi_thread, a child in the middle of a poll on another
// worker is waited for; all before the parent's locals die.
Task<void> ParentWithScope(Census* census, Notify* never,
                           std::atomic<bool>* spinning,
                           std::atomic<bool>* release, bool with_spinner) {
  std::vector<int> data(8, 0);
  Witness witness(census);
  co_await scope([&](Scope<>& s) -> Task<void> {
    if (with_spinner) {
      s.spawn(SpinningChild(Borrow(census, &data, 0), spinning, release));
    }
    // Spawned last, drained first: its drop tells the test the drain began.
    for (int i = 1; i < 4; ++i) {
      s.spawn(BlockedChild(Borrow(census, &data, i), never, census));
    }
    co_await sleep(kForever);
  });
  ADD_FAILURE() << "the parent was not cancelled";
}

TEST_P(ScopeTest, AbortingTheParentDrainsChildrenFirst) {
  Runtime runtime = MakeRuntime();
  const bool with_spinner = multi_thread();
  runtime.block_on([with_spinner]() -> Task<void> {
    Census census;
    Notify never;
    std::atomic<bool> spinning{false};
    std::atomic<bool> release{false};
    JoinHandle<void> parent = spawn(
        ParentWithScope(&census, &never, &spinning, &release, with_spinner));
    std::function<bool()> started = [&] {
      return census.started.load() == 3 && (!with_spinner || spinning.load());
    };
    WEFT_CO_ASSERT_TRUE(co_await Eventually(started));
    parent.abort();
    if (with_spinner) {
      // The drain has begun (a blocked child was dropped) while the spinner
      // still runs on its worker: only now may it stop.
      EXPECT_TRUE(SpinUntil([&] { return census.dropped.load() >= 1; }));
      EXPECT_FALSE(census.witness_gone.load());
      release.store(true);
    }
    JoinResult<void> result = co_await parent;
    EXPECT_TRUE(!result.has_value() && result.error().is_cancelled())
        << Describe(result);
    EXPECT_EQ(census.dropped.load(), with_spinner ? 4 : 3);
    EXPECT_EQ(census.alive.load(), 0);
    EXPECT_TRUE(census.witness_gone.load());
    EXPECT_FALSE(census.outlived.load());
  });
}

// (c) The runtime shuts down while the scope is open: children and the
// parent are all dropped, the children first.
TEST_P(ScopeTest, RuntimeShutdownDropsChildrenBeforeTheParent) {
  for (bool with_timeout : {false, true}) {
    Census census;
    Notify never;
    std::atomic<bool> spinning{false};
    std::atomic<bool> release{true};
    {
      Runtime runtime = MakeRuntime();
      runtime.block_on([&]() -> Task<void> {
        JoinHandle<void> parent = spawn(ParentWithScope(
            &census, &never, &spinning, &release, /*with_spinner=*/false));
        std::function<bool()> started = [&] {
          return census.started.load() == 3;
        };
        EXPECT_TRUE(co_await Eventually(started));
      });
      if (with_timeout) runtime.shutdown_timeout(std::chrono::seconds(1));
    }
    EXPECT_EQ(census.dropped.load(), 3);
    EXPECT_EQ(census.alive.load(), 0);
    EXPECT_TRUE(census.witness_gone.load());
    EXPECT_FALSE(census.outlived.load());
  }
}

// (b) A panic in a nested scope: the inner scope cancels its siblings and
// throws ScopeError, which makes the outer child panic, which cancels the
// outer siblings.
TEST_P(ScopeTest, NestedScopesPropagateFailures) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    Census census;
    bool caught = false;
    {
      std::vector<int> data(2, 0);
      Witness witness(&census);
      Notify never;
      try {
        co_await scope([&](Scope<>& outer) -> Task<void> {
          outer.spawn([&]() -> Task<void> {
            co_await scope([&](Scope<>& inner) -> Task<void> {
              inner.spawn(
                  BlockedChild(Borrow(&census, &data, 0), &never, &census));
              inner.spawn([]() -> Task<void> {
                co_await yield_now();
                throw TestError("inner boom");
              });
              co_return;
            });
          });
          outer.spawn(BlockedChild(Borrow(&census, &data, 1), &never, &census));
          co_return;
        });
      } catch (const ScopeError& error) {
        caught = true;
        EXPECT_TRUE(Contains(error.what(), "inner boom")) << error.what();
      }
      EXPECT_EQ(data, (std::vector<int>{1, 1}));
    }
    EXPECT_TRUE(caught);
    EXPECT_FALSE(census.outlived.load());
  });
}

// Inside a LocalSet: children spawned as local tasks, and a local parent
// aborted while its local children are blocked.
TEST_P(ScopeTest, LocalChildrenInALocalSet) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    LocalSet local_set;
    Census census;
    Notify never;
    std::atomic<bool> unused{false};
    auto body = [&]() -> Task<void> {
      std::vector<int> data = {1, 2, 3};
      const std::thread::id here = std::this_thread::get_id();
      co_await scope([&](Scope<>& s) -> Task<void> {
        for (int& x : data) {
          s.spawn_local([&x, here]() -> Task<void> {
            co_await yield_now();
            EXPECT_EQ(std::this_thread::get_id(), here);
            x += 10;
          });
        }
        co_return;
      });
      EXPECT_EQ(data, (std::vector<int>{11, 12, 13}));

      JoinHandle<void> parent = spawn_local([&]() -> Task<void> {
        std::vector<int> borrowed(3, 0);
        Witness witness(&census);
        co_await scope([&](Scope<>& s) -> Task<void> {
          for (int i = 0; i < 3; ++i) {
            s.spawn_local(
                BlockedChild(Borrow(&census, &borrowed, i), &never, &census));
          }
          co_await sleep(kForever);
        });
      });
      std::function<bool()> started = [&] {
        return census.started.load() == 3;
      };
      EXPECT_TRUE(co_await Eventually(started));
      parent.abort();
      JoinResult<void> result = co_await parent;
      EXPECT_FALSE(result.has_value());
      EXPECT_EQ(census.dropped.load(), 3);
      EXPECT_FALSE(census.outlived.load());
      (void)unused;
    };
    co_await local_set.run_until(body);
  });
}

TEST_P(ScopeTest, SpawnLocalOutsideALocalSetIsAUsageError) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    bool caught = false;
    try {
      co_await scope([](Scope<>& s) -> Task<void> {
        s.spawn_local([]() -> Task<void> { co_return; });
        co_return;
      });
    } catch (const ScopeError& error) {
      caught = true;
      EXPECT_TRUE(error.failures().size() == 1 && error.failures()[0].in_body);
    }
    EXPECT_TRUE(caught);
  });
}

}  // namespace
}  // namespace weft::conformance
