// Unit tests of the epoll Reactor, reached through the registry the way the
// runtime finds it. Timing assertions only bound waits from below (a wait
// never ends early) and, generously, from above (it ends at all).

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// An operation that counts its completions and keeps the last result.
struct TestOp : IoOperation {
  explicit TestOp(IoOpcode code, int fd_arg = -1) {
    opcode = code;
    fd = fd_arg;
    complete = &TestOp::Record;
    context = this;
  }
  TestOp(const TestOp&) = delete;
  TestOp& operator=(const TestOp&) = delete;

  static void Record(void* context, int32_t result) {
    auto* op = static_cast<TestOp*>(context);
    ++op->calls;
    op->result = result;
    if (op->order != nullptr) op->order->push_back(op);
  }

  void SetBuffer(void* data, size_t size) {
    buffer = data;
    length = size;
  }

  int calls = 0;
  int32_t result = 0;
  std::vector<const TestOp*>* order = nullptr;  // appended to on completion
};

// A nop that submits itself again from its completion, `again` more times.
struct ResubmittingNop : TestOp {
  ResubmittingNop(Reactor* reactor_arg, int again_arg)
      : TestOp(IoOpcode::kNop), reactor(reactor_arg), again(again_arg) {
    complete = [](void* context, int32_t result) {
      auto* self = static_cast<ResubmittingNop*>(context);
      TestOp::Record(context, result);
      if (self->again > 0) {
        --self->again;
        self->reactor->Submit(self);
      }
    };
  }

  Reactor* reactor;
  int again;
};

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// Blocking on purpose: the reactor must never block on a blocking fd.
std::pair<Fd, Fd> MakePipe() {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0) << strerror(errno);
  return {Fd(fds[0]), Fd(fds[1])};
}

std::pair<Fd, Fd> MakeSocketPair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0)
      << strerror(errno);
  return {Fd(fds[0]), Fd(fds[1])};
}

// Sends until `fd`'s send buffer is full, so that a write on it must wait.
bool FillSendBuffer(int fd) {
  char chunk[4096] = {};
  while (send(fd, chunk, sizeof chunk, MSG_DONTWAIT) > 0) {
  }
  return errno == EAGAIN;
}

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

uint16_t LocalPort(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  return ntohs(address.sin_port);
}

// A TCP socket bound to an ephemeral loopback port, listening if asked.
Fd BoundSocket(bool listening) {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = Loopback(0);
  EXPECT_EQ(
      bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
      << strerror(errno);
  if (listening) {
    EXPECT_EQ(listen(fd.get(), 16), 0);
  }
  return fd;
}

std::unique_ptr<Executor> MakeEpollExecutor() {
  for (const ExecutorRegistration& registration : LinkedExecutors()) {
    if (registration.name != "epoll") continue;
    absl::StatusOr<std::unique_ptr<Executor>> executor = registration.create();
    EXPECT_TRUE(executor.ok()) << executor.status();
    return executor.ok() ? std::move(*executor) : nullptr;
  }
  ADD_FAILURE() << "the epoll backend is not registered";
  return nullptr;
}

double Seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

class ReactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    executor_ = MakeEpollExecutor();
    ASSERT_NE(executor_, nullptr);
    reactor_ = NewReactor();
    ASSERT_NE(reactor_, nullptr);
  }

  std::unique_ptr<Reactor> NewReactor() {
    absl::StatusOr<std::unique_ptr<Reactor>> reactor =
        executor_->CreateReactor();
    EXPECT_TRUE(reactor.ok()) << reactor.status();
    return reactor.ok() ? std::move(*reactor) : nullptr;
  }

  // One Run; returns its count of completions.
  int RunOnce(std::optional<Reactor::TimePoint> deadline) {
    absl::StatusOr<int> delivered = reactor_->Run(deadline);
    EXPECT_TRUE(delivered.ok()) << delivered.status();
    return delivered.value_or(-1);
  }

  // Runs the reactor until `done` holds, for at most 10 seconds.
  void RunUntil(const std::function<bool()>& done) {
    const Clock::time_point give_up = Clock::now() + 10s;
    while (!done() && Clock::now() < give_up) {
      RunOnce(Clock::now() + 100ms);
    }
    EXPECT_TRUE(done()) << "timed out";
  }

  // Runs briefly and checks that nothing more is delivered.
  void ExpectNothingMore() { EXPECT_EQ(RunOnce(Clock::now() + 20ms), 0); }

  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Reactor> reactor_;
};

TEST_F(ReactorTest, RegisteredAsEpollBelowUring) {
  EXPECT_EQ(executor_->name(), "epoll");
  for (const ExecutorRegistration& registration : LinkedExecutors()) {
    if (registration.name == "epoll") {
      EXPECT_EQ(registration.preference, 1);
    }
  }
}

TEST_F(ReactorTest, NopCompletesOnNextRunNotInSubmit) {
  TestOp nop(IoOpcode::kNop);
  reactor_->Submit(&nop);
  EXPECT_EQ(nop.calls, 0);
  EXPECT_EQ(reactor_->InFlight(), 1u);

  EXPECT_EQ(RunOnce(std::nullopt), 1);  // ready: must not block
  EXPECT_EQ(nop.calls, 1);
  EXPECT_EQ(nop.result, 0);
  EXPECT_EQ(reactor_->InFlight(), 0u);
  ExpectNothingMore();
}

TEST_F(ReactorTest, OperationSubmittedByACallbackWaitsForTheNextRun) {
  ResubmittingNop nop(reactor_.get(), /*again=*/2);
  reactor_->Submit(&nop);
  for (int turn = 1; turn <= 3; ++turn) {
    EXPECT_EQ(RunOnce(std::nullopt), 1);
    EXPECT_EQ(nop.calls, turn);
  }
  ExpectNothingMore();
}

TEST_F(ReactorTest, RunWithPastDeadlineDoesNotBlock) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);  // something to wait for

  const Clock::time_point start = Clock::now();
  EXPECT_EQ(RunOnce(start - 1s), 0);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  // The earliest time point there is: no overflow computing the wait.
  EXPECT_EQ(RunOnce(Clock::time_point::min()), 0);
  EXPECT_LT(Seconds(Clock::now() - start), 1.0);
  EXPECT_EQ(read.calls, 0);
  reactor_->Cancel(&read);
  RunUntil([&] { return read.calls == 1; });
}

TEST_F(ReactorTest, RunWaitsUntilItsDeadline) {
  for (auto wait : {3ms, 200ms}) {
    const Clock::time_point start = Clock::now();
    EXPECT_EQ(RunOnce(start + wait), 0);
    const Clock::duration elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, wait) << "woke early";
    EXPECT_LT(Seconds(elapsed), 5.0);
  }
}

TEST_F(ReactorTest, WakeFromAnotherThreadInterruptsAnUnboundedRun) {
  std::thread waker([this] {
    std::this_thread::sleep_for(50ms);
    reactor_->Wake();
  });
  EXPECT_EQ(RunOnce(std::nullopt), 0);  // hangs if the wake is lost
  waker.join();
}

TEST_F(ReactorTest, WakesCoalesceIntoOne) {
  for (int i = 0; i < 5; ++i) reactor_->Wake();
  std::thread waker([this] {
    for (int i = 0; i < 5; ++i) reactor_->Wake();
  });
  waker.join();
  EXPECT_EQ(RunOnce(std::nullopt), 0);

  // Nothing of the ten wakes is left over: this Run waits its full time.
  const Clock::time_point start = Clock::now();
  EXPECT_EQ(RunOnce(start + 100ms), 0);
  EXPECT_GE(Clock::now() - start, 100ms);

  // And a wake after the coalesced ones still gets through.
  reactor_->Wake();
  EXPECT_EQ(RunOnce(std::nullopt), 0);
}

// Write system calls this process has made so far, or -1 if the kernel
// does not account them.
int64_t WriteSyscalls() {
  FILE* io = fopen("/proc/self/io", "r");
  if (io == nullptr) return -1;
  char line[128];
  int64_t count = -1;
  while (fgets(line, sizeof line, io) != nullptr) {
    if (sscanf(line, "syscw: %" SCNd64, &count) == 1) break;
  }
  fclose(io);
  return count;
}

TEST_F(ReactorTest, CoalescedWakesCostOneSystemCall) {
  if (WriteSyscalls() < 0) GTEST_SKIP() << "no /proc/self/io syscw here";
  const int64_t before = WriteSyscalls();
  for (int i = 0; i < 1000; ++i) reactor_->Wake();
  const int64_t writes = WriteSyscalls() - before;
  EXPECT_GE(writes, 1);
  EXPECT_LT(writes, 10);  // one eventfd write, give or take stray writes
  EXPECT_EQ(RunOnce(std::nullopt), 0);
}

TEST_F(ReactorTest, ImmediateCompletionsDoNotStarveWaitingIo) {
  auto [read_end, write_end] = MakePipe();
  char buffer[4];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  ASSERT_EQ(write(write_end.get(), "x", 1), 1);

  // A nop that resubmits itself keeps a completion ready at every Run.
  ResubmittingNop busy(reactor_.get(), /*again=*/INT_MAX);
  reactor_->Submit(&busy);
  int runs = 0;
  while (read.calls == 0 && runs < 1000) {
    RunOnce(std::nullopt);
    ++runs;
  }
  EXPECT_EQ(read.calls, 1);
  EXPECT_LT(runs, 100);
  busy.again = 0;
  RunUntil([&] { return reactor_->InFlight() == 0; });
}

TEST_F(ReactorTest, WriteThenReadOnAPipe) {
  auto [read_end, write_end] = MakePipe();
  char message[] = "hello";
  TestOp write(IoOpcode::kWrite, write_end.get());
  write.SetBuffer(message, 5);
  reactor_->Submit(&write);
  RunUntil([&] { return write.calls == 1; });
  EXPECT_EQ(write.result, 5);

  char buffer[16] = {};
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(read.calls, 0);
  RunUntil([&] { return read.calls == 1; });
  EXPECT_EQ(read.result, 5);
  EXPECT_EQ(std::string(buffer, 5), "hello");
}

TEST_F(ReactorTest, ReadWriteSendRecvOnASocketPair) {
  auto [left, right] = MakeSocketPair();
  char first[] = "over write";
  TestOp write(IoOpcode::kWrite, left.get());
  write.SetBuffer(first, 10);
  char second[] = "over send";
  TestOp send(IoOpcode::kSend, left.get());
  send.SetBuffer(second, 9);
  reactor_->Submit(&write);
  reactor_->Submit(&send);
  RunUntil([&] { return write.calls == 1 && send.calls == 1; });
  EXPECT_EQ(write.result, 10);
  EXPECT_EQ(send.result, 9);

  char buffer[10] = {};
  TestOp read(IoOpcode::kRead, right.get());
  read.SetBuffer(buffer, 10);
  reactor_->Submit(&read);
  RunUntil([&] { return read.calls == 1; });
  ASSERT_EQ(read.result, 10);
  EXPECT_EQ(std::string(buffer, 10), "over write");

  TestOp recv(IoOpcode::kRecv, right.get());
  recv.SetBuffer(buffer, 10);
  reactor_->Submit(&recv);
  RunUntil([&] { return recv.calls == 1; });
  ASSERT_EQ(recv.result, 9);
  EXPECT_EQ(std::string(buffer, 9), "over send");
}

TEST_F(ReactorTest, ReadWaitsForDataWrittenByAnotherThread) {
  auto [read_end, write_end] = MakePipe();
  char buffer[16] = {};
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  EXPECT_EQ(read.calls, 0);

  std::thread writer([fd = write_end.get()] {
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(::write(fd, "late", 4), 4);
  });
  EXPECT_EQ(RunOnce(std::nullopt), 1);  // the data is what ends this Run
  writer.join();
  EXPECT_EQ(read.calls, 1);
  ASSERT_EQ(read.result, 4);
  EXPECT_EQ(std::string(buffer, 4), "late");
}

TEST_F(ReactorTest, RecvAtEndOfStreamCompletesWithZero) {
  auto [left, right] = MakeSocketPair();
  char buffer[8];
  TestOp waiting(IoOpcode::kRecv, left.get());
  waiting.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&waiting);
  EXPECT_EQ(RunOnce(Clock::now()), 0);

  right.reset();  // the peer hangs up while the recv waits
  RunUntil([&] { return waiting.calls == 1; });
  EXPECT_EQ(waiting.result, 0);

  TestOp immediate(IoOpcode::kRecv, left.get());
  immediate.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&immediate);
  RunUntil([&] { return immediate.calls == 1; });
  EXPECT_EQ(immediate.result, 0);
}

TEST_F(ReactorTest, ReadAtEndOfPipeCompletesWithZero) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  write_end.reset();  // a pipe reports this as EPOLLHUP alone
  RunUntil([&] { return read.calls == 1; });
  EXPECT_EQ(read.result, 0);
}

TEST_F(ReactorTest, WaitingSendFailsWithEpipeWhenThePeerCloses) {
  auto [left, right] = MakeSocketPair();
  std::vector<char> chunk(4096, 's');
  ASSERT_TRUE(FillSendBuffer(left.get()));
  TestOp send(IoOpcode::kSend, left.get());
  send.SetBuffer(chunk.data(), chunk.size());
  reactor_->Submit(&send);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  right.reset();
  RunUntil([&] { return send.calls == 1; });
  EXPECT_EQ(send.result, -EPIPE);
}

TEST_F(ReactorTest, AcceptAndConnectOnLoopback) {
  Fd listener = BoundSocket(/*listening=*/true);
  sockaddr_storage peer{};
  TestOp accept(IoOpcode::kAccept, listener.get());
  accept.address = reinterpret_cast<sockaddr*>(&peer);
  accept.address_length = sizeof peer;
  reactor_->Submit(&accept);
  EXPECT_EQ(RunOnce(Clock::now()), 0);  // no connection yet

  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));  // blocking
  sockaddr_in server = Loopback(LocalPort(listener.get()));
  TestOp connect(IoOpcode::kConnect, client.get());
  connect.address = reinterpret_cast<sockaddr*>(&server);
  connect.address_length = sizeof server;
  reactor_->Submit(&connect);
  RunUntil([&] { return accept.calls == 1 && connect.calls == 1; });

  EXPECT_EQ(connect.result, 0);
  ASSERT_GE(accept.result, 0) << strerror(-accept.result);
  Fd accepted(accept.result);
  EXPECT_EQ(accept.address_length, sizeof(sockaddr_in));
  EXPECT_EQ(peer.ss_family, AF_INET);
  EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port),
            LocalPort(client.get()));
  EXPECT_NE(fcntl(accepted.get(), F_GETFD) & FD_CLOEXEC, 0);

  char ping[] = "ping";
  TestOp send(IoOpcode::kSend, client.get());
  send.SetBuffer(ping, 4);
  char buffer[8] = {};
  TestOp recv(IoOpcode::kRecv, accepted.get());
  recv.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&recv);
  reactor_->Submit(&send);
  RunUntil([&] { return send.calls == 1 && recv.calls == 1; });
  EXPECT_EQ(send.result, 4);
  ASSERT_EQ(recv.result, 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");
}

TEST_F(ReactorTest, AcceptWithoutAddress) {
  Fd listener = BoundSocket(/*listening=*/true);
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in server = Loopback(LocalPort(listener.get()));
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&server),
                      sizeof server),
            0);
  TestOp accept(IoOpcode::kAccept, listener.get());
  reactor_->Submit(&accept);
  RunUntil([&] { return accept.calls == 1; });
  ASSERT_GE(accept.result, 0) << strerror(-accept.result);
  close(accept.result);
}

TEST_F(ReactorTest, ConnectToAClosedPortIsRefused) {
  Fd not_listening = BoundSocket(/*listening=*/false);  // holds the port
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in server = Loopback(LocalPort(not_listening.get()));
  TestOp connect(IoOpcode::kConnect, client.get());
  connect.address = reinterpret_cast<sockaddr*>(&server);
  connect.address_length = sizeof server;
  reactor_->Submit(&connect);
  RunUntil([&] { return connect.calls == 1; });
  EXPECT_EQ(connect.result, -ECONNREFUSED) << strerror(-connect.result);
}

TEST_F(ReactorTest, PollWaitsForReadability) {
  auto [read_end, write_end] = MakePipe();
  TestOp poll_in(IoOpcode::kPoll, read_end.get());
  poll_in.poll_events = POLLIN;
  reactor_->Submit(&poll_in);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  EXPECT_EQ(poll_in.calls, 0);

  ASSERT_EQ(write(write_end.get(), "x", 1), 1);
  RunUntil([&] { return poll_in.calls == 1; });
  EXPECT_EQ(poll_in.result, POLLIN);

  TestOp poll_out(IoOpcode::kPoll, write_end.get());
  poll_out.poll_events = POLLOUT;
  reactor_->Submit(&poll_out);
  EXPECT_EQ(poll_out.calls, 0);
  RunUntil([&] { return poll_out.calls == 1; });
  EXPECT_EQ(poll_out.result, POLLOUT);
}

TEST_F(ReactorTest, TimeoutCompletesWithEtimeAfterItsDuration) {
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 100ms;
  const Clock::time_point start = Clock::now();
  reactor_->Submit(&timeout);
  // No deadline given: the timeout's own deadline must end the wait.
  EXPECT_EQ(RunOnce(std::nullopt), 1);
  const Clock::duration elapsed = Clock::now() - start;
  EXPECT_EQ(timeout.calls, 1);
  EXPECT_EQ(timeout.result, -ETIME);
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(Seconds(elapsed), 5.0);
}

TEST_F(ReactorTest, TimeoutsFireEarliestFirst) {
  std::vector<const TestOp*> order;
  TestOp late(IoOpcode::kTimeout), early(IoOpcode::kTimeout),
      zero(IoOpcode::kTimeout);
  late.timeout = 60ms;
  early.timeout = 20ms;
  zero.timeout = 0ms;
  for (TestOp* op : {&late, &early, &zero}) {
    op->order = &order;
    reactor_->Submit(op);
  }
  EXPECT_EQ(zero.calls, 0);  // not even a zero timeout completes in Submit
  RunUntil([&] { return order.size() == 3; });
  EXPECT_THAT(order, ::testing::ElementsAre(&zero, &early, &late));
}

TEST_F(ReactorTest, ManyTimeoutsFireInDeadlineOrderAndCancelledOnesDoNot) {
  struct Timed : TestOp {
    Timed() : TestOp(IoOpcode::kTimeout) {
      complete = [](void* context, int32_t result) {
        static_cast<Timed*>(context)->completed_at = Clock::now();
        TestOp::Record(context, result);
      };
    }
    Clock::time_point submitted_at, completed_at;
  };
  constexpr int kCount = 100;
  std::vector<Timed> timers(kCount);
  std::vector<const TestOp*> order;
  for (int i = 0; i < kCount; ++i) {
    // Distinct durations, 1 ms apart, submitted out of order.
    timers[i].timeout = std::chrono::milliseconds((i * 37) % kCount);
    timers[i].order = &order;
  }
  for (Timed& timer : timers) {
    timer.submitted_at = Clock::now();
    reactor_->Submit(&timer);
  }
  for (int i = 0; i < kCount; i += 3) reactor_->Cancel(&timers[i]);
  RunUntil([&] { return order.size() == kCount; });

  Clock::duration previous = Clock::duration::min();
  for (const TestOp* op : order) {
    const Timed& timer = *static_cast<const Timed*>(op);
    const int index = static_cast<int>(&timer - timers.data());
    EXPECT_EQ(timer.calls, 1);
    if (index % 3 == 0) {
      EXPECT_EQ(timer.result, -ECANCELED) << index;
      continue;
    }
    EXPECT_EQ(timer.result, -ETIME) << index;
    EXPECT_GE(timer.completed_at - timer.submitted_at, timer.timeout) << index;
    EXPECT_GT(timer.timeout, previous) << "out of order at " << index;
    previous = timer.timeout;
  }
}

TEST_F(ReactorTest, CancelOfAPendingReadCompletesOnceAndLeavesTheBuffer) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  memset(buffer, 'z', sizeof buffer);
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);

  reactor_->Cancel(&read);
  EXPECT_EQ(read.calls, 0);  // never from inside Cancel
  EXPECT_EQ(RunOnce(std::nullopt), 1);
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(read.result, -ECANCELED);
  EXPECT_EQ(reactor_->InFlight(), 0u);

  // Data that arrives afterwards is not read into the buffer.
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  ExpectNothingMore();
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(std::string(buffer, sizeof buffer), std::string(8, 'z'));
  char left[4];
  EXPECT_EQ(::read(read_end.get(), left, sizeof left), 3);
}

TEST_F(ReactorTest, CancelWinsOverDataThatArrivedBeforeTheRun) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  reactor_->Cancel(&read);
  RunUntil([&] { return read.calls == 1; });
  ExpectNothingMore();
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(read.result, -ECANCELED);
}

TEST_F(ReactorTest, CancelFromAnotherThread) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);

  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    reactor_->Cancel(&read);
  });
  EXPECT_EQ(RunOnce(std::nullopt), 1);  // the cancel wakes this Run
  canceller.join();
  EXPECT_EQ(read.calls, 1);
  EXPECT_EQ(read.result, -ECANCELED);
  ExpectNothingMore();
}

TEST_F(ReactorTest, CancelOfACompletedButUndeliveredOpKeepsItsResult) {
  auto [left, right] = MakeSocketPair();
  char message[] = "hello";
  TestOp write(IoOpcode::kWrite, left.get());
  write.SetBuffer(message, 5);
  TestOp nop(IoOpcode::kNop);
  reactor_->Submit(&write);  // completes at once, delivered by the next Run
  reactor_->Submit(&nop);
  reactor_->Cancel(&write);
  reactor_->Cancel(&nop);
  RunUntil([&] { return write.calls == 1 && nop.calls == 1; });
  ExpectNothingMore();
  EXPECT_EQ(write.calls, 1);
  EXPECT_EQ(write.result, 5);
  EXPECT_EQ(nop.calls, 1);
  EXPECT_EQ(nop.result, 0);
}

TEST_F(ReactorTest, CancelOfAPendingTimeout) {
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 1h;
  TestOp other(IoOpcode::kTimeout);
  other.timeout = 30ms;
  reactor_->Submit(&timeout);
  reactor_->Submit(&other);
  reactor_->Cancel(&timeout);
  RunUntil([&] { return timeout.calls == 1; });
  EXPECT_EQ(timeout.result, -ECANCELED);
  RunUntil([&] { return other.calls == 1; });  // the heap is still intact
  EXPECT_EQ(other.result, -ETIME);
  EXPECT_EQ(timeout.calls, 1);
}

// The runtime's side of the protocol: a cancel is requested only while the
// completion has not been seen, under the lock the completion takes.
TEST_F(ReactorTest, CancelRacingWithCompletionCompletesExactlyOnce) {
  struct GuardedOp : TestOp {
    GuardedOp(int fd) : TestOp(IoOpcode::kRead, fd) {
      complete = [](void* context, int32_t result) {
        auto* self = static_cast<GuardedOp*>(context);
        std::lock_guard lock(self->mu);
        TestOp::Record(context, result);
      };
    }
    std::mutex mu;
  };
  int cancelled = 0;
  for (int i = 0; i < 200; ++i) {
    auto [read_end, write_end] = MakePipe();
    char buffer[4];
    GuardedOp read(read_end.get());
    read.SetBuffer(buffer, sizeof buffer);
    reactor_->Submit(&read);
    EXPECT_EQ(RunOnce(Clock::now()), 0);

    std::thread writer(
        [fd = write_end.get()] { EXPECT_EQ(::write(fd, "x", 1), 1); });
    std::thread canceller([&] {
      std::lock_guard lock(read.mu);
      if (read.calls == 0) reactor_->Cancel(&read);
    });
    RunUntil([&] {
      std::lock_guard lock(read.mu);
      return read.calls == 1;
    });
    writer.join();
    canceller.join();
    EXPECT_EQ(RunOnce(Clock::now()), 0);
    std::lock_guard lock(read.mu);
    EXPECT_EQ(read.calls, 1);
    EXPECT_TRUE(read.result == 1 || read.result == -ECANCELED) << read.result;
    cancelled += read.result == -ECANCELED;
  }
  EXPECT_EQ(reactor_->InFlight(), 0u);
  RecordProperty("cancelled", cancelled);
}

TEST_F(ReactorTest, TwoPendingReadsOnOneFdCompleteInOrder) {
  auto [read_end, write_end] = MakePipe();
  std::vector<const TestOp*> order;
  char first_buffer[3], second_buffer[3];
  TestOp first(IoOpcode::kRead, read_end.get());
  first.SetBuffer(first_buffer, 3);
  first.order = &order;
  TestOp second(IoOpcode::kRead, read_end.get());
  second.SetBuffer(second_buffer, 3);
  second.order = &order;
  reactor_->Submit(&first);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  // The data is there before the second read is submitted: that read must
  // still not overtake the first.
  ASSERT_EQ(write(write_end.get(), "abcdef", 6), 6);
  reactor_->Submit(&second);
  RunUntil([&] { return order.size() == 2; });
  EXPECT_THAT(order, ::testing::ElementsAre(&first, &second));
  EXPECT_EQ(first.result, 3);
  EXPECT_EQ(second.result, 3);
  EXPECT_EQ(std::string(first_buffer, 3), "abc");
  EXPECT_EQ(std::string(second_buffer, 3), "def");
}

TEST_F(ReactorTest, ReadAndWritePendingOnOneFd) {
  auto [left, right] = MakeSocketPair();
  std::vector<char> chunk(4096, 'w');
  ASSERT_TRUE(FillSendBuffer(left.get()));

  char in[8] = {};
  TestOp read(IoOpcode::kRead, left.get());
  read.SetBuffer(in, sizeof in);
  TestOp write(IoOpcode::kWrite, left.get());
  write.SetBuffer(chunk.data(), chunk.size());
  reactor_->Submit(&write);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  EXPECT_EQ(reactor_->InFlight(), 2u);

  ASSERT_EQ(::write(right.get(), "r", 1), 1);
  RunUntil([&] { return read.calls == 1; });
  EXPECT_EQ(read.result, 1);
  EXPECT_EQ(in[0], 'r');
  EXPECT_EQ(write.calls, 0);

  std::vector<char> drain(1 << 16);
  while (recv(right.get(), drain.data(), drain.size(), MSG_DONTWAIT) > 0) {
  }
  RunUntil([&] { return write.calls == 1; });
  EXPECT_GT(write.result, 0);
}

TEST_F(ReactorTest, DestroyingTheReactorCancelsEverythingInFlightOnce) {
  auto [read_end, write_end] = MakePipe();
  Fd listener = BoundSocket(/*listening=*/true);
  char buffer[8];
  memset(buffer, 'z', sizeof buffer);
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  TestOp poll(IoOpcode::kPoll, read_end.get());
  poll.poll_events = POLLIN;
  TestOp accept(IoOpcode::kAccept, listener.get());
  TestOp timeout(IoOpcode::kTimeout);
  timeout.timeout = 1h;
  TestOp nop(IoOpcode::kNop);
  std::unique_ptr<Reactor> reactor = NewReactor();
  for (TestOp* op : {&read, &poll, &accept, &timeout, &nop}) {
    reactor->Submit(op);
  }
  EXPECT_EQ(reactor->InFlight(), 5u);
  reactor.reset();

  for (TestOp* op : {&read, &poll, &accept, &timeout}) {
    EXPECT_EQ(op->calls, 1);
    EXPECT_EQ(op->result, -ECANCELED);
  }
  EXPECT_EQ(nop.calls, 1);  // it had completed: delivered with its result
  EXPECT_EQ(nop.result, 0);
  ASSERT_EQ(write(write_end.get(), "abc", 3), 3);
  EXPECT_EQ(std::string(buffer, sizeof buffer), std::string(8, 'z'));
}

TEST_F(ReactorTest, SendToAClosedPeerIsEpipeWithoutSigpipe) {
  auto [left, right] = MakeSocketPair();
  right.reset();
  char message[] = "lost";
  TestOp send(IoOpcode::kSend, left.get());
  send.SetBuffer(message, 4);
  reactor_->Submit(&send);
  RunUntil([&] { return send.calls == 1; });
  EXPECT_EQ(send.result, -EPIPE);  // and the process is still alive
}

TEST_F(ReactorTest, RegularFileIsReadAndWrittenSynchronously) {
  const char* dir = getenv("TEST_TMPDIR");
  std::string path =
      std::string(dir != nullptr ? dir : "/tmp") + "/reactor_test_XXXXXX";
  Fd file(mkstemp(path.data()));
  ASSERT_GE(file.get(), 0) << strerror(errno);
  unlink(path.c_str());

  char contents[] = "file contents";
  TestOp write(IoOpcode::kWrite, file.get());
  write.SetBuffer(contents, 13);
  write.offset = 0;
  reactor_->Submit(&write);
  EXPECT_EQ(write.calls, 0);
  RunUntil([&] { return write.calls == 1; });
  EXPECT_EQ(write.result, 13);

  char buffer[32] = {};
  TestOp positioned(IoOpcode::kRead, file.get());
  positioned.SetBuffer(buffer, sizeof buffer);
  positioned.offset = 5;
  reactor_->Submit(&positioned);
  EXPECT_EQ(positioned.calls, 0);
  RunUntil([&] { return positioned.calls == 1; });
  ASSERT_EQ(positioned.result, 8);
  EXPECT_EQ(std::string(buffer, 8), "contents");

  ASSERT_EQ(lseek(file.get(), 0, SEEK_SET), 0);
  TestOp current(IoOpcode::kRead, file.get());  // offset -1: file position
  current.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&current);
  RunUntil([&] { return current.calls == 1; });
  ASSERT_EQ(current.result, 13);
  EXPECT_EQ(std::string(buffer, 13), "file contents");

  TestOp poll(IoOpcode::kPoll, file.get());  // epoll refuses regular files
  poll.poll_events = POLLIN | POLLOUT;
  reactor_->Submit(&poll);
  EXPECT_EQ(poll.calls, 0);
  RunUntil([&] { return poll.calls == 1; });
  EXPECT_EQ(poll.result, POLLIN | POLLOUT);
}

TEST_F(ReactorTest, CloseCompletesTheFdsWaitersWithEbadf) {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);

  const int fd = read_end.release();
  TestOp close_op(IoOpcode::kClose, fd);
  reactor_->Submit(&close_op);
  RunUntil([&] { return read.calls == 1 && close_op.calls == 1; });
  EXPECT_EQ(close_op.result, 0);
  EXPECT_EQ(read.result, -EBADF);
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);

  // The fd number, reused by a new pipe, is armed afresh.
  auto [new_read_end, new_write_end] = MakePipe();
  TestOp again(IoOpcode::kRead, new_read_end.get());
  again.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&again);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  ASSERT_EQ(write(new_write_end.get(), "n", 1), 1);
  RunUntil([&] { return again.calls == 1; });
  EXPECT_EQ(again.result, 1);
}

TEST_F(ReactorTest, FdClosedBehindTheReactorsBackAndReusedStillWorks) {
  char buffer[8];
  int number;
  {
    auto [read_end, write_end] = MakePipe();
    number = read_end.get();
    TestOp read(IoOpcode::kRead, read_end.get());
    read.SetBuffer(buffer, sizeof buffer);
    reactor_->Submit(&read);
    EXPECT_EQ(RunOnce(Clock::now()), 0);
    reactor_->Cancel(&read);
    RunUntil([&] { return read.calls == 1; });
  }  // closed with plain close(2): the reactor is not told
  auto [read_end, write_end] = MakePipe();
  ASSERT_EQ(read_end.get(), number);  // lowest free fd
  TestOp read(IoOpcode::kRead, read_end.get());
  read.SetBuffer(buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  ASSERT_EQ(write(write_end.get(), "r", 1), 1);
  RunUntil([&] { return read.calls == 1; });
  EXPECT_EQ(read.result, 1);
}

TEST_F(ReactorTest, InvalidFdsFailWithEbadf) {
  char buffer[4];
  TestOp read(IoOpcode::kRead, -1);
  read.SetBuffer(buffer, sizeof buffer);
  TestOp poll(IoOpcode::kPoll, -1);
  poll.poll_events = POLLIN;
  reactor_->Submit(&read);
  reactor_->Submit(&poll);
  RunUntil([&] { return read.calls == 1 && poll.calls == 1; });
  EXPECT_EQ(read.result, -EBADF);
  EXPECT_EQ(poll.result, -EBADF);
}

TEST_F(ReactorTest, CreateReactorNamesTheCauseWhenOutOfFds) {
  // With the limit at the lowest free fd, every new fd fails with EMFILE.
  const int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(lowest, 0);
  close(lowest);
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = lowest;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  absl::StatusOr<std::unique_ptr<Reactor>> reactor = executor_->CreateReactor();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);

  ASSERT_FALSE(reactor.ok());
  EXPECT_EQ(reactor.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(reactor.status().message(), HasSubstr("epoll_create1"));
  EXPECT_THAT(reactor.status().message(), HasSubstr("EMFILE"));
  EXPECT_THAT(reactor.status().message(), HasSubstr("ulimit -n"));
}

}  // namespace
}  // namespace weft
