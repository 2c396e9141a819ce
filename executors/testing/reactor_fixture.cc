#include "executors/testing/reactor_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <tuple>

#include "absl/status/status.h"

namespace weft::reactor_testing {
namespace {

using namespace std::chrono_literals;

struct HookRegistry {
  std::mutex mu;
  std::vector<ReactorTestHook*> hooks;
};

HookRegistry& Hooks() {
  static auto* registry = new HookRegistry;  // filled by static initializers
  return *registry;
}

std::vector<ReactorTestHook*> RegisteredHooks() {
  HookRegistry& registry = Hooks();
  std::lock_guard lock(registry.mu);
  return registry.hooks;
}

}  // namespace

::testing::AssertionResult CompletedOnceWith(const TestOp& op, int32_t result) {
  if (op.calls == 1 && op.result == result) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "completed " << op.calls << " times, last with " << op.result
         << ", not once with " << result;
}

ResubmittingNop::ResubmittingNop(Reactor* reactor_arg, int again_arg)
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

void Fd::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

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

Fd TemporaryFile() {
  const char* dir = getenv("TEST_TMPDIR");
  std::string path =
      std::string(dir != nullptr ? dir : "/tmp") + "/reactor_test_XXXXXX";
  Fd file(mkstemp(path.data()));
  EXPECT_GE(file.get(), 0) << strerror(errno);
  if (file.get() >= 0) unlink(path.c_str());
  return file;
}

WaitingOps::WaitingOps()
    : listener(BoundSocket(/*listening=*/true)),
      read(IoOpcode::kRead),
      poll(IoOpcode::kPoll),
      accept(IoOpcode::kAccept, listener.get()),
      timeout(IoOpcode::kTimeout) {
  std::tie(read_end, write_end) = MakePipe();
  memset(buffer, 'z', sizeof buffer);
  read.fd = read_end.get();
  read.SetBuffer(buffer, sizeof buffer);
  poll.fd = read_end.get();
  poll.poll_events = POLLIN;
  timeout.timeout = 1h;
}

void WaitingOps::ExpectTheReadToIgnoreNewData() {
  ASSERT_EQ(::write(write_end.get(), "abc", 3), 3);
  EXPECT_EQ(std::string(buffer, sizeof buffer), std::string(8, 'z'));
}

InstantOps::InstantOps()
    : write(IoOpcode::kWrite, -1, message, 5), nop(IoOpcode::kNop) {
  std::tie(left, right) = MakeSocketPair();
  write.fd = left.get();
}

ManyFileReads::ManyFileReads()
    : file_(TemporaryFile()), buffers_(kCount, std::vector<char>(kSize)) {
  if (file_.get() < 0) return;  // TemporaryFile failed the test
  const std::vector<char> contents(kSize, 'f');
  written_ = pwrite(file_.get(), contents.data(), kSize, 0) ==
             static_cast<ssize_t>(kSize);
  EXPECT_TRUE(written_) << strerror(errno);
  for (std::vector<char>& buffer : buffers_) {
    reads_.push_back(std::make_unique<TestOp>(IoOpcode::kRead, file_.get(),
                                              buffer.data(), kSize));
    reads_.back()->offset = 0;
  }
}

void ManyFileReads::SubmitTo(Reactor& reactor) {
  for (auto& read : reads_) reactor.Submit(read.get());
}

void ManyFileReads::CancelIn(Reactor& reactor) {
  for (auto& read : reads_) reactor.Cancel(read.get());
}

int ManyFileReads::ExpectEachCompletedOnce() const {
  int cancelled = 0;
  for (size_t i = 0; i < reads_.size(); ++i) {
    const TestOp& read = *reads_[i];
    EXPECT_EQ(read.calls, 1) << "read " << i;
    EXPECT_TRUE(read.result == -ECANCELED ||
                read.result == static_cast<int32_t>(kSize))
        << "read " << i << ": " << read.result;
    cancelled += read.result == -ECANCELED;
  }
  return cancelled;
}

double Seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

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

bool RegisterReactorTestHook(ReactorTestHook* hook) {
  HookRegistry& registry = Hooks();
  std::lock_guard lock(registry.mu);
  registry.hooks.push_back(hook);
  return true;
}

std::unique_ptr<Executor> CreateTheLinkedExecutor() {
  const std::vector<ExecutorRegistration> linked = LinkedExecutors();
  if (linked.size() != 1) {
    std::string names;
    for (const ExecutorRegistration& registration : linked) {
      names += " " + registration.name;
    }
    ADD_FAILURE() << "a reactor test binary links exactly one backend; this "
                     "one links "
                  << linked.size() << ":" << names;
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<Executor>> executor = linked[0].create();
  EXPECT_TRUE(executor.ok()) << executor.status();
  return executor.ok() ? std::move(*executor) : nullptr;
}

void ReactorTest::SetUp() {
  for (ReactorTestHook* hook : RegisteredHooks()) hook->BeforeTest();
  executor_ = CreateTheLinkedExecutor();
  ASSERT_NE(executor_, nullptr);
  // Which backend ran, in the test's XML: the conformance binaries of all
  // backends print the same test names.
  RecordProperty("backend", std::string(executor_->name()));
  reactor_ = NewReactor();
  ASSERT_NE(reactor_, nullptr);
}

void ReactorTest::TearDown() {
  reactor_.reset();
  for (ReactorTestHook* hook : RegisteredHooks()) hook->AfterTest();
}

std::unique_ptr<Reactor> ReactorTest::NewReactor() {
  absl::StatusOr<std::unique_ptr<Reactor>> reactor = executor_->CreateReactor();
  EXPECT_TRUE(reactor.ok()) << reactor.status();
  return reactor.ok() ? std::move(*reactor) : nullptr;
}

int ReactorTest::RunOnce(std::optional<Reactor::TimePoint> deadline,
                         Reactor* reactor) {
  if (reactor == nullptr) reactor = reactor_.get();
  absl::StatusOr<int> delivered = reactor->Run(deadline);
  EXPECT_TRUE(delivered.ok()) << delivered.status();
  return delivered.value_or(-1);
}

void ReactorTest::RunUntil(const std::function<bool()>& done,
                           Reactor* reactor) {
  const Clock::time_point give_up = Clock::now() + 10s;
  while (!done() && Clock::now() < give_up) {
    RunOnce(Clock::now() + 100ms, reactor);
  }
  EXPECT_TRUE(done()) << "timed out";
}

void ReactorTest::ExpectNothingMore() {
  EXPECT_EQ(RunOnce(Clock::now() + 20ms), 0);
}

int32_t ReactorTest::SubmitAndWait(TestOp& op) {
  const int calls = op.calls;
  reactor_->Submit(&op);
  EXPECT_EQ(op.calls, calls) << "completed inside Submit";
  RunUntil([&] { return op.calls == calls + 1; });
  return op.result;
}

void ReactorTest::SubmitWaiting(TestOp& op, Reactor* reactor) {
  if (reactor == nullptr) reactor = reactor_.get();
  reactor->Submit(&op);
  EXPECT_EQ(RunOnce(Clock::now(), reactor), 0);
}

void ReactorTest::ExpectAReadToWaitForData(const Fd& read_end,
                                           const Fd& write_end) {
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  SubmitWaiting(read);
  ASSERT_EQ(::write(write_end.get(), "r", 1), 1);
  RunUntil([&] { return read.calls == 1; });
  EXPECT_EQ(read.result, 1);
}

std::string ReactorTest::Receive(IoOpcode opcode, int fd, size_t capacity) {
  std::string buffer(capacity, '\0');
  TestOp op(opcode, fd, buffer.data(), capacity);
  const int32_t result = SubmitAndWait(op);
  if (result < 0) {
    ADD_FAILURE() << "failed: " << strerror(-result);
    return "";
  }
  buffer.resize(result);
  return buffer;
}

int32_t ReactorTest::CancelAReadWithDataWaiting() {
  auto [read_end, write_end] = MakePipe();
  char buffer[8];
  TestOp read(IoOpcode::kRead, read_end.get(), buffer, sizeof buffer);
  reactor_->Submit(&read);
  EXPECT_EQ(::write(write_end.get(), "abc", 3), 3);
  reactor_->Cancel(&read);
  RunUntil([&] { return read.calls == 1; });
  ExpectNothingMore();
  EXPECT_EQ(read.calls, 1);
  return read.result;
}

void ReactorTest::CancelTooLate(InstantOps& ops) {
  for (TestOp* op : ops.all()) reactor_->Cancel(op);
  RunUntil([&] { return ops.write.calls == 1 && ops.nop.calls == 1; });
  ExpectNothingMore();
  EXPECT_TRUE(CompletedOnceWith(ops.write, 5));
  EXPECT_TRUE(CompletedOnceWith(ops.nop, 0));
}

void ReactorTest::ForNewReactors(
    const std::function<void(Reactor& reactor)>& body) {
  for (bool warmed_up : {false, true}) {
    SCOPED_TRACE(warmed_up ? "after a first Run" : "first Run");
    std::unique_ptr<Reactor> reactor = NewReactor();
    ASSERT_NE(reactor, nullptr);
    if (warmed_up) {
      EXPECT_EQ(RunOnce(Clock::now(), reactor.get()), 0);
    }
    body(*reactor);
  }
}

absl::StatusOr<std::unique_ptr<Reactor>>
ReactorTest::CreateReactorWithoutFreeFds() {
  const int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (lowest < 0) {
    ADD_FAILURE() << "open(/dev/null): " << strerror(errno);
    return absl::InternalError("test setup failed");
  }
  close(lowest);
  rlimit saved;
  if (getrlimit(RLIMIT_NOFILE, &saved) != 0) {
    ADD_FAILURE() << "getrlimit: " << strerror(errno);
    return absl::InternalError("test setup failed");
  }
  rlimit low = saved;
  low.rlim_cur = lowest;
  if (setrlimit(RLIMIT_NOFILE, &low) != 0) {
    ADD_FAILURE() << "setrlimit: " << strerror(errno);
    return absl::InternalError("test setup failed");
  }
  absl::StatusOr<std::unique_ptr<Reactor>> reactor = executor_->CreateReactor();
  EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0) << strerror(errno);
  return reactor;
}

void ReactorTest::ExpectManyTimeoutsInDeadlineOrder(
    std::chrono::milliseconds shortest, bool check_order) {
  struct Timed : TestOp {
    Timed() : TestOp(IoOpcode::kTimeout) {
      complete = [](void* context, int32_t result) {
        static_cast<Timed*>(context)->completed_at = Clock::now();
        TestOp::Record(context, result);
      };
    }
    // The reactor reads the clock somewhere inside Submit: the deadline it
    // set lies between these two plus the timeout.
    Clock::time_point earliest_deadline() const {
      return submitting_at + timeout;
    }
    Clock::time_point latest_deadline() const { return submitted_at + timeout; }
    Clock::time_point submitting_at, submitted_at, completed_at;
  };
  constexpr int kCount = 100;
  std::vector<Timed> timers(kCount);
  std::vector<const TestOp*> order;
  for (int i = 0; i < kCount; ++i) {
    // Distinct durations, 1 ms apart, submitted out of order.
    timers[i].timeout = shortest + std::chrono::milliseconds((i * 37) % kCount);
    timers[i].order = &order;
  }
  for (Timed& timer : timers) {
    timer.submitting_at = Clock::now();
    reactor_->Submit(&timer);
    timer.submitted_at = Clock::now();
  }
  for (int i = 0; i < kCount; i += 3) reactor_->Cancel(&timers[i]);
  RunUntil([&] { return order.size() == kCount; });

  // Deadline order, judged by what is known of each deadline: a timer may
  // fire after another only if its deadline can be the later one. (Checking
  // durations instead assumed that all submissions fit in the 1 ms between
  // two durations, which a loaded or sanitized run does not.)
  const Timed* latest_fired = nullptr;
  int fired = 0;
  for (const TestOp* op : order) {
    const Timed& timer = *static_cast<const Timed*>(op);
    const int index = static_cast<int>(&timer - timers.data());
    EXPECT_EQ(timer.calls, 1);
    if (index % 3 == 0) {
      EXPECT_EQ(timer.result, -ECANCELED) << index;
      continue;
    }
    ++fired;
    EXPECT_EQ(timer.result, -ETIME) << index;
    EXPECT_GE(timer.completed_at - timer.submitting_at, timer.timeout) << index;
    if (check_order && latest_fired != nullptr) {
      EXPECT_GE(timer.latest_deadline(), latest_fired->earliest_deadline())
          << "timer " << index << " (" << Seconds(timer.timeout)
          << " s) fired after one whose deadline was certainly later ("
          << Seconds(latest_fired->timeout) << " s)";
    }
    if (latest_fired == nullptr ||
        timer.earliest_deadline() > latest_fired->earliest_deadline()) {
      latest_fired = &timer;
    }
  }
  EXPECT_EQ(fired, kCount - (kCount + 2) / 3);
}

}  // namespace weft::reactor_testing
