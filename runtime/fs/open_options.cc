#include "runtime/fs/open_options.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "executors/platform/files.h"
#include "runtime/fs/file.h"
#include "runtime/fs/file_op.h"

namespace weft::fs {

absl::StatusOr<int> OpenOptions::Flags(const std::string& path) const {
  // The rules of Rust's std, which tokio uses.
  auto invalid = [&](const char* why) {
    return absl::InvalidArgumentError(absl::StrCat("open ", path, ": ", why));
  };
  int flags;
  if (read_ && !write_ && !append_) {
    flags = platform::kOpenReadOnly;
  } else if (!read_ && (write_ || append_)) {
    flags = platform::kOpenWriteOnly;
  } else if (read_ && (write_ || append_)) {
    flags = platform::kOpenReadWrite;
  } else {
    return invalid("OpenOptions has none of read, write and append");
  }
  if (append_) flags |= platform::kOpenAppend;
  if (!write_ && !append_ && (truncate_ || create_ || create_new_)) {
    return invalid("create, create_new and truncate need write or append");
  }
  if (append_ && truncate_ && !create_new_) {
    return invalid("truncate and append together");
  }
  if (create_new_) {
    flags |= platform::kOpenCreate | platform::kOpenExclusive;
  } else {
    if (create_) flags |= platform::kOpenCreate;
    if (truncate_) flags |= platform::kOpenTruncate;
  }
  return flags;
}

Task<absl::StatusOr<File>> OpenOptions::open(std::string path) const {
  absl::StatusOr<int> flags = Flags(path);
  if (!flags.ok()) co_return flags.status();
  weft::internal::IoRequest* request =
      internal::NewPathRequest(IoOpcode::kOpenAt, path);
  request->op().flags = *flags;
  request->op().mode = mode_;
  internal::FileOp op("fs::OpenOptions::open", request);
  const int32_t result = co_await op;
  if (result < 0) co_return internal::FsError(-result, "open", path);
  co_return File(std::make_shared<internal::OwnedFd>(result), std::move(path));
}

}  // namespace weft::fs
