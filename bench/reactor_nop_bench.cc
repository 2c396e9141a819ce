// Nop and wake round trips per second on one thread: through the
// weft::Reactor interface, for every backend linked into this binary, beside
// the same loops written directly on liburing and on libuv, so that the
// interface's overhead is the ratio of two rows of one run.
//
//   BM_ReactorNop/<backend>/N  each backend of executors/backends.bzl: Submit
//                            N nops, Run until all N were delivered
//                            (epoll's and uv's nops never reach the kernel,
//                            nor, on uv, libuv: a lower bound on the
//                            interface itself)
//   BM_LiburingNop/N         the raw loop on a ring set up like the
//                            reactor's (256 SQ entries, COOP_TASKRUN,
//                            TASKRUN_FLAG, SUBMIT_ALL, a 1024-entry CQ)
//   BM_ReactorWake/<backend> each backend: Wake, then Run until it returns
//   BM_LibuvAsyncWake        the raw libuv loop of a wake-up sent to a
//                            loop: uv_async_send, then uv_run(UV_RUN_ONCE)
//                            until the async callback ran
//
// Which libuv loop is the uv backend's counterpart: its reactor is the
// readiness core over a libuv poller (executors/common/readiness_reactor.cc,
// executors/uv/uv_poller.cc), which completes a nop inside Submit and
// returns from Run without calling uv_run while only such completions are
// ready, so a nop has no libuv counterpart at all (an idle or prepare
// callback would time a loop turn the reactor never takes).
//
// BM_ReactorWake's Wake comes while the driving thread runs (between two
// Runs), and every backend answers that without a system call: the wakers
// (executors/common/wake_state.h) write or send only while the thread
// blocks, and the next Run polls instead of blocking. So the row is the cost of
// a wake-up that finds its thread busy, and BM_LibuvAsyncWake (what the uv
// reactor did for it before) is the system call round trip that it saves; a
// wake-up of a blocked thread crosses threads, which the runtime workloads
// (ping_pong) measure.
//
// items_processed is the number of nops (wakes), so the report's
// items_per_second is round trips per second. N = 1024 exceeds the 256-entry
// submission queue, so it also measures the queue-full path (Submit hands
// the kernel a full queue).

#include <liburing.h>
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/executor.h"

namespace weft {
namespace {

// An operation whose completion counts itself.
struct CountingNop : IoOperation {
  explicit CountingNop(int64_t* counter) {
    opcode = IoOpcode::kNop;
    complete = [](void* context, int32_t) {
      ++*static_cast<int64_t*>(context);
    };
    context = counter;
  }
};

// The linked backend called `name`, started, or null with the reason.
std::unique_ptr<Executor> StartBackend(const std::string& name,
                                       std::string* why_not) {
  for (const ExecutorRegistration& registration : LinkedExecutors()) {
    if (registration.name != name) continue;
    absl::StatusOr<std::unique_ptr<Executor>> executor = registration.create();
    if (executor.ok()) return std::move(*executor);
    *why_not = std::string(executor.status().message());
    return nullptr;
  }
  *why_not = name + " is not linked";
  return nullptr;
}

// A reactor of the backend, with the executor it needs, or nothing (the
// benchmark is then skipped, saying why).
struct ReactorUnderTest {
  std::unique_ptr<Executor> executor;
  std::unique_ptr<Reactor> reactor;
};
std::optional<ReactorUnderTest> StartReactor(benchmark::State& state,
                                             const std::string& backend) {
  std::string why_not;
  std::unique_ptr<Executor> executor = StartBackend(backend, &why_not);
  if (executor == nullptr) {
    state.SkipWithError(why_not.c_str());
    return std::nullopt;
  }
  absl::StatusOr<std::unique_ptr<Reactor>> created = executor->CreateReactor();
  if (!created.ok()) {
    state.SkipWithError(std::string(created.status().message()).c_str());
    return std::nullopt;
  }
  return ReactorUnderTest{std::move(executor), *std::move(created)};
}

void BM_ReactorNop(benchmark::State& state, const std::string& backend) {
  std::optional<ReactorUnderTest> started = StartReactor(state, backend);
  if (!started.has_value()) return;
  Reactor& reactor = *started->reactor;
  const int64_t batch = state.range(0);
  int64_t completed = 0;
  std::vector<CountingNop> nops(batch, CountingNop(&completed));
  (void)reactor.Run(std::chrono::steady_clock::now());  // first-Run set-up

  for (auto _ : state) {
    completed = 0;
    for (CountingNop& nop : nops) reactor.Submit(&nop);
    while (completed < batch) {
      if (!reactor.Run(std::nullopt).ok()) {
        state.SkipWithError("Run failed");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_LiburingNop(benchmark::State& state) {
  io_uring ring;
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP |
                 IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
                 IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = 1024;
  int ret = io_uring_queue_init_params(256, &ring, &params);
  if (ret == -EINVAL) {  // before Linux 5.19, as the reactor falls back
    params = {};
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
    params.cq_entries = 1024;
    ret = io_uring_queue_init_params(256, &ring, &params);
  }
  if (ret < 0) {
    state.SkipWithError("io_uring_queue_init_params failed");
    return;
  }
  const int64_t batch = state.range(0);
  int64_t completed = 0;

  for (auto _ : state) {
    completed = 0;
    for (int64_t i = 0; i < batch; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) {  // a full queue: hand it to the kernel first
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
      }
      io_uring_prep_nop(sqe);
      io_uring_sqe_set_data(sqe, &completed);
    }
    while (completed < batch) {
      io_uring_submit_and_wait(&ring, 1);
      io_uring_cqe* cqe;
      while (io_uring_peek_cqe(&ring, &cqe) == 0) {
        ++*static_cast<int64_t*>(io_uring_cqe_get_data(cqe));
        io_uring_cqe_seen(&ring, cqe);
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
  io_uring_queue_exit(&ring);
}

void BM_ReactorWake(benchmark::State& state, const std::string& backend) {
  std::optional<ReactorUnderTest> started = StartReactor(state, backend);
  if (!started.has_value()) return;
  Reactor& reactor = *started->reactor;
  (void)reactor.Run(std::chrono::steady_clock::now());  // first-Run set-up

  for (auto _ : state) {
    reactor.Wake();
    // Returns after the wake (the reactor's contract); nothing else is in
    // flight, so it cannot return for another reason.
    if (!reactor.Run(std::nullopt).ok()) {
      state.SkipWithError("Run failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_LibuvAsyncWake(benchmark::State& state) {
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) {
    state.SkipWithError("uv_loop_init failed");
    return;
  }
  bool woken = false;
  uv_async_t async;
  async.data = &woken;
  if (uv_async_init(&loop, &async, [](uv_async_t* handle) {
        *static_cast<bool*>(handle->data) = true;
      }) != 0) {
    state.SkipWithError("uv_async_init failed");
    uv_loop_close(&loop);
    return;
  }

  for (auto _ : state) {
    woken = false;
    uv_async_send(&async);
    while (!woken) uv_run(&loop, UV_RUN_ONCE);
  }
  state.SetItemsProcessed(state.iterations());
  uv_close(reinterpret_cast<uv_handle_t*>(&async), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);  // runs the close
  if (uv_loop_close(&loop) != 0) state.SkipWithError("uv_loop_close failed");
}

void BatchSizes(benchmark::internal::Benchmark* benchmark) {
  for (int batch : {1, 16, 256, 1024}) benchmark->Arg(batch);
}

BENCHMARK(BM_LiburingNop)->Apply(BatchSizes);
BENCHMARK(BM_LibuvAsyncWake);

}  // namespace
}  // namespace weft

// Backends register from static initializers, so the per-backend rows are
// registered here, after those ran.
int main(int argc, char** argv) {
  for (const weft::ExecutorRegistration& registration :
       weft::LinkedExecutors()) {
    benchmark::RegisterBenchmark(
        ("BM_ReactorNop/" + registration.name).c_str(),
        [name = registration.name](benchmark::State& state) {
          weft::BM_ReactorNop(state, name);
        })
        ->Apply(weft::BatchSizes);
    benchmark::RegisterBenchmark(
        ("BM_ReactorWake/" + registration.name).c_str(),
        [name = registration.name](benchmark::State& state) {
          weft::BM_ReactorWake(state, name);
        });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
