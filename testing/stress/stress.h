// The stress suite's helpers: how big a run is, and the bookkeeping that
// makes its counts exact.
//
// Every stress test runs a fixed number of rounds that it asks for through
// Scaled(), so that one run takes seconds in the plain build and the
// sanitizer builds (several times slower) can shrink it with
// WEFT_STRESS_SCALE (a factor, e.g. 0.25) without changing what is checked.
// Counts are exact: a stress test checks that every task, message and
// result is accounted for once, never that something was fast.
//
// The helpers below:
//   * IdFlags: one flag per id, set at most once; a second Mark of an id
//     is counted as a duplicate (a result seen twice, a frame destroyed
//     twice).
//   * LiveCounts / Guard: a Guard counts its construction and (unless moved
//     from) its destruction, so that "every frame destroyed exactly once"
//     reads constructed == destroyed, and an IdFlags of destructions names
//     the frame destroyed twice.
//   * Outcomes / AwaitOnce: awaits a JoinHandle, sorts its result (value,
//     cancelled, panic), then checks that awaiting it again is a UsageError.
//   * Watchdog: turns a hang (a lost wake-up, a lost timer) into a failure
//     with the runtime's task dump instead of a Bazel timeout.
//   * Seed / Report: a reproducible PRNG seed, and the counts a test prints
//     and records (RecordProperty) so that they can be quoted.

#ifndef WEFT_TESTING_STRESS_STRESS_H_
#define WEFT_TESTING_STRESS_STRESS_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace weft::stress {

// `count` times WEFT_STRESS_SCALE (default 1), at least 1.
inline int Scaled(int count) {
  static const double kScale = [] {
    const char* text = std::getenv("WEFT_STRESS_SCALE");
    if (text == nullptr || *text == '\0') return 1.0;
    double scale = std::strtod(text, nullptr);
    return scale > 0 ? scale : 1.0;
  }();
  return std::max(1, static_cast<int>(count * kScale));
}

// The seed of a test's PRNG: WEFT_STRESS_SEED if set, else a fixed one, so
// that a failing run can be repeated. Tests print it.
inline uint64_t Seed() {
  const char* text = std::getenv("WEFT_STRESS_SEED");
  if (text == nullptr || *text == '\0') return 20261122;
  return std::strtoull(text, nullptr, 10);
}

// Prints `counts` on one line headed by the running test's name and records
// each as a property of the test (so that they appear in test.xml).
inline void Report(const std::vector<std::pair<std::string, int64_t>>& counts) {
  const ::testing::TestInfo* info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string line = info != nullptr ? std::string(info->test_suite_name()) +
                                           "." + info->name() + ":"
                                     : std::string("counts:");
  for (const auto& [key, value] : counts) {
    line += " " + key + "=" + std::to_string(value);
    ::testing::Test::RecordProperty(key, std::to_string(value));
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// One flag per id in [0, size). Thread-safe.
class IdFlags {
 public:
  explicit IdFlags(size_t size)
      : flags_(new std::atomic<uint8_t>[size]()), size_(size) {}

  // Sets the flag of `id`. Returns true the first time; a later Mark of the
  // same id (or an id out of range) is counted in duplicates().
  bool Mark(int64_t id) {
    if (id < 0 || static_cast<size_t>(id) >= size_) {
      out_of_range_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    if (flags_[id].exchange(1, std::memory_order_acq_rel) != 0) {
      duplicates_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    marked_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  bool IsMarked(int64_t id) const {
    return flags_[id].load(std::memory_order_acquire) != 0;
  }

  size_t size() const { return size_; }
  int64_t marked() const { return marked_.load(); }
  int64_t duplicates() const { return duplicates_.load(); }
  int64_t out_of_range() const { return out_of_range_.load(); }
  // The first unmarked id, or -1.
  int64_t FirstUnmarked() const {
    for (size_t id = 0; id < size_; ++id) {
      if (!IsMarked(static_cast<int64_t>(id))) return static_cast<int64_t>(id);
    }
    return -1;
  }

 private:
  std::unique_ptr<std::atomic<uint8_t>[]> flags_;
  size_t size_;
  std::atomic<int64_t> marked_{0};
  std::atomic<int64_t> duplicates_{0};
  std::atomic<int64_t> out_of_range_{0};
};

// Constructions and destructions of Guards.
struct LiveCounts {
  std::atomic<int64_t> constructed{0};
  std::atomic<int64_t> destroyed{0};
  int64_t live() const { return constructed.load() - destroyed.load(); }
};

// Counts itself in a LiveCounts: one construction when made, one
// destruction when the last owner (not a moved-from Guard) goes. With
// `destroyed_ids` it also marks its id there when destroyed, so that a
// double destruction is a duplicate of that id. Passed by value as a
// coroutine parameter, a Guard lives in the coroutine's frame: it is
// destroyed exactly when the frame is, started or not.
class Guard {
 public:
  explicit Guard(LiveCounts* counts, IdFlags* destroyed_ids = nullptr,
                 int64_t id = -1)
      : counts_(counts), destroyed_ids_(destroyed_ids), id_(id) {
    counts_->constructed.fetch_add(1, std::memory_order_relaxed);
  }
  Guard(Guard&& other) noexcept
      : counts_(std::exchange(other.counts_, nullptr)),
        destroyed_ids_(other.destroyed_ids_),
        id_(other.id_) {}
  Guard& operator=(Guard&&) = delete;
  ~Guard() {
    if (counts_ == nullptr) return;
    if (destroyed_ids_ != nullptr) destroyed_ids_->Mark(id_);
    counts_->destroyed.fetch_add(1, std::memory_order_acq_rel);
  }

  int64_t id() const { return id_; }

 private:
  LiveCounts* counts_;
  IdFlags* destroyed_ids_;
  int64_t id_;
};

// How JoinHandles resolved.
struct Outcomes {
  int64_t values = 0;
  int64_t cancelled = 0;
  int64_t panics = 0;
  // A second await of a handle that did not throw UsageError.
  int64_t second_await_not_usage_error = 0;
  // Handles that were not finished when they should have been.
  int64_t unfinished = 0;

  int64_t resolved() const { return values + cancelled + panics; }
  Outcomes& operator+=(const Outcomes& other) {
    values += other.values;
    cancelled += other.cancelled;
    panics += other.panics;
    second_await_not_usage_error += other.second_await_not_usage_error;
    unfinished += other.unfinished;
    return *this;
  }
};

// Awaits `handle` once, counts its result in `outcomes`, then awaits it
// again and expects a UsageError. Returns the value, if any.
template <typename T>
Task<std::optional<T>> AwaitOnce(JoinHandle<T>& handle, Outcomes* outcomes) {
  std::optional<T> value;
  JoinResult<T> result = co_await handle;
  if (result.has_value()) {
    ++outcomes->values;
    value.emplace(std::move(*result));
  } else if (result.error().is_cancelled()) {
    ++outcomes->cancelled;
  } else {
    ++outcomes->panics;
    ADD_FAILURE() << "unexpected panic: " << result.error().message();
  }
  bool usage_error = false;
  try {
    (void)co_await handle;
  } catch (const UsageError&) {
    usage_error = true;
  }
  if (!usage_error) ++outcomes->second_await_not_usage_error;
  co_return value;
}

// Fails the test loudly (and ends the process) if it is still armed after
// `limit`: prints `what`, the runtime's task dump if `dump` is set, and
// aborts, so that a lost wake-up shows up as such and not as a timeout.
class Watchdog {
 public:
  Watchdog(std::string what, std::chrono::seconds limit,
           std::function<std::string()> dump = nullptr)
      : thread_([this, what = std::move(what), limit, dump = std::move(dump)] {
          std::unique_lock lock(mu_);
          if (cv_.wait_for(lock, limit, [this] { return disarmed_; })) return;
          std::fprintf(stderr, "Watchdog: %s still not done after %lld s\n",
                       what.c_str(), static_cast<long long>(limit.count()));
          if (dump) std::fprintf(stderr, "%s\n", dump().c_str());
          std::fflush(stderr);
          std::abort();
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      disarmed_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

// How long a stress test may run before its Watchdog fires: far beyond any
// healthy run, under sanitizers included, but short of Bazel's timeout.
inline constexpr std::chrono::seconds kWatchdogLimit{240};

}  // namespace weft::stress

#endif  // WEFT_TESTING_STRESS_STRESS_H_
