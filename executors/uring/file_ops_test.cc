// The file-system opcodes on io_uring (kOpenAt, kFsync, kStatx, kRenameAt,
// kUnlinkAt, kMkdirAt), submitted natively: what weft::fs runs on this
// backend instead of the blocking pool. Each test drives the reactor
// directly, so a pass means the kernel did the work through the ring.

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using reactor_testing::Clock;
using reactor_testing::ReactorTest;
using reactor_testing::TestOp;

// A fresh directory under TEST_TMPDIR for one test.
std::string TempDir(const char* name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(root != nullptr ? root : "/tmp") + "/" + name;
  return dir;
}

class UringFileOpsTest : public ReactorTest {
 protected:
  // Submits `op` and runs the reactor until it completed.
  int32_t RunOp(TestOp& op) {
    reactor_->Submit(&op);
    RunUntil([&] { return op.calls > 0; });
    EXPECT_EQ(op.calls, 1);
    return op.result;
  }
};

TEST_F(UringFileOpsTest, KernelHasTheFileOpcodes) {
  // Linux 5.15 or later has them all; the test machines run newer kernels,
  // so false here means the probe is wrong, not the kernel old.
  EXPECT_TRUE(reactor_->SupportsFileOps());
}

TEST_F(UringFileOpsTest, CreateWriteSyncStatRenameUnlinkNatively) {
  ASSERT_TRUE(reactor_->SupportsFileOps());
  const std::string dir = TempDir("uring_file_ops");
  const std::string file = dir + "/a.txt";
  const std::string renamed = dir + "/b.txt";

  TestOp mkdir(IoOpcode::kMkdirAt, AT_FDCWD);
  mkdir.path = dir.c_str();
  mkdir.mode = 0755;
  const int32_t made = RunOp(mkdir);
  ASSERT_TRUE(made == 0 || made == -EEXIST) << strerror(-made);

  TestOp open(IoOpcode::kOpenAt, AT_FDCWD);
  open.path = file.c_str();
  open.flags = O_RDWR | O_CREAT | O_TRUNC;
  open.mode = 0644;
  const int32_t fd = RunOp(open);
  ASSERT_GE(fd, 0) << strerror(-fd);
  EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);

  char message[] = "hello, ring";
  TestOp write(IoOpcode::kWrite, fd, message, sizeof message - 1);
  write.offset = 0;
  EXPECT_EQ(RunOp(write), static_cast<int32_t>(sizeof message - 1));

  TestOp fsync(IoOpcode::kFsync, fd);
  EXPECT_EQ(RunOp(fsync), 0);
  TestOp fdatasync(IoOpcode::kFsync, fd);
  fdatasync.flags = kFsyncDataOnly;
  EXPECT_EQ(RunOp(fdatasync), 0);

  struct statx by_fd {};
  TestOp stat_fd(IoOpcode::kStatx, fd, &by_fd, sizeof by_fd);
  stat_fd.path = "";
  stat_fd.flags = AT_EMPTY_PATH;
  EXPECT_EQ(RunOp(stat_fd), 0);
  EXPECT_EQ(by_fd.stx_size, sizeof message - 1);
  EXPECT_TRUE(S_ISREG(by_fd.stx_mode));
  close(fd);

  TestOp rename(IoOpcode::kRenameAt, AT_FDCWD);
  rename.path = file.c_str();
  rename.second_path = renamed.c_str();
  EXPECT_EQ(RunOp(rename), 0);
  EXPECT_NE(access(file.c_str(), F_OK), 0);

  struct statx by_path {};
  TestOp stat_path(IoOpcode::kStatx, AT_FDCWD, &by_path, sizeof by_path);
  stat_path.path = renamed.c_str();
  EXPECT_EQ(RunOp(stat_path), 0);
  EXPECT_EQ(by_path.stx_size, sizeof message - 1);

  TestOp unlink(IoOpcode::kUnlinkAt, AT_FDCWD);
  unlink.path = renamed.c_str();
  EXPECT_EQ(RunOp(unlink), 0);
  EXPECT_NE(access(renamed.c_str(), F_OK), 0);

  TestOp rmdir(IoOpcode::kUnlinkAt, AT_FDCWD);
  rmdir.path = dir.c_str();
  rmdir.flags = AT_REMOVEDIR;
  EXPECT_EQ(RunOp(rmdir), 0);
}

TEST_F(UringFileOpsTest, ErrorsAreNegativeErrno) {
  const std::string missing = TempDir("no_such_dir") + "/file";
  TestOp open(IoOpcode::kOpenAt, AT_FDCWD);
  open.path = missing.c_str();
  open.flags = O_RDONLY;
  EXPECT_EQ(RunOp(open), -ENOENT);

  const std::string dir = TempDir("uring_exists");
  TestOp mkdir(IoOpcode::kMkdirAt, AT_FDCWD);
  mkdir.path = dir.c_str();
  mkdir.mode = 0755;
  EXPECT_EQ(RunOp(mkdir), 0);
  TestOp again(IoOpcode::kMkdirAt, AT_FDCWD);
  again.path = dir.c_str();
  again.mode = 0755;
  EXPECT_EQ(RunOp(again), -EEXIST);

  struct statx buffer {};
  TestOp stat(IoOpcode::kStatx, AT_FDCWD, &buffer, sizeof buffer);
  stat.path = missing.c_str();
  EXPECT_EQ(RunOp(stat), -ENOENT);
  rmdir(dir.c_str());
}

TEST_F(UringFileOpsTest, ACancelledOpenCompletesOnceWithAnFdOrECanceled) {
  // Whichever wins, the completion says so: an fd the submitter then owns
  // (and must close, as weft::fs does for an abandoned open), or -ECANCELED.
  const std::string dir = TempDir("uring_cancel_open");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const std::string file = dir + "/f";
  for (int round = 0; round < 50; ++round) {
    TestOp open(IoOpcode::kOpenAt, AT_FDCWD);
    open.path = file.c_str();
    open.flags = O_RDWR | O_CREAT;
    open.mode = 0644;
    reactor_->Submit(&open);
    if (round % 2 == 1) RunOnce(Clock::now());  // sometimes already started
    reactor_->Cancel(&open);
    RunUntil([&] { return open.calls > 0; });
    EXPECT_EQ(open.calls, 1);
    EXPECT_TRUE(open.result >= 0 || open.result == -ECANCELED)
        << strerror(-open.result);
    if (open.result >= 0) close(open.result);
  }
  ExpectNothingMore();
  unlink(file.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace weft
