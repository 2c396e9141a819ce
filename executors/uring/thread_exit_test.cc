// io_uring ties a request to the thread that submitted it: when that thread
// exits, the kernel fails the request with -ECANCELED as soon as it would
// have proceeded. The runtime hands reactors from thread to thread
// (block_in_place, block_on callers of a current_thread runtime), so the
// reactor must resubmit such operations rather than report a cancellation
// nobody asked for. These tests submit from a thread that then exits, and
// drive the reactor from another.

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct RecordingOp : IoOperation {
  RecordingOp(IoOpcode code, int fd_arg, void* data, size_t size) {
    opcode = code;
    fd = fd_arg;
    buffer = data;
    length = size;
    complete = [](void* self, int32_t result) {
      auto* op = static_cast<RecordingOp*>(self);
      op->result = result;
      ++op->completions;
    };
    context = this;
  }
  int32_t result = 0;
  int completions = 0;
};

class ThreadExitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const ExecutorRegistration& registration : LinkedExecutors()) {
      if (registration.name != "uring") continue;
      absl::StatusOr<std::unique_ptr<Executor>> executor =
          registration.create();
      ASSERT_TRUE(executor.ok()) << executor.status();
      executor_ = std::move(*executor);
    }
    ASSERT_NE(executor_, nullptr) << "the uring backend is not registered";
    absl::StatusOr<std::unique_ptr<Reactor>> reactor =
        executor_->CreateReactor();
    ASSERT_TRUE(reactor.ok()) << reactor.status();
    reactor_ = std::move(*reactor);
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sockets_), 0);
  }

  void TearDown() override {
    reactor_.reset();
    close(sockets_[0]);
    close(sockets_[1]);
  }

  // Submits `op` on a new thread, which hands it to the kernel (one Run
  // that does not block) and exits.
  void SubmitFromAThreadThatExits(IoOperation* op) {
    std::thread submitter([&] {
      reactor_->Submit(op);
      ASSERT_TRUE(reactor_->Run(Clock::now()).ok());
    });
    submitter.join();
  }

  void RunUntil(const std::function<bool()>& done) {
    const Clock::time_point give_up = Clock::now() + 10s;
    while (!done() && Clock::now() < give_up) {
      ASSERT_TRUE(reactor_->Run(Clock::now() + 100ms).ok());
    }
    ASSERT_TRUE(done()) << "timed out";
  }

  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Reactor> reactor_;
  int sockets_[2] = {-1, -1};
};

TEST_F(ThreadExitTest, ARecvWaitingWhenItsSubmitterExitsStillGetsTheData) {
  char buffer[16] = {};
  RecordingOp recv(IoOpcode::kRecv, sockets_[0], buffer, sizeof(buffer));
  SubmitFromAThreadThatExits(&recv);

  ASSERT_EQ(write(sockets_[1], "hello", 5), 5);
  RunUntil([&] { return recv.completions > 0; });
  EXPECT_EQ(recv.completions, 1);
  EXPECT_EQ(recv.result, 5);
  EXPECT_EQ(std::memcmp(buffer, "hello", 5), 0);
}

TEST_F(ThreadExitTest, AnAskedForCancelIsStillACancel) {
  char buffer[16] = {};
  RecordingOp recv(IoOpcode::kRecv, sockets_[0], buffer, sizeof(buffer));
  SubmitFromAThreadThatExits(&recv);

  reactor_->Cancel(&recv);
  RunUntil([&] { return recv.completions > 0; });
  EXPECT_EQ(recv.completions, 1);
  EXPECT_EQ(recv.result, -ECANCELED);
  // The data written afterwards is still there for the next reader.
  ASSERT_EQ(write(sockets_[1], "x", 1), 1);
  char byte = 0;
  EXPECT_EQ(read(sockets_[0], &byte, 1), 1);
}

TEST_F(ThreadExitTest, AWriteWaitingForRoomWhenItsSubmitterExitsCompletes) {
  // Fill the socket so that the write has to wait.
  char chunk[4096];
  std::memset(chunk, 'x', sizeof(chunk));
  while (write(sockets_[0], chunk, sizeof(chunk)) > 0) {
  }
  RecordingOp send(IoOpcode::kSend, sockets_[0], chunk, sizeof(chunk));
  SubmitFromAThreadThatExits(&send);

  // Drain the peer until the write went through.
  RunUntil([&] {
    char sink[65536];
    (void)read(sockets_[1], sink, sizeof(sink));
    return send.completions > 0;
  });
  EXPECT_EQ(send.completions, 1);
  EXPECT_GT(send.result, 0);
}

}  // namespace
}  // namespace weft
