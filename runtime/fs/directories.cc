#include "runtime/fs/directories.h"

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
  std::vector<platform::DirectoryEntry> listed;
  const int32_t result = platform::ListDirectory(path.c_str(), &listed);
  if (result < 0) return FsError(-result, "read_dir", path);
  std::vector<DirEntry> entries;
  entries.reserve(listed.size());
  const std::string prefix =
      !path.empty() && path.back() == '/' ? path : path + "/";
  for (platform::DirectoryEntry& entry : listed) {
    DirEntry item;
    item.path = prefix + entry.name;
    item.file_name = std::move(entry.name);
    item.is_file = entry.kind == platform::EntryKind::kFile;
    item.is_dir = entry.kind == platform::EntryKind::kDirectory;
    item.is_symlink = entry.kind == platform::EntryKind::kSymlink;
    entries.push_back(std::move(item));
  }
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
  request->op().flags = platform::kRemoveDirectory;
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
