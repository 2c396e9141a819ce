#include "runtime/fs/directories.h"

#include <dirent.h>
#include <fcntl.h>

#include <cerrno>
#include <utility>

#include "executors/platform/files.h"
#include "runtime/fs/file_op.h"
#include "runtime/fs/paths.h"
#include "runtime/join_handle.h"
#include "runtime/spawn.h"

namespace weft::fs {
namespace {

using internal::FileOp;
using internal::FsError;
using weft::internal::IoRequest;

// mkdirat's result (0 or -errno).
Task<int32_t> MakeDir(const std::string& path, const char* operation) {
  IoRequest* request = internal::NewPathRequest(IoOpcode::kMkdirAt, path);
  request->op().mode = 0777;
  FileOp op(operation, request);
  co_return co_await op;
}

// The parent of `path` ("" when it has none left to create).
std::string Parent(const std::string& path) {
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return "";
  const size_t slash = path.find_last_of('/', end);
  if (slash == std::string::npos) return "";
  end = path.find_last_not_of('/', slash);
  return end == std::string::npos ? "" : path.substr(0, end + 1);
}

absl::StatusOr<std::vector<DirEntry>> ListNow(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return FsError(errno, "read_dir", path);
  std::vector<DirEntry> entries;
  const std::string prefix =
      !path.empty() && path.back() == '/' ? path : path + "/";
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    DirEntry item;
    item.path = prefix + name;
    item.file_name = name;
    const platform::EntryKind kind = platform::KindOf(::dirfd(dir), *entry);
    item.is_file = kind == platform::EntryKind::kFile;
    item.is_dir = kind == platform::EntryKind::kDirectory;
    item.is_symlink = kind == platform::EntryKind::kSymlink;
    entries.push_back(std::move(item));
  }
  const int error = errno;
  ::closedir(dir);
  if (error != 0) return FsError(error, "read_dir", path);
  return entries;
}

}  // namespace

Task<absl::Status> create_dir(std::string path) {
  const int32_t result = co_await MakeDir(path, "fs::create_dir");
  if (result < 0) co_return FsError(-result, "create_dir", path);
  co_return absl::OkStatus();
}

Task<absl::Status> create_dir_all(std::string path) {
  // Up from `path` to the first ancestor that exists, then down again.
  std::vector<std::string> missing;
  std::string current = path;
  while (!current.empty()) {
    const int32_t result = co_await MakeDir(current, "fs::create_dir_all");
    if (result == 0) break;
    if (result == -EEXIST) {
      Task<absl::StatusOr<Metadata>> stat = metadata(current);
      absl::StatusOr<Metadata> found = co_await stat;
      if (found.ok() && found->is_dir()) break;
      co_return FsError(EEXIST, "create_dir_all", current);
    }
    if (result != -ENOENT)
      co_return FsError(-result, "create_dir_all", current);
    missing.push_back(current);
    current = Parent(current);
  }
  while (!missing.empty()) {
    const int32_t result =
        co_await MakeDir(missing.back(), "fs::create_dir_all");
    // Another creator may have made it meanwhile.
    if (result < 0 && result != -EEXIST) {
      co_return FsError(-result, "create_dir_all", missing.back());
    }
    missing.pop_back();
  }
  co_return absl::OkStatus();
}

Task<absl::Status> remove_dir(std::string path) {
  IoRequest* request = internal::NewPathRequest(IoOpcode::kUnlinkAt, path);
  request->op().flags = AT_REMOVEDIR;
  FileOp op("fs::remove_dir", request);
  const int32_t result = co_await op;
  if (result < 0) co_return FsError(-result, "remove_dir", path);
  co_return absl::OkStatus();
}

Task<absl::StatusOr<std::vector<DirEntry>>> read_dir(std::string path) {
  auto list = [path] { return ListNow(path); };
  JoinHandle<absl::StatusOr<std::vector<DirEntry>>> handle =
      weft::spawn_blocking(std::move(list));
  JoinResult<absl::StatusOr<std::vector<DirEntry>>> listed = co_await handle;
  if (!listed.has_value()) {
    co_return absl::CancelledError("read_dir " + path + ": " +
                                   listed.error().message());
  }
  co_return *std::move(listed);
}

}  // namespace weft::fs
