// The platform layer's file calls, on the path this build takes (Linux's
// statx and renameat2 here, Win32 under Wine; the strict POSIX profile
// compiles the other): the same results and error numbers everywhere.

#include "executors/platform/files.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "executors/platform/errors.h"
#include "executors/platform/pages.h"
#include "executors/platform/target.h"
#include "gtest/gtest.h"

#if WEFT_PLATFORM_WINDOWS
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace weft::platform {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string PathOf(const std::string& name) { return TempDir() + "/" + name; }

int32_t Open(const std::string& path, int flags, uint32_t mode = 0640) {
  return OpenAt(kWorkingDirectory, path.c_str(), flags, mode);
}

std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path = PathOf(name);
  const int32_t fd =
      Open(path, kOpenWriteOnly | kOpenCreate | kOpenTruncate, 0640);
  EXPECT_GE(fd, 0) << path;
  EXPECT_EQ(WriteAt(fd, contents.data(), contents.size(), -1),
            static_cast<int64_t>(contents.size()));
  CloseFile(fd);
  return path;
}

std::string ReadAll(const std::string& path) {
  const int32_t fd = Open(path, kOpenReadOnly);
  EXPECT_GE(fd, 0) << path;
  std::string contents;
  char chunk[64];
  for (int64_t got; (got = ReadAt(fd, chunk, sizeof chunk, -1)) > 0;) {
    contents.append(chunk, static_cast<size_t>(got));
  }
  CloseFile(fd);
  return contents;
}

FileStat StatOf(const std::string& path, int flags = 0) {
  NativeStat native{};
  EXPECT_EQ(StatAt(kWorkingDirectory, path.c_str(), flags, &native), 0) << path;
  return DecodeStat(native);
}

// A symbolic link `link` to `target`; false where the platform does not
// let this process make one: Windows without the privilege or developer
// mode, and Wine, whose CreateSymbolicLinkW says yes and makes nothing.
bool MakeSymlink(const std::string& target, const std::string& link) {
#if WEFT_PLATFORM_WINDOWS
  std::wstring wide_target(target.begin(), target.end());
  std::wstring wide_link(link.begin(), link.end());
  if (!::CreateSymbolicLinkW(wide_link.c_str(), wide_target.c_str(),
                             SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE)) {
    return false;
  }
  const DWORD attributes = ::GetFileAttributesW(wide_link.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES &&
         (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
#else
  return ::symlink(target.c_str(), link.c_str()) == 0;
#endif
}

TEST(FilesTest, ModeTests) {
  EXPECT_TRUE(IsRegularMode(kModeRegular | 0644));
  EXPECT_TRUE(IsDirectoryMode(kModeDirectory | 0755));
  EXPECT_TRUE(IsSymlinkMode(kModeSymlink | 0777));
  EXPECT_FALSE(IsRegularMode(kModeSymlink));
  EXPECT_FALSE(IsSymlinkMode(kModeRegular));
  EXPECT_FALSE(IsDirectoryMode(kModeSymlink));
}

TEST(FilesTest, ReadsAndWritesAtOffsetsLeaveThePositionAlone) {
  const std::string path = PathOf("offsets");
  const int32_t fd =
      Open(path, kOpenReadWrite | kOpenCreate | kOpenTruncate, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(WriteAt(fd, "hello", 5, -1), 5);  // the position is now 5
  EXPECT_EQ(WriteAt(fd, "XY", 2, 10), 2);     // the file is now 12 bytes
  char buffer[16] = {};
  EXPECT_EQ(ReadAt(fd, buffer, 2, 10), 2);
  EXPECT_EQ(std::string(buffer, 2), "XY");
  EXPECT_EQ(ReadAt(fd, buffer, 5, 0), 5);
  EXPECT_EQ(std::string(buffer, 5), "hello");
  // From the position, 5: the gap reads as zeroes, then what was written
  // at 10.
  EXPECT_EQ(ReadAt(fd, buffer, sizeof buffer, -1), 7);
  EXPECT_EQ(std::string(buffer, 7), std::string(5, '\0') + "XY");
  EXPECT_EQ(ReadAt(fd, buffer, sizeof buffer, -1), 0);  // the end
  EXPECT_EQ(ReadAt(fd, buffer, sizeof buffer, 100), 0);
  EXPECT_EQ(SyncFile(fd, false), 0);
  EXPECT_EQ(SyncFile(fd, true), 0);
  CloseFile(fd);
  EXPECT_EQ(ReadAll(path), "hello" + std::string(5, '\0') + "XY");
}

TEST(FilesTest, TruncateShrinksAndExtends) {
  const std::string path = WriteFile("truncate_me", "0123456789");
  const int32_t fd = Open(path, kOpenReadWrite);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(TruncateFile(fd, 4), 0);
  EXPECT_EQ(StatOf(path).size, 4u);
  EXPECT_EQ(TruncateFile(fd, 100), 0);
  EXPECT_EQ(StatOf(path).size, 100u);
  CloseFile(fd);
  EXPECT_EQ(ReadAll(path), "0123" + std::string(96, '\0'));
}

TEST(FilesTest, AppendWritesAtTheEnd) {
  const std::string path = WriteFile("append_to", "abc");
  const int32_t fd = Open(path, kOpenWriteOnly | kOpenAppend);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(WriteAt(fd, "de", 2, -1), 2);
  EXPECT_EQ(WriteAt(fd, "f", 1, -1), 1);
  CloseFile(fd);
  EXPECT_EQ(ReadAll(path), "abcdef");
}

TEST(FilesTest, StatByPathAndByFd) {
  const std::string path = WriteFile("stat_me", "twelve bytes");
  FileStat stat = StatOf(path);
  EXPECT_EQ(stat.size, 12u);
  EXPECT_TRUE(IsRegularMode(stat.mode));
#if WEFT_PLATFORM_WINDOWS
  EXPECT_EQ(stat.mode & 07777, 0666u);  // as libuv's stat says there
#else
  EXPECT_EQ(stat.mode & 07777, 0640u);
#endif
  EXPECT_GT(stat.modified.seconds, 1600000000);  // after September 2020
  EXPECT_GT(stat.accessed.seconds, 1600000000);

  const int32_t fd = Open(path, kOpenReadOnly);
  ASSERT_GE(fd, 0);
  NativeStat by_fd{};
  ASSERT_EQ(StatAt(fd, "", StatOwnFdFlags(), &by_fd), 0);
  EXPECT_EQ(DecodeStat(by_fd).size, 12u);
  EXPECT_TRUE(IsRegularMode(DecodeStat(by_fd).mode));
  CloseFile(fd);

  EXPECT_TRUE(IsDirectoryMode(StatOf(TempDir()).mode));
  NativeStat native{};
  EXPECT_EQ(StatAt(kWorkingDirectory, (path + ".missing").c_str(), 0, &native),
            -ENOENT);
}

TEST(FilesTest, StatOfASymlinkWithoutFollowing) {
  const std::string target = WriteFile("link_target", "x");
  const std::string link = PathOf("the_link");
  UnlinkAt(kWorkingDirectory, link.c_str(), 0);
  if (!MakeSymlink(target, link)) {
    GTEST_SKIP() << "this process may not make a symbolic link here";
  }
  EXPECT_TRUE(IsSymlinkMode(StatOf(link, kNoFollowSymlinks).mode));
  EXPECT_TRUE(IsRegularMode(StatOf(link).mode));
}

TEST(FilesTest, RenameMovesAndReportsErrors) {
  const std::string from = WriteFile("rename_from", "abc");
  const std::string to = WriteFile("rename_to", "replaced");
  ASSERT_EQ(RenameAt(kWorkingDirectory, from.c_str(), to.c_str(), 0), 0);
  NativeStat native{};
  EXPECT_EQ(StatAt(kWorkingDirectory, from.c_str(), 0, &native), -ENOENT);
  EXPECT_EQ(ReadAll(to), "abc");
  EXPECT_EQ(RenameAt(kWorkingDirectory, from.c_str(), to.c_str(), 0), -ENOENT);
}

TEST(FilesTest, UnlinkRemovesAFileEvenWhileItIsOpen) {
  const std::string path = WriteFile("unlink_me", "bye");
  const int32_t fd = Open(path, kOpenReadOnly);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(UnlinkAt(kWorkingDirectory, path.c_str(), 0), 0);
  CloseFile(fd);
  NativeStat native{};
  EXPECT_EQ(StatAt(kWorkingDirectory, path.c_str(), 0, &native), -ENOENT);
  EXPECT_EQ(UnlinkAt(kWorkingDirectory, path.c_str(), 0), -ENOENT);
}

TEST(FilesTest, MakeAndRemoveDirectories) {
  const std::string dir = PathOf("made");
  const std::string inner = dir + "/inner";
  EXPECT_EQ(MakeDirectoryAt(kWorkingDirectory, inner.c_str(), 0755), -ENOENT);
  ASSERT_EQ(MakeDirectoryAt(kWorkingDirectory, dir.c_str(), 0755), 0);
  EXPECT_EQ(MakeDirectoryAt(kWorkingDirectory, dir.c_str(), 0755), -EEXIST);
  EXPECT_TRUE(IsDirectoryMode(StatOf(dir).mode));
  ASSERT_EQ(MakeDirectoryAt(kWorkingDirectory, inner.c_str(), 0755), 0);
  EXPECT_EQ(UnlinkAt(kWorkingDirectory, dir.c_str(), kRemoveDirectory),
            -ENOTEMPTY);
  EXPECT_EQ(UnlinkAt(kWorkingDirectory, inner.c_str(), kRemoveDirectory), 0);
  EXPECT_EQ(UnlinkAt(kWorkingDirectory, dir.c_str(), kRemoveDirectory), 0);
  EXPECT_EQ(UnlinkAt(kWorkingDirectory, dir.c_str(), kRemoveDirectory),
            -ENOENT);
}

TEST(FilesTest, ListDirectoryNamesEveryEntryWithItsKind) {
  const std::string dir = PathOf("kinds");
  MakeDirectoryAt(kWorkingDirectory, dir.c_str(), 0755);
  WriteFile("kinds/file", "f");
  MakeDirectoryAt(kWorkingDirectory, (dir + "/subdir").c_str(), 0755);
  const bool with_link = MakeSymlink("file", dir + "/link");
  std::vector<DirectoryEntry> entries;
  ASSERT_EQ(ListDirectory(dir.c_str(), &entries), 0);
  std::map<std::string, EntryKind> kinds;
  for (const DirectoryEntry& entry : entries) kinds[entry.name] = entry.kind;
  EXPECT_EQ(kinds.size(), with_link ? 3u : 2u);
  EXPECT_EQ(kinds.count("."), 0u);
  EXPECT_EQ(kinds.count(".."), 0u);
  EXPECT_EQ(kinds["file"], EntryKind::kFile);
  EXPECT_EQ(kinds["subdir"], EntryKind::kDirectory);
  if (with_link) {
    EXPECT_EQ(kinds["link"], EntryKind::kSymlink);
  }

  std::vector<DirectoryEntry> empty;
  ASSERT_EQ(ListDirectory((dir + "/subdir").c_str(), &empty), 0);
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(ListDirectory((dir + "/missing").c_str(), &empty), -ENOENT);
  EXPECT_EQ(ListDirectory((dir + "/file").c_str(), &empty), -ENOTDIR);
}

TEST(FilesTest, ErrorsHaveLinuxsStatusCodes) {
  const std::string missing = PathOf("no_such_file");
  const int32_t result = Open(missing, kOpenReadOnly);
  ASSERT_EQ(result, -ENOENT);
  const absl::Status status = ErrorStatus(-result, "open", missing);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "open " + missing + ": No such file or directory");

  const std::string existing = WriteFile("exists", "x");
  const int32_t again =
      Open(existing, kOpenWriteOnly | kOpenCreate | kOpenExclusive);
  ASSERT_EQ(again, -EEXIST);
  EXPECT_EQ(ErrorStatus(-again, "open", existing).code(),
            absl::StatusCode::kAlreadyExists);

  const std::string full = PathOf("full");
  MakeDirectoryAt(kWorkingDirectory, full.c_str(), 0755);
  WriteFile("full/x", "x");
  const int32_t not_empty =
      UnlinkAt(kWorkingDirectory, full.c_str(), kRemoveDirectory);
  ASSERT_EQ(not_empty, -ENOTEMPTY);
  EXPECT_EQ(ErrorStatus(-not_empty, "remove_dir", full).message(),
            "remove_dir " + full + ": Directory not empty");
}

// What windows_files.cc turns Win32's codes into reads as on Linux.
TEST(FilesTest, FileErrorsReadAsOnLinux) {
  const std::map<int, std::string> descriptions = {
      {ENOENT, "No such file or directory"},
      {EACCES, "Permission denied"},
      {EEXIST, "File exists"},
      {ENOTDIR, "Not a directory"},
      {ENOTEMPTY, "Directory not empty"},
      {EBUSY, "Device or resource busy"},
      {ENOSPC, "No space left on device"},
      {EXDEV, "Invalid cross-device link"},
      {EROFS, "Read-only file system"},
      {EFBIG, "File too large"},
      {EMLINK, "Too many links"},
      {ENOSYS, "Function not implemented"},
      {ENOTSUP, "Operation not supported"},
  };
  for (const auto& [error, description] : descriptions) {
    EXPECT_EQ(ErrorDescription(error), description) << ErrorName(error);
  }
  EXPECT_EQ(ErrorStatus(EACCES, "open", "x").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorStatus(ENOTEMPTY, "remove_dir", "x").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorStatus(EXDEV, "rename", "x").code(),
            absl::StatusCode::kUnimplemented);
}

TEST(FilesTest, PathsResolveAgainstADirectoryOnlyOnPosix) {
  const std::string dir = PathOf("relative");
  MakeDirectoryAt(kWorkingDirectory, dir.c_str(), 0755);
  WriteFile("relative/inside", "in");
  const int32_t dir_fd = Open(dir, kOpenReadOnly);
#if WEFT_PLATFORM_WINDOWS
  // A directory does not open as a file (tokio: PermissionDenied), and no
  // descriptor names a directory for the path calls.
  EXPECT_EQ(dir_fd, -EACCES);
  EXPECT_EQ(OpenAt(3, "inside", kOpenReadOnly, 0), -EINVAL);
  EXPECT_EQ(MakeDirectoryAt(3, "sub", 0755), -EINVAL);
#else
  ASSERT_GE(dir_fd, 0);
  const int32_t fd = OpenAt(dir_fd, "inside", kOpenReadOnly, 0);
  ASSERT_GE(fd, 0);
  char buffer[4] = {};
  EXPECT_EQ(ReadAt(fd, buffer, sizeof buffer, -1), 2);
  CloseFile(fd);
  CloseFile(dir_fd);
#endif
}

TEST(FilesTest, InvalidUtf8IsRejectedOnWindows) {
  const std::string bad = PathOf("bad\xff\xfe");
  const int32_t fd = Open(bad, kOpenWriteOnly | kOpenCreate);
#if WEFT_PLATFORM_WINDOWS
  EXPECT_EQ(fd, -EINVAL);
#else
  // A POSIX name is bytes.
  ASSERT_GE(fd, 0);
  CloseFile(fd);
  EXPECT_EQ(UnlinkAt(kWorkingDirectory, bad.c_str(), 0), 0);
#endif
}

#if !WEFT_PLATFORM_WINDOWS
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

TEST(FilesTest, OpenedFilesAreCloseOnExec) {
  const std::string path = WriteFile("cloexec", "x");
  const int32_t fd = Open(path, kOpenReadOnly);
  ASSERT_GE(fd, 0);
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  CloseFile(fd);
}
#else
TEST(FilesTest, OpenedFilesAreNotInherited) {
  const std::string path = WriteFile("noinherit", "x");
  const int32_t fd = Open(path, kOpenReadOnly);
  ASSERT_GE(fd, 0);
  DWORD flags = 0;
  ASSERT_TRUE(::GetHandleInformation(
      reinterpret_cast<HANDLE>(::_get_osfhandle(fd)), &flags));
  EXPECT_EQ(flags & HANDLE_FLAG_INHERIT, 0u);
  CloseFile(fd);
}
#endif

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
