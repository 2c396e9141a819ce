// Runtime shutdown with everything in flight: each cycle builds a runtime,
// starts a mix of the other stress tests' work — spawners reaping JoinSets,
// aborts from a thread outside, blocking closures (some of which run until
// the test releases them), sleeps and timeouts, mpsc and oneshot traffic —
// and shuts the runtime down at a random moment (after a random amount of
// progress), by destroying it, by shutdown_timeout (a random 0-5 ms) or by
// shutdown_background, in turn. Afterwards:
//   * every JoinHandle that reached the test is finished (a blocking
//     closure's once the test has released the closures it started) and
//     resolves exactly once, with its value or as cancelled;
//   * every coroutine frame was destroyed exactly once by the time the
//     shutdown returned, and so was every message payload;
//   * every blocking closure was destroyed exactly once, and none ran
//     twice;
//   * nothing leaked (LeakSanitizer checks that under ASan).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/stress/stress.h"

namespace weft::stress {
namespace {

using conformance::Eventually;
using conformance::kForever;
using conformance::RuntimeTest;
using conformance::SpinUntil;
using namespace std::chrono_literals;

class ShutdownMixTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(ShutdownMixTest);

constexpr int kCycles = 300;
// Frame and payload ids one cycle may use; work stops making new ones there.
constexpr int64_t kIdsPerCycle = 20'000;
// Progress events (reaped tasks, sleeps, messages) before the shutdown are
// drawn from [0, kMaxProgress).
constexpr int kMaxProgress = 3'000;
constexpr size_t kMaxBlocking = 4;

enum class Shutdown : int { kDestroy, kTimeout, kBackground, kModes };

struct Mix {
  explicit Mix(size_t ids)
      : frame_ids(ids), payload_ids(ids), blocking_ids(ids), ran(ids) {}

  LiveCounts frames;
  IdFlags frame_ids;
  LiveCounts payloads;
  IdFlags payload_ids;
  LiveCounts blocking;  // blocking closures (their captured Guard)
  IdFlags blocking_ids;
  IdFlags ran;  // blocking closures that ran

  // Ids of this cycle are [cycle_base, cycle_base + kIdsPerCycle).
  int64_t cycle_base = 0;
  std::atomic<int64_t> next_id{0};
  std::atomic<int64_t> progress{0};
  std::atomic<bool> release{false};  // lets the long blocking closures end
  std::atomic<int64_t> blocking_running{0};

  std::mutex mu;
  std::vector<JoinHandle<int64_t>> handles;  // for the test; guarded by mu
  std::vector<AbortHandle> victims;          // for the aborter; guarded by mu

  // A new id of this cycle, or -1 when the cycle's ids are used up.
  int64_t NewId() {
    const int64_t id = next_id.fetch_add(1);
    return id < cycle_base + kIdsPerCycle ? id : -1;
  }
  Guard FrameGuard(int64_t id) { return Guard(&frames, &frame_ids, id); }
  void Progress() { progress.fetch_add(1, std::memory_order_relaxed); }
  // Hands a JoinHandle to the test (and maybe its abort handle to the
  // aborter).
  void Hand(JoinHandle<int64_t> handle, bool expose) {
    std::lock_guard lock(mu);
    if (expose) victims.push_back(handle.abort_handle());
    handles.push_back(std::move(handle));
  }
};

class Payload {
 public:
  Payload(Mix* mix, int64_t id)
      : guard_(&mix->payloads, &mix->payload_ids, id) {}
  Payload(Payload&&) noexcept = default;
  int64_t id() const { return guard_.id(); }

 private:
  Guard guard_;
};

// Stops a task that ran out of ids: it waits until the shutdown cancels it.
Task<void> Idle() { co_await sleep(kForever); }

Task<int64_t> Leaf(Guard guard, int yields) {
  for (int i = 0; i < yields; ++i) co_await yield_now();
  co_return guard.id();
}

// Spawns and reaps through a JoinSet, handing every 16th task's handle to
// the test instead.
Task<int64_t> Spawner(Guard guard, Mix* mix) {
  JoinSet<int64_t> set;
  for (int64_t n = 0;; ++n) {
    const int64_t id = mix->NewId();
    if (id < 0) break;
    Task<int64_t> leaf = Leaf(mix->FrameGuard(id), static_cast<int>(n % 3));
    if (n % 16 == 0) {
      mix->Hand(spawn(std::move(leaf)), /*expose=*/n % 32 == 0);
    } else {
      set.spawn(std::move(leaf));
    }
    if (set.size() >= 32) {
      std::optional<JoinResult<int64_t>> done = co_await set.join_next();
      if (done.has_value()) {
        EXPECT_TRUE(done->has_value() || done->error().is_cancelled());
        mix->Progress();
      }
    }
  }
  co_await Idle();
  co_return guard.id();
}

// Queues blocking closures, a few of which run until released, and hands
// their handles to the test.
Task<int64_t> BlockingSpawner(Guard guard, Mix* mix) {
  JoinSet<int64_t> set;
  for (int64_t n = 0;; ++n) {
    const int64_t id = mix->NewId();
    if (id < 0) break;
    const bool long_running = n % 8 == 0;
    auto closure = [guard = Guard(&mix->blocking, &mix->blocking_ids, id), mix,
                    long_running] {
      mix->ran.Mark(guard.id());
      mix->blocking_running.fetch_add(1);
      if (long_running) {
        while (!mix->release.load()) std::this_thread::yield();
      } else {
        volatile int sink = 0;
        for (int i = 0; i < 1000; ++i) sink = sink + i;
      }
      mix->blocking_running.fetch_sub(1);
      return guard.id();
    };
    if (n % 4 == 0) {
      mix->Hand(spawn_blocking(std::move(closure)), /*expose=*/n % 8 == 4);
    } else {
      set.spawn_blocking(std::move(closure));
    }
    if (set.size() >= 6) {
      std::optional<JoinResult<int64_t>> done = co_await set.join_next();
      if (done.has_value()) mix->Progress();
    }
  }
  co_await Idle();
  co_return guard.id();
}

Task<int> Delayed(Guard guard, std::chrono::microseconds d) {
  co_await sleep(d);
  co_return 1;
}

// Sleeps and timeouts, over and over.
Task<int64_t> Sleeper(Guard guard, uint64_t seed, Mix* mix) {
  std::mt19937_64 rng(seed);
  while (true) {
    const auto d1 = std::chrono::microseconds(rng() % 2000);
    const auto d2 = std::chrono::microseconds(rng() % 2000);
    if (rng() % 2 == 0) {
      co_await sleep(d1);
    } else {
      const int64_t id = mix->NewId();
      if (id < 0) break;
      Task<int> inner = Delayed(mix->FrameGuard(id), d2);
      (void)co_await timeout(d1, std::move(inner));
    }
    mix->Progress();
  }
  co_await Idle();
  co_return guard.id();
}

Task<int64_t> Producer(Guard guard, mpsc::Sender<Payload> tx, Mix* mix) {
  while (true) {
    const int64_t id = mix->NewId();
    if (id < 0) break;
    if (!(co_await tx.send(Payload(mix, id))).has_value()) break;
  }
  co_await Idle();
  co_return guard.id();
}

Task<int64_t> Consumer(Guard guard, mpsc::Receiver<Payload> rx, Mix* mix) {
  while (std::optional<Payload> payload = co_await rx.recv()) {
    mix->Progress();
  }
  co_return guard.id();
}

Task<int64_t> OneshotPair(Guard guard, Mix* mix) {
  while (true) {
    const int64_t payload_id = mix->NewId();
    const int64_t receiver_id = mix->NewId();
    if (payload_id < 0 || receiver_id < 0) break;
    auto [tx, rx] = oneshot::channel<Payload>();
    auto receive = [](Guard guard, oneshot::Receiver<Payload> rx,
                      Mix* mix) -> Task<int64_t> {
      std::expected<Payload, oneshot::RecvError> value = co_await rx;
      if (value.has_value()) mix->Progress();
      co_return guard.id();
    };
    JoinHandle<int64_t> receiver =
        spawn(receive(mix->FrameGuard(receiver_id), std::move(rx), mix));
    co_await yield_now();
    (void)tx.send(Payload(mix, payload_id));
    mix->Hand(std::move(receiver), /*expose=*/payload_id % 3 == 0);
  }
  co_await Idle();
  co_return guard.id();
}

// Starts the mix; its tasks' handles go to the test.
void StartMix(Mix* mix, uint64_t seed) {
  auto start = [mix](auto make) {
    const int64_t id = mix->NewId();
    if (id >= 0) mix->Hand(spawn(make(mix->FrameGuard(id))), /*expose=*/false);
  };
  for (int s = 0; s < 2; ++s) {
    start([mix](Guard guard) { return Spawner(std::move(guard), mix); });
  }
  start([mix](Guard guard) { return BlockingSpawner(std::move(guard), mix); });
  for (int s = 0; s < 2; ++s) {
    start([mix, seed, s](Guard guard) {
      return Sleeper(std::move(guard), seed + s, mix);
    });
  }
  for (int c = 0; c < 2; ++c) {
    auto [tx, rx] = mpsc::channel<Payload>(4);
    start([mix, &rx](Guard guard) {
      return Consumer(std::move(guard), std::move(rx), mix);
    });
    for (int p = 0; p < 2; ++p) {
      start([mix, &tx](Guard guard) {
        return Producer(std::move(guard), tx, mix);
      });
    }
  }
  start([mix](Guard guard) { return OneshotPair(std::move(guard), mix); });
}

TEST_P(ShutdownMixTest, EverythingInFlightEndsOnceWhenTheRuntimeShutsDown) {
  const int cycles = Scaled(kCycles);
  Mix mix(static_cast<size_t>(cycles) * kIdsPerCycle);
  std::mt19937_64 rng(Seed() ^ (multi_thread() ? 1 : 0));
  Runtime checker = Runtime::Builder::current_thread().build().value();
  Outcomes outcomes;
  int64_t handles = 0;
  int64_t by_mode[static_cast<int>(Shutdown::kModes)] = {};
  int64_t still_running_blocking = 0;
  Watchdog watchdog("ShutdownMixTest", kWatchdogLimit);

  for (int cycle = 0; cycle < cycles && !HasFailure(); ++cycle) {
    mix.cycle_base = static_cast<int64_t>(cycle) * kIdsPerCycle;
    mix.next_id.store(mix.cycle_base);
    mix.progress.store(0);
    mix.release.store(false);
    const auto mode =
        static_cast<Shutdown>(cycle % static_cast<int>(Shutdown::kModes));
    ++by_mode[static_cast<int>(mode)];
    const int64_t threshold = static_cast<int64_t>(rng() % kMaxProgress);

    Runtime::Builder builder = MakeBuilder();
    builder.max_blocking_threads(kMaxBlocking);
    std::optional<Runtime> rt(Build(builder));
    std::atomic<bool> stop{false};
    std::thread aborter([&mix, &stop, seed = rng()] {
      std::mt19937_64 rng(seed);
      while (!stop.load(std::memory_order_relaxed)) {
        std::optional<AbortHandle> victim;
        {
          std::lock_guard lock(mix.mu);
          if (!mix.victims.empty()) {
            victim = mix.victims[rng() % mix.victims.size()];
          }
        }
        if (victim.has_value()) victim->abort();
        std::this_thread::yield();
      }
    });
    rt->block_on([&]() -> Task<void> {
      StartMix(&mix, rng());
      bool reached = co_await Eventually([&] {
        return mix.progress.load() >= threshold ||
               mix.next_id.load() >= mix.cycle_base + kIdsPerCycle;
      });
      EXPECT_TRUE(reached) << "cycle " << cycle << ": progress "
                           << mix.progress.load() << " of " << threshold;
    });

    switch (mode) {
      case Shutdown::kDestroy:
        // ~Runtime waits for running blocking closures: let them end.
        mix.release.store(true);
        rt.reset();
        break;
      case Shutdown::kTimeout:
        rt->shutdown_timeout(std::chrono::microseconds(rng() % 5000));
        break;
      case Shutdown::kBackground:
        rt->shutdown_background();
        break;
      default:
        break;
    }
    // Every task was cancelled (or had finished) before the shutdown
    // returned: no coroutine frame and no payload is left.
    EXPECT_EQ(mix.frames.live(), 0)
        << "cycle " << cycle << ": frames alive after the shutdown";
    EXPECT_EQ(mix.payloads.live(), 0)
        << "cycle " << cycle << ": payloads alive after the shutdown";
    if (mix.blocking_running.load() > 0) ++still_running_blocking;
    mix.release.store(true);
    rt.reset();
    stop.store(true);
    aborter.join();
    EXPECT_TRUE(SpinUntil([&] { return mix.blocking.live() == 0; }))
        << "cycle " << cycle << ": " << mix.blocking.live()
        << " blocking closures never destroyed";

    std::vector<JoinHandle<int64_t>> cycle_handles;
    {
      std::lock_guard lock(mix.mu);
      cycle_handles.swap(mix.handles);
      mix.victims.clear();
    }
    // A blocking closure's task is finished once it returned.
    for (JoinHandle<int64_t>& handle : cycle_handles) {
      if (!SpinUntil([&] { return handle.is_finished(); })) {
        ++outcomes.unfinished;
      }
    }
    checker.block_on([&]() -> Task<void> {
      for (JoinHandle<int64_t>& handle : cycle_handles) {
        if (!handle.is_finished()) continue;
        std::optional<int64_t> value = co_await AwaitOnce(handle, &outcomes);
        if (value.has_value()) {
          EXPECT_GE(*value, mix.cycle_base);
          EXPECT_LT(*value, mix.cycle_base + kIdsPerCycle);
        }
      }
    });
    handles += static_cast<int64_t>(cycle_handles.size());
  }

  EXPECT_EQ(outcomes.unfinished, 0);
  EXPECT_EQ(outcomes.resolved(), handles);
  EXPECT_EQ(outcomes.panics, 0);
  EXPECT_EQ(outcomes.second_await_not_usage_error, 0);
  EXPECT_EQ(mix.frames.live(), 0);
  EXPECT_EQ(mix.frame_ids.marked(), mix.frames.constructed.load());
  EXPECT_EQ(mix.frame_ids.duplicates(), 0);
  EXPECT_EQ(mix.payloads.live(), 0);
  EXPECT_EQ(mix.payload_ids.marked(), mix.payloads.constructed.load());
  EXPECT_EQ(mix.payload_ids.duplicates(), 0);
  EXPECT_EQ(mix.blocking.live(), 0);
  EXPECT_EQ(mix.blocking_ids.marked(), mix.blocking.constructed.load());
  EXPECT_EQ(mix.blocking_ids.duplicates(), 0);
  EXPECT_EQ(mix.ran.duplicates(), 0) << "a blocking closure ran twice";
  EXPECT_EQ(mix.frame_ids.out_of_range() + mix.payload_ids.out_of_range() +
                mix.blocking_ids.out_of_range(),
            0);
  Report({{"seed", static_cast<int64_t>(Seed())},
          {"cycles", cycles},
          {"destroyed", by_mode[static_cast<int>(Shutdown::kDestroy)]},
          {"shutdown_timeout", by_mode[static_cast<int>(Shutdown::kTimeout)]},
          {"shutdown_background",
           by_mode[static_cast<int>(Shutdown::kBackground)]},
          {"handles", handles},
          {"values", outcomes.values},
          {"cancelled", outcomes.cancelled},
          {"frames", mix.frames.constructed.load()},
          {"payloads", mix.payloads.constructed.load()},
          {"blocking_closures", mix.blocking.constructed.load()},
          {"blocking_ran", mix.ran.marked()},
          {"cycles_with_blocking_running_after_shutdown",
           still_running_blocking}});
}

}  // namespace
}  // namespace weft::stress
