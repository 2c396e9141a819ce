#include "runtime/fs/paths.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "executors/platform/files.h"
#include "runtime/fs/file_op.h"

namespace weft::fs {
namespace {

using internal::FileOp;
using internal::FsError;
using weft::internal::IoRequest;

Task<absl::StatusOr<Metadata>> Stat(std::string path, int flags,
                                    const char* operation) {
  IoRequest* request = internal::NewPathRequest(IoOpcode::kStatx, path, {},
                                                sizeof(platform::NativeStat));
  request->op().flags = flags;
  FileOp op(operation, request);
  const int32_t result = co_await op;
  if (result < 0) co_return FsError(-result, "metadata", path);
  platform::NativeStat stat;
  std::memcpy(&stat, op.request().buffer(), sizeof stat);
  co_return Metadata(platform::DecodeStat(stat));
}

}  // namespace

Task<absl::StatusOr<Metadata>> metadata(std::string path) {
  Task<absl::StatusOr<Metadata>> stat =
      Stat(std::move(path), 0, "fs::metadata");
  co_return co_await stat;
}

Task<absl::StatusOr<Metadata>> symlink_metadata(std::string path) {
  Task<absl::StatusOr<Metadata>> stat = Stat(
      std::move(path), platform::kNoFollowSymlinks, "fs::symlink_metadata");
  co_return co_await stat;
}

Task<absl::StatusOr<bool>> try_exists(std::string path) {
  Task<absl::StatusOr<Metadata>> stat =
      Stat(std::move(path), 0, "fs::try_exists");
  absl::StatusOr<Metadata> found = co_await stat;
  if (found.ok()) co_return true;
  if (absl::IsNotFound(found.status())) co_return false;
  co_return found.status();
}

Task<absl::Status> rename(std::string from, std::string to) {
  IoRequest* request = internal::NewPathRequest(IoOpcode::kRenameAt, from, to);
  FileOp op("fs::rename", request);
  const int32_t result = co_await op;
  if (result < 0) co_return FsError(-result, "rename", from + " to " + to);
  co_return absl::OkStatus();
}

Task<absl::Status> remove_file(std::string path) {
  IoRequest* request = internal::NewPathRequest(IoOpcode::kUnlinkAt, path);
  FileOp op("fs::remove_file", request);
  const int32_t result = co_await op;
  if (result < 0) co_return FsError(-result, "remove_file", path);
  co_return absl::OkStatus();
}

}  // namespace weft::fs
