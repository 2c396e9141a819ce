// The file-system opcodes on libuv (kOpenAt, kFsync, kStatx, kRenameAt,
// kUnlinkAt, kMkdirAt, and kRead/kWrite at an offset on a regular file):
// what weft::fs submits to this backend instead of running them on the
// runtime's blocking pool. Each test drives the reactor directly; that the
// operations are libuv requests (uv_fs_*, in libuv's thread pool) is seen
// on the loop itself, and cancellation is made deterministic by filling
// libuv's pool with opens of a FIFO that block until the test opens its
// other end.
//
// Every test ends by checking that uv_loop_close succeeded
// (loop_close_check.cc): a request left behind would show there.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "executors/common/readiness_reactor.h"
#include "executors/testing/reactor_fixture.h"
#include "executors/uv/uv_poller.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft {
namespace {

using reactor_testing::Clock;
using reactor_testing::CompletedOnceWith;
using reactor_testing::ReactorTest;
using reactor_testing::TestOp;

// Descriptors this process has open.
int OpenFds() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count;
}

// libuv's thread-pool size: UV_THREADPOOL_SIZE, or its default of 4.
int PoolThreads() {
  const char* size = std::getenv("UV_THREADPOOL_SIZE");
  const int threads = size != nullptr ? std::atoi(size) : 4;
  return threads > 0 ? threads : 4;
}

class UvFileOpsTest : public ReactorTest {
 protected:
  void SetUp() override {
    ReactorTest::SetUp();
    const char* root = std::getenv("TEST_TMPDIR");
    std::string pattern =
        std::string(root != nullptr ? root : "/tmp") + "/uv_file_ops.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << strerror(errno);
    dir_ = pattern;
  }

  void TearDown() override {
    ReactorTest::TearDown();
    // Whatever a test left: a failed one may leave more.
    std::string command = "rm -rf '" + dir_ + "'";
    if (!dir_.empty()) (void)std::system(command.c_str());
  }

  std::string PathOf(const char* name) const { return dir_ + "/" + name; }

  // The loop under reactor_ (the readiness core over a UvPoller).
  uv_loop_t* Loop() {
    return static_cast<uv::UvPoller&>(
               static_cast<executors_common::ReadinessReactor*>(reactor_.get())
                   ->poller())
        .loop();
  }

  // Submits `op` and runs the reactor until it completed; checks that it was
  // a libuv request while in flight.
  int32_t RunOp(TestOp& op) {
    const unsigned requests_before = Loop()->active_reqs.count;
    reactor_->Submit(&op);
    EXPECT_EQ(Loop()->active_reqs.count, requests_before + 1)
        << "not a libuv request";
    RunUntil([&] { return op.calls > 0; });
    EXPECT_EQ(op.calls, 1);
    return op.result;
  }

  std::string dir_;
};

// Opens of a FIFO for reading, as many as libuv's pool has threads: each
// blocks its thread until the FIFO's other end opens (Release), so that
// requests submitted meanwhile wait in libuv's queue, where uv_cancel
// stops them.
class PoolBlockers {
 public:
  PoolBlockers(Reactor& reactor, const std::string& fifo) : fifo_(fifo) {
    EXPECT_EQ(mkfifo(fifo.c_str(), 0600), 0) << strerror(errno);
    for (int i = 0; i < PoolThreads(); ++i) {
      auto open = std::make_unique<TestOp>(IoOpcode::kOpenAt, AT_FDCWD);
      open->path = fifo_.c_str();
      open->flags = O_RDONLY;
      reactor.Submit(open.get());
      opens_.push_back(std::move(open));
    }
  }
  PoolBlockers(const PoolBlockers&) = delete;
  PoolBlockers& operator=(const PoolBlockers&) = delete;
  ~PoolBlockers() { Release(); }

  // Opens the other end (O_RDWR never blocks on Linux), which lets the
  // blocked opens return.
  void Release() {
    if (writer_ < 0) writer_ = open(fifo_.c_str(), O_RDWR | O_CLOEXEC);
  }

  bool AllDone() const {
    for (const auto& open : opens_) {
      if (open->calls == 0) return false;
    }
    return true;
  }

  // Checks that each open completed once with an fd, and closes them all.
  void ExpectOpenedAndClose() {
    for (const auto& open : opens_) {
      EXPECT_EQ(open->calls, 1);
      EXPECT_GE(open->result, 0) << strerror(-open->result);
      if (open->result >= 0) close(open->result);
    }
    if (writer_ >= 0) close(writer_);
    writer_ = -1;
  }

 private:
  std::string fifo_;
  int writer_ = -1;
  std::vector<std::unique_ptr<TestOp>> opens_;
};

TEST_F(UvFileOpsTest, ReportsFileOpsSupport) {
  EXPECT_TRUE(reactor_->SupportsFileOps());
}

TEST_F(UvFileOpsTest, CreateWriteReadSyncStatRenameUnlinkThroughUvFs) {
  const std::string sub = PathOf("sub");
  const std::string file = sub + "/a.txt";
  const std::string renamed = sub + "/b.txt";

  TestOp mkdir(IoOpcode::kMkdirAt, AT_FDCWD);
  mkdir.path = sub.c_str();
  mkdir.mode = 0750;
  ASSERT_EQ(RunOp(mkdir), 0);
  struct stat made;
  ASSERT_EQ(stat(sub.c_str(), &made), 0);
  EXPECT_TRUE(S_ISDIR(made.st_mode));

  TestOp open(IoOpcode::kOpenAt, AT_FDCWD);
  open.path = file.c_str();
  open.flags = O_RDWR | O_CREAT | O_TRUNC;
  open.mode = 0640;
  const int32_t fd = RunOp(open);
  ASSERT_GE(fd, 0) << strerror(-fd);
  EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);

  char message[] = "hello, libuv";
  TestOp write(IoOpcode::kWrite, fd, message, sizeof message - 1);
  write.offset = 0;
  EXPECT_EQ(RunOp(write), static_cast<int32_t>(sizeof message - 1));
  char tail[] = "LIBUV";
  TestOp write_at(IoOpcode::kWrite, fd, tail, sizeof tail - 1);
  write_at.offset = 7;
  EXPECT_EQ(RunOp(write_at), static_cast<int32_t>(sizeof tail - 1));

  char got[5] = {};
  TestOp read_at(IoOpcode::kRead, fd, got, sizeof got);
  read_at.offset = 7;
  EXPECT_EQ(RunOp(read_at), 5);
  EXPECT_EQ(std::string(got, 5), "LIBUV");

  TestOp fsync(IoOpcode::kFsync, fd);
  EXPECT_EQ(RunOp(fsync), 0);
  TestOp fdatasync(IoOpcode::kFsync, fd);
  fdatasync.flags = kFsyncDataOnly;
  EXPECT_EQ(RunOp(fdatasync), 0);

  // The struct statx is the kernel's own, field for field.
  struct statx expected {};
  ASSERT_EQ(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &expected), 0);
  struct statx by_fd;
  memset(&by_fd, 0xa5, sizeof by_fd);
  TestOp stat_fd(IoOpcode::kStatx, fd, &by_fd, sizeof by_fd);
  stat_fd.path = "";
  stat_fd.flags = AT_EMPTY_PATH;
  EXPECT_EQ(RunOp(stat_fd), 0);
  EXPECT_EQ(by_fd.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
  EXPECT_EQ(by_fd.stx_size, sizeof message - 1);
  EXPECT_EQ(by_fd.stx_mode, expected.stx_mode);
  EXPECT_EQ(by_fd.stx_mode & 07777, 0640u);
  EXPECT_TRUE(S_ISREG(by_fd.stx_mode));
  EXPECT_EQ(by_fd.stx_ino, expected.stx_ino);
  EXPECT_EQ(by_fd.stx_nlink, expected.stx_nlink);
  EXPECT_EQ(by_fd.stx_uid, expected.stx_uid);
  EXPECT_EQ(by_fd.stx_gid, expected.stx_gid);
  EXPECT_EQ(by_fd.stx_blocks, expected.stx_blocks);
  EXPECT_EQ(by_fd.stx_blksize, expected.stx_blksize);
  EXPECT_EQ(by_fd.stx_dev_major, expected.stx_dev_major);
  EXPECT_EQ(by_fd.stx_dev_minor, expected.stx_dev_minor);
  EXPECT_EQ(by_fd.stx_mtime.tv_sec, expected.stx_mtime.tv_sec);
  EXPECT_EQ(by_fd.stx_mtime.tv_nsec, expected.stx_mtime.tv_nsec);
  EXPECT_EQ(by_fd.stx_atime.tv_sec, expected.stx_atime.tv_sec);
  EXPECT_EQ(by_fd.stx_ctime.tv_nsec, expected.stx_ctime.tv_nsec);
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
  EXPECT_EQ(by_path.stx_ino, expected.stx_ino);

  // AT_SYMLINK_NOFOLLOW: the link itself (uv_fs_lstat); without: its
  // target (uv_fs_stat).
  const std::string link = sub + "/link";
  ASSERT_EQ(symlink(renamed.c_str(), link.c_str()), 0);
  struct statx of_link {};
  TestOp lstat(IoOpcode::kStatx, AT_FDCWD, &of_link, sizeof of_link);
  lstat.path = link.c_str();
  lstat.flags = AT_SYMLINK_NOFOLLOW;
  EXPECT_EQ(RunOp(lstat), 0);
  EXPECT_TRUE(S_ISLNK(of_link.stx_mode));
  struct statx through_link {};
  TestOp follow(IoOpcode::kStatx, AT_FDCWD, &through_link, sizeof through_link);
  follow.path = link.c_str();
  EXPECT_EQ(RunOp(follow), 0);
  EXPECT_TRUE(S_ISREG(through_link.stx_mode));

  for (const std::string* name : {&renamed, &link}) {
    TestOp unlink(IoOpcode::kUnlinkAt, AT_FDCWD);
    unlink.path = name->c_str();
    EXPECT_EQ(RunOp(unlink), 0);
    EXPECT_NE(access(name->c_str(), F_OK), 0);
  }

  TestOp rmdir(IoOpcode::kUnlinkAt, AT_FDCWD);
  rmdir.path = sub.c_str();
  rmdir.flags = AT_REMOVEDIR;
  EXPECT_EQ(RunOp(rmdir), 0);
  EXPECT_NE(access(sub.c_str(), F_OK), 0);
}

TEST_F(UvFileOpsTest, ErrorsAreNegativeErrno) {
  const std::string missing = PathOf("no_such_dir/file");
  TestOp open(IoOpcode::kOpenAt, AT_FDCWD);
  open.path = missing.c_str();
  open.flags = O_RDONLY;
  EXPECT_EQ(RunOp(open), -ENOENT);

  const std::string sub = PathOf("exists");
  TestOp mkdir(IoOpcode::kMkdirAt, AT_FDCWD);
  mkdir.path = sub.c_str();
  mkdir.mode = 0755;
  EXPECT_EQ(RunOp(mkdir), 0);
  TestOp again(IoOpcode::kMkdirAt, AT_FDCWD);
  again.path = sub.c_str();
  again.mode = 0755;
  EXPECT_EQ(RunOp(again), -EEXIST);

  struct statx buffer {};
  TestOp stat(IoOpcode::kStatx, AT_FDCWD, &buffer, sizeof buffer);
  stat.path = missing.c_str();
  EXPECT_EQ(RunOp(stat), -ENOENT);

  const std::string inner = sub + "/inner";
  ASSERT_EQ(::mkdir(inner.c_str(), 0755), 0);
  TestOp rmdir(IoOpcode::kUnlinkAt, AT_FDCWD);
  rmdir.path = sub.c_str();
  rmdir.flags = AT_REMOVEDIR;
  EXPECT_EQ(RunOp(rmdir), -ENOTEMPTY);
  TestOp unlink_dir(IoOpcode::kUnlinkAt, AT_FDCWD);
  unlink_dir.path = sub.c_str();
  EXPECT_EQ(RunOp(unlink_dir), -EISDIR);

  TestOp rename(IoOpcode::kRenameAt, AT_FDCWD);
  rename.path = missing.c_str();
  rename.second_path = inner.c_str();
  EXPECT_EQ(RunOp(rename), -ENOENT);

  TestOp fsync(IoOpcode::kFsync, 1 << 20);  // no such fd
  EXPECT_EQ(RunOp(fsync), -EBADF);

  // No path: the kernel's answer, and no request started.
  TestOp no_path(IoOpcode::kOpenAt, AT_FDCWD);
  no_path.flags = O_RDONLY;
  EXPECT_EQ(SubmitAndWait(no_path), -EFAULT);
  EXPECT_EQ(Loop()->active_reqs.count, 0u);
}

TEST_F(UvFileOpsTest, PathsRelativeToADirectoryFdRunTheirSystemCall) {
  // uv_fs_* resolves relative paths against the working directory only;
  // these run openat/mkdirat/... in libuv's pool instead, with the same
  // results.
  const int dir = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0) << strerror(errno);

  TestOp mkdir(IoOpcode::kMkdirAt, dir);
  mkdir.path = "d";
  mkdir.mode = 0755;
  EXPECT_EQ(RunOp(mkdir), 0);
  EXPECT_EQ(access(PathOf("d").c_str(), F_OK), 0);

  TestOp open(IoOpcode::kOpenAt, dir);
  open.path = "d/f";
  open.flags = O_WRONLY | O_CREAT | O_EXCL;
  open.mode = 0600;
  const int32_t fd = RunOp(open);
  ASSERT_GE(fd, 0) << strerror(-fd);
  EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  close(fd);

  struct statx info {};
  TestOp stat(IoOpcode::kStatx, dir, &info, sizeof info);
  stat.path = "d/f";
  EXPECT_EQ(RunOp(stat), 0);
  EXPECT_TRUE(S_ISREG(info.stx_mode));

  ASSERT_EQ(close(::open(PathOf("g").c_str(), O_CREAT | O_WRONLY, 0600)), 0);
  TestOp no_replace(IoOpcode::kRenameAt, AT_FDCWD);
  const std::string from = PathOf("g");
  const std::string to = PathOf("d/f");
  no_replace.path = from.c_str();
  no_replace.second_path = to.c_str();
  no_replace.flags = RENAME_NOREPLACE;  // renameat2's, not uv_fs_rename's
  EXPECT_EQ(RunOp(no_replace), -EEXIST);

  TestOp unlink(IoOpcode::kUnlinkAt, dir);
  unlink.path = "d/f";
  EXPECT_EQ(RunOp(unlink), 0);
  TestOp rmdir(IoOpcode::kUnlinkAt, dir);
  rmdir.path = "d";
  rmdir.flags = AT_REMOVEDIR;
  EXPECT_EQ(RunOp(rmdir), 0);
  EXPECT_NE(access(PathOf("d").c_str(), F_OK), 0);

  TestOp missing(IoOpcode::kOpenAt, dir);
  missing.path = "nothing";
  missing.flags = O_RDONLY;
  EXPECT_EQ(RunOp(missing), -ENOENT);
  close(dir);
}

TEST_F(UvFileOpsTest, ACancelledOpWaitingForThePoolCompletesOnceCancelled) {
  const int fds_before = OpenFds();
  PoolBlockers blockers(*reactor_, PathOf("fifo"));
  // Behind the blockers in libuv's queue: one uv_fs_t request and one
  // uv_work_t (a directory-relative path).
  const std::string made = PathOf("never_made");
  TestOp mkdir(IoOpcode::kMkdirAt, AT_FDCWD);
  mkdir.path = made.c_str();
  mkdir.mode = 0755;
  const int dir = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  TestOp open(IoOpcode::kOpenAt, dir);
  open.path = "never_created";
  open.flags = O_WRONLY | O_CREAT;
  open.mode = 0600;
  reactor_->Submit(&mkdir);
  reactor_->Submit(&open);
  EXPECT_EQ(RunOnce(Clock::now()), 0);

  reactor_->Cancel(&mkdir);
  reactor_->Cancel(&open);
  RunUntil([&] { return mkdir.calls > 0 && open.calls > 0; });
  EXPECT_TRUE(CompletedOnceWith(mkdir, -ECANCELED));
  EXPECT_TRUE(CompletedOnceWith(open, -ECANCELED));
  EXPECT_NE(access(made.c_str(), F_OK), 0) << "the cancelled mkdir ran";
  EXPECT_NE(access(PathOf("never_created").c_str(), F_OK), 0)
      << "the cancelled open ran";

  blockers.Release();
  RunUntil([&] { return blockers.AllDone(); });
  blockers.ExpectOpenedAndClose();
  ExpectNothingMore();
  EXPECT_EQ(mkdir.calls, 1);
  EXPECT_EQ(open.calls, 1);
  close(dir);
  EXPECT_EQ(OpenFds(), fds_before);
}

TEST_F(UvFileOpsTest, ACancelledOpenCompletesOnceWithAnFdOrECanceled) {
  // With the pool free, the cancel races the open: whichever wins, the
  // completion says so, an fd the submitter then owns (weft::fs closes an
  // abandoned open's) or -ECANCELED.
  const int fds_before = OpenFds();
  const std::string file = PathOf("f");
  for (int round = 0; round < 50; ++round) {
    TestOp open(IoOpcode::kOpenAt, AT_FDCWD);
    open.path = file.c_str();
    open.flags = O_RDWR | O_CREAT;
    open.mode = 0644;
    reactor_->Submit(&open);
    if (round % 2 == 1) RunOnce(Clock::now());
    reactor_->Cancel(&open);
    RunUntil([&] { return open.calls > 0; });
    EXPECT_EQ(open.calls, 1);
    EXPECT_TRUE(open.result >= 0 || open.result == -ECANCELED)
        << strerror(-open.result);
    if (open.result >= 0) close(open.result);
  }
  ExpectNothingMore();
  EXPECT_EQ(OpenFds(), fds_before);
}

TEST_F(UvFileOpsTest, DestroyingTheReactorCancelsQueuedFileOps) {
  // The blockers run on reactor_; the other reactor's operations wait
  // behind them in libuv's pool (one pool per process) when it is
  // destroyed, which must complete each once with -ECANCELED and close its
  // loop cleanly.
  const int64_t busy_before = uv::UvPoller::BusyLoopCloses();
  PoolBlockers blockers(*reactor_, PathOf("fifo"));
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  std::unique_ptr<Reactor> other = NewReactor();
  ASSERT_NE(other, nullptr);

  const std::string made = PathOf("never_made");
  const std::string file = PathOf("never_created");
  TestOp mkdir(IoOpcode::kMkdirAt, AT_FDCWD);
  mkdir.path = made.c_str();
  mkdir.mode = 0755;
  TestOp open(IoOpcode::kOpenAt, AT_FDCWD);
  open.path = file.c_str();
  open.flags = O_WRONLY | O_CREAT;
  open.mode = 0600;
  struct statx info {};
  TestOp stat(IoOpcode::kStatx, AT_FDCWD, &info, sizeof info);
  stat.path = dir_.c_str();
  TestOp no_replace(IoOpcode::kRenameAt, AT_FDCWD);  // a uv_work_t
  no_replace.path = made.c_str();
  no_replace.second_path = file.c_str();
  no_replace.flags = RENAME_NOREPLACE;
  std::vector<TestOp*> ops = {&mkdir, &open, &stat, &no_replace};
  for (TestOp* op : ops) other->Submit(op);
  EXPECT_EQ(RunOnce(Clock::now(), other.get()), 0);
  other.reset();

  EXPECT_EQ(uv::UvPoller::BusyLoopCloses(), busy_before);
  for (TestOp* op : ops) EXPECT_TRUE(CompletedOnceWith(*op, -ECANCELED));
  EXPECT_NE(access(made.c_str(), F_OK), 0);
  EXPECT_NE(access(file.c_str(), F_OK), 0);

  blockers.Release();
  RunUntil([&] { return blockers.AllDone(); });
  blockers.ExpectOpenedAndClose();
}

}  // namespace
}  // namespace weft
