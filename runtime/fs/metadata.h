/// \file
/// Metadata: what the file system says about a file (tokio's and std's
/// fs::Metadata): its size, its type, its permissions and its times.
/// fs::metadata(path) and File::metadata() return one.

#ifndef WEFT_RUNTIME_FS_METADATA_H_
#define WEFT_RUNTIME_FS_METADATA_H_

#include <chrono>
#include <cstdint>

#include "executors/platform/files.h"

namespace weft::fs {

/// A snapshot of a file's metadata, taken by one status call (statx on
/// Linux).
class Metadata {
 public:
  /// Empty metadata: a zero-length file of no type.
  Metadata() = default;
  /// \cond
  explicit Metadata(const platform::FileStat& stat) : stat_(stat) {}
  /// \endcond

  /// The size in bytes.
  uint64_t len() const { return stat_.size; }
  /// Whether it is a regular file.
  bool is_file() const { return platform::IsRegularMode(stat_.mode); }
  /// Whether it is a directory.
  bool is_dir() const { return platform::IsDirectoryMode(stat_.mode); }
  /// Whether it is a symbolic link (only from symlink_metadata: the other
  /// calls follow links).
  bool is_symlink() const { return platform::IsSymlinkMode(stat_.mode); }
  /// The permission bits (st_mode & 07777), e.g. 0644.
  uint32_t permissions() const { return stat_.mode & 07777; }
  /// The time of the last modification of the contents.
  std::chrono::system_clock::time_point modified() const {
    return ToTimePoint(stat_.modified);
  }
  /// The time of the last access.
  std::chrono::system_clock::time_point accessed() const {
    return ToTimePoint(stat_.accessed);
  }

 private:
  static std::chrono::system_clock::time_point ToTimePoint(
      const platform::FileTime& time) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(time.seconds) +
            std::chrono::nanoseconds(time.nanoseconds)));
  }

  platform::FileStat stat_;
};

}  // namespace weft::fs

#endif  // WEFT_RUNTIME_FS_METADATA_H_
