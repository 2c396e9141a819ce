// What the io_uring Reactor promises beyond the reactor conformance suite
// (executors/testing/, run on this backend as :reactor_conformance_test):
// its registration and ring, batching many operations into one Run, more of
// them than the submission queue holds (also through UringReactor::Create,
// for ring sizes the executor does not choose), what its out-of-fds status
// suggests, and cases that follow from how io_uring works (an operation the
// kernel completed but no Run delivered; accepts waiting on one listener).
//
// Where io_uring's semantics are weaker than epoll's (the order of two
// operations waiting on one fd; a cancel submitted in the same batch as its
// operation may lose to it), the suite checks what the interface promises:
// exactly one completion, and no buffer touched after it.

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/testing/reactor_fixture.h"
#include "executors/uring/probe.h"
#include "executors/uring/uring_reactor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using reactor_testing::BoundSocket;
using reactor_testing::Clock;
using reactor_testing::Fd;
using reactor_testing::InstantOps;
using reactor_testing::LocalPort;
using reactor_testing::Loopback;
using reactor_testing::MakePipe;
using reactor_testing::ReactorTest;
using reactor_testing::TestOp;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST_F(ReactorTest, RegisteredAsUringAndProbesTheRing) {
  EXPECT_EQ(executor_->name(), "uring");
  bool found = false;
  for (const ExecutorRegistration& registration : LinkedExecutors()) {
    if (registration.name == "uring") {
      found = true;
    }
  }
  EXPECT_TRUE(found);
  auto* uring = static_cast<uring::UringReactor*>(reactor_.get());
  RecordProperty("setup_flags", static_cast<int>(uring->setup_flags()));
  EXPECT_EQ(uring->sq_entries(), 256u);
}

TEST_F(ReactorTest, OutOfFdsStatusSuggestsConfigEpoll) {
  absl::StatusOr<std::unique_ptr<Reactor>> reactor =
      CreateReactorWithoutFreeFds();
  ASSERT_FALSE(reactor.ok());
  EXPECT_THAT(reactor.status().message(), HasSubstr("--config=epoll"));
}

TEST_F(ReactorTest, ManyOperationsAreBatchedAndDeliveredByOneRun) {
  constexpr int kCount = 200;  // below the CQ's 1024 entries
  std::vector<TestOp> nops(kCount);
  for (TestOp& nop : nops) reactor_->Submit(&nop);
  EXPECT_EQ(reactor_->InFlight(), static_cast<size_t>(kCount));
  EXPECT_EQ(RunOnce(std::nullopt), kCount);
  for (const TestOp& nop : nops) {
    EXPECT_EQ(nop.calls, 1);
    EXPECT_EQ(nop.result, 0);
  }
  EXPECT_EQ(reactor_->InFlight(), 0u);
}

TEST_F(ReactorTest, MoreOperationsThanTheSubmissionQueueHolds) {
  // 256 SQ entries: Submit hands the kernel a full queue and carries on.
  constexpr int kCount = 3 * 256 + 7;
  std::vector<TestOp> nops(kCount);
  for (TestOp& nop : nops) reactor_->Submit(&nop);
  EXPECT_EQ(reactor_->InFlight(), static_cast<size_t>(kCount));
  for (const TestOp& nop : nops) EXPECT_EQ(nop.calls, 0);  // not in Submit
  RunUntil([&] { return reactor_->InFlight() == 0; });
  for (const TestOp& nop : nops) {
    EXPECT_EQ(nop.calls, 1);
    EXPECT_EQ(nop.result, 0);
  }
}

TEST_F(ReactorTest, TinyRingWithWaitingOperationsAndCancels) {
  absl::StatusOr<uring::UringCapabilities> capabilities = uring::ProbeIoUring();
  ASSERT_TRUE(capabilities.ok()) << capabilities.status();
  absl::StatusOr<std::unique_ptr<uring::UringReactor>> tiny =
      uring::UringReactor::Create(*capabilities, {.sq_entries = 4});
  ASSERT_TRUE(tiny.ok()) << tiny.status();
  Reactor* reactor = tiny->get();
  EXPECT_EQ((*tiny)->sq_entries(), 4u);

  // Reads that wait, nops that complete, interleaved, 6x the queue; then
  // cancels for the reads, which need SQEs of their own.
  constexpr int kReads = 12;
  std::vector<std::pair<Fd, Fd>> pipes;
  std::vector<TestOp> reads(kReads);
  std::vector<TestOp> nops(kReads);
  std::vector<char> buffers(kReads * 4, 'z');
  for (int i = 0; i < kReads; ++i) {
    pipes.push_back(MakePipe());
    reads[i].opcode = IoOpcode::kRead;
    reads[i].fd = pipes[i].first.get();
    reads[i].SetBuffer(&buffers[i * 4], 4);
    reactor->Submit(&reads[i]);
    reactor->Submit(&nops[i]);
  }
  RunUntil([&] { return reactor->InFlight() == kReads; }, reactor);
  for (TestOp& read : reads) reactor->Cancel(&read);
  RunUntil([&] { return reactor->InFlight() == 0; }, reactor);
  for (int i = 0; i < kReads; ++i) {
    EXPECT_EQ(reads[i].calls, 1);
    EXPECT_EQ(reads[i].result, -ECANCELED);
    EXPECT_EQ(nops[i].calls, 1);
    ASSERT_EQ(write(pipes[i].second.get(), "abcd", 4), 4);
  }
  EXPECT_EQ(RunOnce(Clock::now() + 20ms, reactor), 0);
  EXPECT_EQ(std::string(buffers.begin(), buffers.end()),
            std::string(kReads * 4, 'z'));
}

// The suite's CancelOfACompletedButUndeliveredOpKeepsItsResult cancels
// before any Run; here the kernel has completed the operations when the
// cancel comes.
TEST_F(ReactorTest, CancelOfAnOpCompletedInTheKernelKeepsItsResult) {
  InstantOps ops;
  TestOp invalid(static_cast<IoOpcode>(200));
  for (TestOp* op : ops.all()) reactor_->Submit(op);
  reactor_->Submit(&invalid);
  // This Run delivers the -EINVAL and returns; on its way out it hands the
  // kernel the write and the nop, which complete there, undelivered.
  EXPECT_EQ(RunOnce(std::nullopt), 1);
  EXPECT_EQ(invalid.result, -EINVAL);
  CancelTooLate(ops);
}

// A cancelled accept must not swallow the wake-up of another accept on the
// same listener. The cancelled one was submitted by a thread that is busy
// (no system calls, so with COOP_TASKRUN its task work waits): the kernel
// finishes its cancellation late, while the connection arrives.
TEST_F(ReactorTest, CancelledAcceptDoesNotHideAConnectionFromAnotherAccept) {
  Fd listener = BoundSocket(/*listening=*/true);
  std::unique_ptr<Reactor> other = NewReactor();
  TestOp first(IoOpcode::kAccept, listener.get());
  std::atomic<bool> submitted{false}, stop{false};
  std::thread busy([&] {
    other->Submit(&first);
    EXPECT_EQ(RunOnce(Clock::now(), other.get()), 0);
    submitted.store(true);
    while (!stop.load()) {
    }
  });
  while (!submitted.load()) {
  }
  TestOp second(IoOpcode::kAccept, listener.get());
  SubmitWaiting(second);

  other->Cancel(&first);
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in server = Loopback(LocalPort(listener.get()));
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&server),
                      sizeof server),
            0);
  RunUntil([&] { return second.calls == 1; });
  stop.store(true);
  busy.join();
  ASSERT_GE(second.result, 0) << strerror(-second.result);
  close(second.result);
  RunUntil([&] { return first.calls == 1; }, other.get());
  EXPECT_EQ(first.result, -ECANCELED);
}

}  // namespace
}  // namespace weft
