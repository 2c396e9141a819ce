/// \file
/// Directories (tokio's fs::create_dir, create_dir_all, remove_dir,
/// read_dir). Creating and removing are native on io_uring and on the
/// blocking pool elsewhere; listing is on the blocking pool everywhere
/// (io_uring has no getdents).

#ifndef WEFT_RUNTIME_FS_DIRECTORIES_H_
#define WEFT_RUNTIME_FS_DIRECTORIES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/task.h"

namespace weft::fs {

/// Creates the directory `path` (mode 0777 before the umask). Fails with
/// AlreadyExists if it exists, NotFound if its parent does not.
Task<absl::Status> create_dir(std::string path);

/// Creates `path` and every missing parent; succeeds if it already is a
/// directory.
Task<absl::Status> create_dir_all(std::string path);

/// Removes the empty directory `path`.
Task<absl::Status> remove_dir(std::string path);

/// One entry of a directory listing.
struct DirEntry {
  /// The directory's path joined with file_name.
  std::string path;
  /// The entry's name inside its directory.
  std::string file_name;
  /// What readdir says of its type (false for all three when the file
  /// system does not say: call fs::symlink_metadata(path) then).
  ///@{
  bool is_file = false;
  bool is_dir = false;
  bool is_symlink = false;
  ///@}
};

/// The entries of the directory `path`, without "." and "..", in the order
/// the file system lists them. Unlike tokio's ReadDir stream, the listing is
/// read whole, in one job on the blocking pool.
Task<absl::StatusOr<std::vector<DirEntry>>> read_dir(std::string path);

}  // namespace weft::fs

#endif  // WEFT_RUNTIME_FS_DIRECTORIES_H_
