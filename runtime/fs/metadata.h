/// \file
/// Metadata: what the file system says about a file (tokio's and std's
/// fs::Metadata): its size, its type, its permissions and its times.
/// fs::metadata(path) and File::metadata() return one.

#ifndef WEFT_RUNTIME_FS_METADATA_H_
#define WEFT_RUNTIME_FS_METADATA_H_

#include <sys/stat.h>

#include <chrono>
#include <cstdint>

namespace weft::fs {

/// A snapshot of a file's metadata, taken by one statx call.
class Metadata {
 public:
  /// Empty metadata: a zero-length file of no type.
  Metadata() = default;
  /// \cond
  explicit Metadata(const struct statx& stat) : stat_(stat) {}
  /// \endcond

  /// The size in bytes.
  uint64_t len() const { return stat_.stx_size; }
  /// Whether it is a regular file.
  bool is_file() const { return S_ISREG(stat_.stx_mode); }
  /// Whether it is a directory.
  bool is_dir() const { return S_ISDIR(stat_.stx_mode); }
  /// Whether it is a symbolic link (only from symlink_metadata: the other
  /// calls follow links).
  bool is_symlink() const { return S_ISLNK(stat_.stx_mode); }
  /// The permission bits (st_mode & 07777), e.g. 0644.
  uint32_t permissions() const { return stat_.stx_mode & 07777; }
  /// The time of the last modification of the contents.
  std::chrono::system_clock::time_point modified() const {
    return ToTimePoint(stat_.stx_mtime);
  }
  /// The time of the last access.
  std::chrono::system_clock::time_point accessed() const {
    return ToTimePoint(stat_.stx_atime);
  }

 private:
  static std::chrono::system_clock::time_point ToTimePoint(
      const struct statx_timestamp& time) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(time.tv_sec) +
            std::chrono::nanoseconds(time.tv_nsec)));
  }

  struct statx stat_ {};
};

}  // namespace weft::fs

#endif  // WEFT_RUNTIME_FS_METADATA_H_
