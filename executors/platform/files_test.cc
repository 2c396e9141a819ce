// The platform layer's file calls, on the path this build takes (Linux's
// statx and renameat2 here; the strict POSIX profile compiles the other).

#include "executors/platform/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <string>

#include "executors/platform/pages.h"
#include "gtest/gtest.h"

namespace weft::platform {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string WriteFile(const std::string& name, const std::string& contents) {
  std::string path = TempDir() + "/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0640);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::write(fd, contents.data(), contents.size()),
            static_cast<ssize_t>(contents.size()));
  ::close(fd);
  return path;
}

TEST(FilesTest, StatByPathAndByFd) {
  const std::string path = WriteFile("stat_me", "twelve bytes");
  NativeStat native{};
  ASSERT_EQ(StatAt(AT_FDCWD, path.c_str(), 0, &native), 0);
  FileStat stat = DecodeStat(native);
  EXPECT_EQ(stat.size, 12u);
  EXPECT_TRUE(S_ISREG(stat.mode));
  EXPECT_EQ(stat.mode & 07777, 0640u);
  EXPECT_GT(stat.modified.seconds, 0);

  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  NativeStat by_fd{};
  ASSERT_EQ(StatAt(fd, "", StatOwnFdFlags(), &by_fd), 0);
  EXPECT_EQ(DecodeStat(by_fd).size, 12u);
  ::close(fd);

  EXPECT_EQ(StatAt(AT_FDCWD, (path + ".missing").c_str(), 0, &native), -ENOENT);
}

TEST(FilesTest, StatOfASymlinkWithoutFollowing) {
  const std::string target = WriteFile("link_target", "x");
  const std::string link = TempDir() + "/the_link";
  ::unlink(link.c_str());
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  NativeStat native{};
  ASSERT_EQ(StatAt(AT_FDCWD, link.c_str(), AT_SYMLINK_NOFOLLOW, &native), 0);
  EXPECT_TRUE(S_ISLNK(DecodeStat(native).mode));
  ASSERT_EQ(StatAt(AT_FDCWD, link.c_str(), 0, &native), 0);
  EXPECT_TRUE(S_ISREG(DecodeStat(native).mode));
}

TEST(FilesTest, RenameMovesAndReportsErrors) {
  const std::string from = WriteFile("rename_from", "abc");
  const std::string to = TempDir() + "/rename_to";
  ASSERT_EQ(RenameAt(AT_FDCWD, from.c_str(), to.c_str(), 0), 0);
  EXPECT_NE(::access(from.c_str(), F_OK), 0);
  EXPECT_EQ(::access(to.c_str(), F_OK), 0);
  EXPECT_EQ(RenameAt(AT_FDCWD, from.c_str(), to.c_str(), 0), -ENOENT);
}

TEST(FilesTest, KindOfEveryEntry) {
  const std::string dir = TempDir() + "/kinds";
  ::mkdir(dir.c_str(), 0755);
  WriteFile("kinds/file", "f");
  ::mkdir((dir + "/subdir").c_str(), 0755);
  ::symlink("file", (dir + "/link").c_str());
  DIR* stream = ::opendir(dir.c_str());
  ASSERT_NE(stream, nullptr);
  std::map<std::string, EntryKind> kinds;
  while (const dirent* entry = ::readdir(stream)) {
    kinds[entry->d_name] = KindOf(::dirfd(stream), *entry);
  }
  ::closedir(stream);
  EXPECT_EQ(kinds["file"], EntryKind::kFile);
  EXPECT_EQ(kinds["subdir"], EntryKind::kDirectory);
  EXPECT_EQ(kinds["link"], EntryKind::kSymlink);
}

TEST(FilesTest, PipeEndsAreCloseOnExec) {
  int fds[2];
  ASSERT_EQ(MakePipe(fds), 0);
  EXPECT_NE(::fcntl(fds[0], F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(::fcntl(fds[1], F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(::write(fds[1], "p", 1), 1);
  char byte = 0;
  EXPECT_EQ(::read(fds[0], &byte, 1), 1);
  EXPECT_EQ(byte, 'p');
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(PagesTest, MappedPagesAreZeroedAndStayUsableAfterADiscard) {
  constexpr size_t kBytes = 1 << 16;
  auto* pages = static_cast<unsigned char*>(MapPages(kBytes));
  ASSERT_NE(pages, nullptr);
  for (size_t i = 0; i < kBytes; i += 4096) EXPECT_EQ(pages[i], 0);
  pages[100] = 7;
  DiscardPages(pages, kBytes);
  pages[200] = 9;  // still mapped and writable
  EXPECT_EQ(pages[200], 9);
  UnmapPages(pages, kBytes);
}

}  // namespace
}  // namespace weft::platform
