/// \file
/// OpenOptions: how File opens a file (tokio's and std's fs::OpenOptions):
/// which access, whether to create, truncate or append.
///
///   absl::StatusOr<fs::File> log = co_await fs::OpenOptions()
///                                      .append(true)
///                                      .create(true)
///                                      .open("/var/log/app.log");
///
/// The combinations std rejects are rejected too, with InvalidArgument:
/// neither read nor write nor append; create, create_new or truncate
/// without write or append; truncate with append.

#ifndef WEFT_RUNTIME_FS_OPEN_OPTIONS_H_
#define WEFT_RUNTIME_FS_OPEN_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/task.h"

namespace weft::fs {

class File;

/// Options for opening a file; every option is off by default.
class OpenOptions {
 public:
  /// No access and no creation: set at least read, write or append.
  OpenOptions() = default;

  /// Open for reading.
  OpenOptions& read(bool enabled) {
    read_ = enabled;
    return *this;
  }
  /// Open for writing.
  OpenOptions& write(bool enabled) {
    write_ = enabled;
    return *this;
  }
  /// Every write goes to the end of the file (implies writing).
  OpenOptions& append(bool enabled) {
    append_ = enabled;
    return *this;
  }
  /// Truncate the file to 0 bytes when it is opened (needs write).
  OpenOptions& truncate(bool enabled) {
    truncate_ = enabled;
    return *this;
  }
  /// Create the file if it does not exist (needs write or append).
  OpenOptions& create(bool enabled) {
    create_ = enabled;
    return *this;
  }
  /// Create the file, failing with AlreadyExists if it exists (atomically;
  /// create and truncate are then ignored).
  OpenOptions& create_new(bool enabled) {
    create_new_ = enabled;
    return *this;
  }
  /// Permission bits of a created file, before the umask (default 0666).
  OpenOptions& mode(uint32_t mode) {
    mode_ = mode;
    return *this;
  }

  /// Opens `path` with these options. Fails with a status naming "open" and
  /// the path ("open /x/y: No such file or directory", NotFound).
  Task<absl::StatusOr<File>> open(std::string path) const;

 private:
  // The open(2) flags, or an InvalidArgument status for `path`.
  absl::StatusOr<int> Flags(const std::string& path) const;

  bool read_ = false;
  bool write_ = false;
  bool append_ = false;
  bool truncate_ = false;
  bool create_ = false;
  bool create_new_ = false;
  uint32_t mode_ = 0666;
};

}  // namespace weft::fs

#endif  // WEFT_RUNTIME_FS_OPEN_OPTIONS_H_
