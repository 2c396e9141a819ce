#include "runtime/fs/file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "executors/platform/files.h"
#include "runtime/fs/file_op.h"
#include "runtime/join_handle.h"
#include "runtime/spawn.h"

namespace weft::fs {

using internal::FileOp;
using internal::FsError;
using weft::internal::IoRequest;

File::~File() = default;

int File::native_handle() const { return fd_ != nullptr ? fd_->get() : -1; }

absl::Status File::NotOpen(std::string_view operation) const {
  return FsError(EBADF, operation, path_.empty() ? "(closed File)" : path_);
}

Task<absl::StatusOr<File>> File::open(std::string path) {
  OpenOptions options;
  options.read(true);
  // A named Task: no temporary with a destructor inside the co_await (g++
  // 12, see README).
  Task<absl::StatusOr<File>> opening = options.open(std::move(path));
  co_return co_await opening;
}

Task<absl::StatusOr<File>> File::create(std::string path) {
  OpenOptions options;
  options.write(true).create(true).truncate(true);
  // A named Task: no temporary with a destructor inside the co_await (g++
  // 12, see README).
  Task<absl::StatusOr<File>> opening = options.open(std::move(path));
  co_return co_await opening;
}

Task<absl::StatusOr<File>> File::create_new(std::string path) {
  OpenOptions options;
  options.read(true).write(true).create_new(true);
  // A named Task: no temporary with a destructor inside the co_await (g++
  // 12, see README).
  Task<absl::StatusOr<File>> opening = options.open(std::move(path));
  co_return co_await opening;
}

Task<absl::StatusOr<size_t>> File::Transfer(IoOpcode opcode,
                                            const char* operation, void* buffer,
                                            size_t length, int64_t offset) {
  const bool reading = opcode == IoOpcode::kRead;
  const char* verb = reading ? "read" : "write";
  if (!is_open()) co_return NotOpen(verb);
  length = std::min(length, internal::kMaxTransfer);
  // The request's own buffer: written data is copied in now, read data out
  // after the completion, so an abort never lets the backend touch
  // `buffer`.
  IoRequest* request = IoRequest::New(opcode, fd_->get(), length);
  request->KeepAlive(fd_);
  request->op().offset = offset;
  if (!reading && length > 0) {
    std::memcpy(request->buffer(), buffer, length);
  }
  FileOp op(operation, request);
  const int32_t result = co_await op;
  if (result < 0) co_return FsError(-result, verb, path_);
  if (reading && result > 0) {
    std::memcpy(buffer, op.request().buffer(), static_cast<size_t>(result));
  }
  co_return static_cast<size_t>(result);
}

Task<absl::StatusOr<size_t>> File::read(std::span<std::byte> buffer) {
  co_return co_await Transfer(IoOpcode::kRead, "fs::File::read", buffer.data(),
                              buffer.size(), -1);
}

Task<absl::StatusOr<size_t>> File::read_at(std::span<std::byte> buffer,
                                           uint64_t offset) {
  co_return co_await Transfer(IoOpcode::kRead, "fs::File::read_at",
                              buffer.data(), buffer.size(),
                              static_cast<int64_t>(offset));
}

Task<absl::StatusOr<std::string>> File::read_to_end() {
  std::string contents;
  // Sized by the file when it says (a regular file), else grown.
  size_t chunk = 64 * 1024;
  absl::StatusOr<Metadata> meta = co_await metadata();
  if (meta.ok() && meta->is_file() && meta->len() > 0) {
    chunk = std::min<uint64_t>(meta->len() + 1, internal::kMaxTransfer);
  }
  for (;;) {
    const size_t old_size = contents.size();
    contents.resize(old_size + chunk);
    std::span<std::byte> rest(
        reinterpret_cast<std::byte*>(contents.data()) + old_size, chunk);
    absl::StatusOr<size_t> got = co_await read(rest);
    if (!got.ok()) co_return got.status();
    contents.resize(old_size + *got);
    if (*got == 0) co_return contents;
    chunk = std::min<size_t>(std::max<size_t>(chunk, 64 * 1024),
                             internal::kMaxTransfer);
  }
}

Task<absl::StatusOr<size_t>> File::write(std::span<const std::byte> data) {
  co_return co_await Transfer(IoOpcode::kWrite, "fs::File::write",
                              const_cast<std::byte*>(data.data()), data.size(),
                              -1);
}

Task<absl::StatusOr<size_t>> File::write(std::string_view data) {
  co_return co_await Transfer(IoOpcode::kWrite, "fs::File::write",
                              const_cast<char*>(data.data()), data.size(), -1);
}

Task<absl::StatusOr<size_t>> File::write_at(std::span<const std::byte> data,
                                            uint64_t offset) {
  co_return co_await Transfer(IoOpcode::kWrite, "fs::File::write_at",
                              const_cast<std::byte*>(data.data()), data.size(),
                              static_cast<int64_t>(offset));
}

Task<absl::StatusOr<size_t>> File::write_at(std::string_view data,
                                            uint64_t offset) {
  co_return co_await Transfer(IoOpcode::kWrite, "fs::File::write_at",
                              const_cast<char*>(data.data()), data.size(),
                              static_cast<int64_t>(offset));
}

Task<absl::Status> File::write_all(std::string_view data) {
  // Each write copies its bytes into the request; a cap keeps a large
  // write_all from copying the rest again after each partial write.
  constexpr size_t kMaxWrite = 1 << 20;
  while (!data.empty()) {
    absl::StatusOr<size_t> written =
        co_await write(data.substr(0, std::min(data.size(), kMaxWrite)));
    if (!written.ok()) co_return written.status();
    if (*written == 0) co_return FsError(EIO, "write", path_);
    data.remove_prefix(*written);
  }
  co_return absl::OkStatus();
}

Task<absl::Status> File::Sync(int flags, const char* operation) {
  const char* verb = flags != 0 ? "sync_data" : "sync_all";
  if (!is_open()) co_return NotOpen(verb);
  IoRequest* request = IoRequest::New(IoOpcode::kFsync, fd_->get(), 0);
  request->KeepAlive(fd_);
  request->op().flags = flags;
  FileOp op(operation, request);
  const int32_t result = co_await op;
  if (result < 0) co_return FsError(-result, verb, path_);
  co_return absl::OkStatus();
}

Task<absl::Status> File::sync_all() {
  co_return co_await Sync(0, "fs::File::sync_all");
}

Task<absl::Status> File::sync_data() {
  co_return co_await Sync(kFsyncDataOnly, "fs::File::sync_data");
}

Task<absl::StatusOr<Metadata>> File::metadata() {
  if (!is_open()) co_return NotOpen("metadata");
  IoRequest* request = internal::NewPathRequest(IoOpcode::kStatx, "", {},
                                                sizeof(platform::NativeStat));
  request->KeepAlive(fd_);
  request->op().fd = fd_->get();
  request->op().flags = platform::StatOwnFdFlags();
  FileOp op("fs::File::metadata", request);
  const int32_t result = co_await op;
  if (result < 0) co_return FsError(-result, "metadata", path_);
  platform::NativeStat stat;
  std::memcpy(&stat, op.request().buffer(), sizeof stat);
  co_return Metadata(platform::DecodeStat(stat));
}

Task<absl::Status> File::set_len(uint64_t size) {
  if (!is_open()) co_return NotOpen("set_len");
  std::shared_ptr<internal::OwnedFd> fd = fd_;
  auto truncate = [fd = std::move(fd), size]() -> int {
    return -platform::TruncateFile(fd->get(), size);
  };
  JoinHandle<int> handle = weft::spawn_blocking(std::move(truncate));
  JoinResult<int> error = co_await handle;
  if (!error.has_value()) {
    co_return absl::CancelledError("set_len " + path_ + ": " +
                                   error.error().message());
  }
  if (*error != 0) co_return FsError(*error, "set_len", path_);
  co_return absl::OkStatus();
}

}  // namespace weft::fs
