/// \file
/// File: an open file for tasks (tokio's fs::File). On io_uring every
/// operation is submitted natively; on the other backends it runs on the
/// runtime's blocking pool, as in tokio.
///
///   absl::StatusOr<fs::File> file = co_await fs::File::create(path);
///   if (!file.ok()) co_return file.status();
///   absl::Status written = co_await file->write_all("hello\n");
///   absl::Status synced = co_await file->sync_all();
///
/// Errors are absl::Status whose message names the operation and the path
/// ("read /data/x: Is a directory"). Aborting a task in the middle of an
/// operation cancels it where the backend can; either way the operation
/// works on a buffer of its own, so the task's buffer is never touched after
/// the task is gone, and the file stays open (its descriptor is closed, and
/// may be reused, only once no operation on it is in flight).
///
/// The descriptor is closed when the File is destroyed, with a plain
/// close(2), on any thread and with or without a runtime. Unlike tokio, a
/// write is not buffered: when write returns, the bytes are in the file
/// (in the page cache; sync_all puts them on the disk).

#ifndef WEFT_RUNTIME_FS_FILE_H_
#define WEFT_RUNTIME_FS_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/executor.h"
#include "runtime/fs/metadata.h"
#include "runtime/fs/open_options.h"
#include "runtime/task.h"

namespace weft::fs {

namespace internal {
class OwnedFd;
}  // namespace internal

/// An open file. Move-only; closed when destroyed.
class File {
 public:
  /// A closed file (is_open() is false).
  File() = default;
  /// Move-only; the descriptor moves with it.
  ///@{
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  ///@}
  ~File();

  /// Opens `path` for reading.
  static Task<absl::StatusOr<File>> open(std::string path);
  /// Opens `path` for writing, creating it or truncating it.
  static Task<absl::StatusOr<File>> create(std::string path);
  /// Creates `path` and opens it for reading and writing; AlreadyExists if
  /// it exists.
  static Task<absl::StatusOr<File>> create_new(std::string path);
  /// OpenOptions to set before OpenOptions::open.
  static OpenOptions options() { return OpenOptions(); }

  /// Reads at most `buffer.size()` bytes at the file position, which
  /// advances; 0 at the end of the file.
  Task<absl::StatusOr<size_t>> read(std::span<std::byte> buffer);
  /// Reads at most `buffer.size()` bytes at `offset`; the file position
  /// does not move.
  Task<absl::StatusOr<size_t>> read_at(std::span<std::byte> buffer,
                                       uint64_t offset);
  /// Reads from the file position to the end of the file.
  Task<absl::StatusOr<std::string>> read_to_end();

  /// Writes up to `data.size()` bytes at the file position (or at the end,
  /// when opened with append), which advances; returns how many.
  ///@{
  Task<absl::StatusOr<size_t>> write(std::span<const std::byte> data);
  Task<absl::StatusOr<size_t>> write(std::string_view data);
  ///@}
  /// Writes up to `data.size()` bytes at `offset`; the file position does
  /// not move.
  ///@{
  Task<absl::StatusOr<size_t>> write_at(std::span<const std::byte> data,
                                        uint64_t offset);
  Task<absl::StatusOr<size_t>> write_at(std::string_view data, uint64_t offset);
  ///@}
  /// Writes every byte of `data` at the file position (`data` must outlive
  /// the await).
  Task<absl::Status> write_all(std::string_view data);

  /// Flushes the data and the metadata to the disk (fsync).
  Task<absl::Status> sync_all();
  /// Flushes the data, and the metadata needed to read it, to the disk
  /// (fdatasync).
  Task<absl::Status> sync_data();
  /// The file's metadata.
  Task<absl::StatusOr<Metadata>> metadata();
  /// Truncates or extends the file to `size` bytes (always on the blocking
  /// pool: io_uring has no ftruncate before Linux 6.9).
  Task<absl::Status> set_len(uint64_t size);

  /// False for a default-constructed or moved-from File.
  bool is_open() const { return fd_ != nullptr; }
  /// The path it was opened with (for messages).
  const std::string& path() const { return path_; }
  /// The file descriptor (the File still owns it); -1 when closed.
  int native_handle() const;

 private:
  friend class OpenOptions;
  File(std::shared_ptr<internal::OwnedFd> fd, std::string path)
      : fd_(std::move(fd)), path_(std::move(path)) {}

  // Reads or writes through one request of `length` bytes.
  Task<absl::StatusOr<size_t>> Transfer(IoOpcode opcode, const char* operation,
                                        void* buffer, size_t length,
                                        int64_t offset);
  Task<absl::Status> Sync(int flags, const char* operation);
  absl::Status NotOpen(std::string_view operation) const;

  // Shared with the requests in flight on it, which keep it open.
  std::shared_ptr<internal::OwnedFd> fd_;
  std::string path_;
};

}  // namespace weft::fs

#endif  // WEFT_RUNTIME_FS_FILE_H_
