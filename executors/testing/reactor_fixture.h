// The fixture and helpers of every reactor test: the conformance suite that
// each backend runs (reactor_conformance.bzl) and each backend's own
// reactor_test.cc.
//
// ReactorTest reaches the backend the way the runtime does, through the
// executor registry (runtime/executor.h), and never names it: a test binary
// links exactly one backend, and the fixture fails the test otherwise.
//
// Rules the tests follow (so that they hold on a loaded 2-core machine and
// under sanitizers):
//   * Timing assertions only bound waits from below (a wait never ends
//     early) and, generously, from above (it ends at all).
//   * Waiting for a completion is RunUntil, whose deadline turns a hang into
//     a failure.
//   * A promise that only some backends keep (two reads on one fd complete
//     in order, a cancel before the Run always wins, ...) is not in
//     :reactor_conformance, which checks the weaker promise every backend
//     keeps; :ordered_reactor_conformance, linked only for the backends that
//     keep it, checks the stronger one.

#ifndef WEFT_EXECUTORS_TESTING_REACTOR_FIXTURE_H_
#define WEFT_EXECUTORS_TESTING_REACTOR_FIXTURE_H_

#include <netinet/in.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Operations.

// An operation that counts its completions and keeps the last result.
struct TestOp : IoOperation {
  explicit TestOp(IoOpcode code = IoOpcode::kNop, int fd_arg = -1) {
    opcode = code;
    fd = fd_arg;
    complete = &TestOp::Record;
    context = this;
  }
  // A read, write, send or recv of `size` bytes at `data`.
  TestOp(IoOpcode code, int fd_arg, void* data, size_t size)
      : TestOp(code, fd_arg) {
    SetBuffer(data, size);
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

// Whether `op` completed exactly once, with `result`; for EXPECT_TRUE, which
// then reports what it did instead.
::testing::AssertionResult CompletedOnceWith(const TestOp& op, int32_t result);

// A nop that submits itself again from its completion, `again` more times.
struct ResubmittingNop : TestOp {
  ResubmittingNop(Reactor* reactor_arg, int again_arg);

  Reactor* reactor;
  int again;
};

// ---------------------------------------------------------------------------
// File descriptors.

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
  void reset(int fd = -1);

 private:
  int fd_;
};

// A pipe: {read end, write end}. Blocking on purpose: the reactor must never
// block on a blocking fd.
std::pair<Fd, Fd> MakePipe();

// A connected AF_UNIX stream socket pair (blocking, as MakePipe).
std::pair<Fd, Fd> MakeSocketPair();

// Sends until `fd`'s send buffer is full, so that a write on it must wait.
bool FillSendBuffer(int fd);

// 127.0.0.1:`port`.
sockaddr_in Loopback(uint16_t port);

// The port `fd` is bound to.
uint16_t LocalPort(int fd);

// A TCP socket bound to an ephemeral loopback port, listening if asked.
Fd BoundSocket(bool listening);

// An empty regular file in TEST_TMPDIR, already unlinked.
Fd TemporaryFile();

// ---------------------------------------------------------------------------
// Sets of operations.

// Operations that wait until they are cancelled: a read and a poll on an
// empty pipe, an accept on a listener nobody connects to, and an hour-long
// timeout. The read's buffer holds 'z's, so that a test can tell whether the
// read, once cancelled, still takes data (ExpectTheReadToIgnoreNewData).
struct WaitingOps {
  WaitingOps();

  std::vector<TestOp*> all() { return {&read, &poll, &accept, &timeout}; }

  // Writes to the pipe and checks that the read's buffer still holds 'z's.
  void ExpectTheReadToIgnoreNewData();

  Fd read_end, write_end, listener;
  char buffer[8];
  TestOp read, poll, accept, timeout;
};

// A nop, and a write of 5 bytes to a socket with room for them: operations
// that complete as soon as they start, so that a cancel comes too late.
struct InstantOps {
  InstantOps();

  std::vector<TestOp*> all() { return {&write, &nop}; }

  Fd left, right;
  char message[6] = "hello";
  TestOp write, nop;
};

// kCount reads of a whole kSize-byte regular file, each into a buffer of its
// own: more than a backend finishes at once, so that a cancel or the
// reactor's destruction finds some queued, some under way and some done.
class ManyFileReads {
 public:
  static constexpr size_t kSize = 1 << 16;
  static constexpr int kCount = 32;

  // Creates the file (see ok()) and the reads.
  ManyFileReads();

  // Whether the file was made; if not, the test has failed already.
  bool ok() const { return file_.get() >= 0 && written_; }

  void SubmitTo(Reactor& reactor);
  void CancelIn(Reactor& reactor);

  // Checks that each read completed once, cancelled or with the whole file,
  // and returns how many were cancelled.
  int ExpectEachCompletedOnce() const;

 private:
  Fd file_;
  bool written_ = false;
  std::vector<std::vector<char>> buffers_;
  std::vector<std::unique_ptr<TestOp>> reads_;
};

// ---------------------------------------------------------------------------
// Measuring.

double Seconds(Clock::duration duration);

// Write system calls this process has made so far, or -1 if the kernel does
// not account them.
int64_t WriteSyscalls();

// ---------------------------------------------------------------------------
// The fixture.

// What a backend's tests check around every test on that backend, beyond
// what the interface promises (uv: its loop closed cleanly). A backend's
// test support library registers one from a static initializer and is
// linked, alwayslink, into that backend's test binaries.
class ReactorTestHook {
 public:
  virtual ~ReactorTestHook() = default;

  // Before the fixture creates the executor and the reactor.
  virtual void BeforeTest() {}

  // After the fixture destroyed its reactor. May fail the test (EXPECT_*).
  virtual void AfterTest() {}
};

// Registers `hook` (never destroyed) for every ReactorTest in this binary.
// Returns true so that it can initialize a static.
bool RegisterReactorTestHook(ReactorTestHook* hook);

// Creates the one backend linked into this binary; fails the test (and
// returns null) if it cannot start or if not exactly one is linked.
std::unique_ptr<Executor> CreateTheLinkedExecutor();

class ReactorTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Another reactor of the same executor; null (and a failure) on error.
  std::unique_ptr<Reactor> NewReactor();

  // One Run of `reactor` (default: reactor_); returns its count of
  // completions.
  int RunOnce(std::optional<Reactor::TimePoint> deadline,
              Reactor* reactor = nullptr);

  // Runs `reactor` (default: reactor_) until `done` holds, for at most 10
  // seconds.
  void RunUntil(const std::function<bool()>& done, Reactor* reactor = nullptr);

  // Runs reactor_ briefly and checks that nothing more is delivered.
  void ExpectNothingMore();

  // Submits `op` to reactor_ and runs until it completes (never inside
  // Submit, which this checks); returns its result.
  int32_t SubmitAndWait(TestOp& op);

  // Submits `op`, which cannot complete yet, to `reactor` (default:
  // reactor_) and runs that once without blocking: nothing is delivered, and
  // `op` is under way (a backend that batches submissions has handed it on).
  void SubmitWaiting(TestOp& op, Reactor* reactor = nullptr);

  // Checks that a read on a pipe, {`read_end`, `write_end`}, waits for data
  // and then gets it: the reactor keeps nothing stale about that fd number.
  void ExpectAReadToWaitForData(const Fd& read_end, const Fd& write_end);

  // A kRead or kRecv (`opcode`) of up to `capacity` bytes on `fd`, run to
  // completion on reactor_; returns the bytes it read (and fails the test if
  // it failed).
  std::string Receive(IoOpcode opcode, int fd, size_t capacity);

  // Submits a read on a pipe, writes to the pipe, cancels the read, and runs
  // until it completes: the read and its cancel both wait for the Run, with
  // the data already there. Checks that the read completes exactly once and
  // returns its result: 3 (the bytes written) or -ECANCELED.
  int32_t CancelAReadWithDataWaiting();

  // Cancels `ops` (submitted, completed or about to, undelivered) and checks
  // that each is delivered once with its own result all the same.
  void CancelTooLate(InstantOps& ops);

  // Runs `body` on two new reactors of executor_: one never Run, and one Run
  // once already (a backend may set things up, such as its wake-up, only in
  // its first Run).
  void ForNewReactors(const std::function<void(Reactor& reactor)>& body);

  // CreateReactor's answer with RLIMIT_NOFILE at the lowest free fd, so that
  // every new fd fails with EMFILE.
  absl::StatusOr<std::unique_ptr<Reactor>> CreateReactorWithoutFreeFds();

  // Submits 100 timeouts of distinct durations, 1 ms apart from `shortest`
  // on, out of order; cancels every third before the next Run; and checks
  // that each completes once: the cancelled ones with -ECANCELED, the others
  // with -ETIME, no earlier than their duration; with `check_order`, also
  // in deadline order.
  void ExpectManyTimeoutsInDeadlineOrder(std::chrono::milliseconds shortest,
                                         bool check_order = true);

  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Reactor> reactor_;
};

}  // namespace weft::reactor_testing

#endif  // WEFT_EXECUTORS_TESTING_REACTOR_FIXTURE_H_
