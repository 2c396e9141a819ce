/// \file
/// Operations on a path as a whole (tokio's fs::metadata, rename,
/// remove_file, try_exists): native on io_uring, on the blocking pool
/// elsewhere. Every error names the operation and the path(s).

#ifndef WEFT_RUNTIME_FS_PATHS_H_
#define WEFT_RUNTIME_FS_PATHS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/fs/metadata.h"
#include "runtime/task.h"

namespace weft::fs {

/// The metadata of `path`, following symbolic links.
Task<absl::StatusOr<Metadata>> metadata(std::string path);

/// The metadata of `path` itself, not following a symbolic link.
Task<absl::StatusOr<Metadata>> symlink_metadata(std::string path);

/// Whether `path` exists (following symbolic links): false on NotFound, an
/// error for any other failure (e.g. PermissionDenied).
Task<absl::StatusOr<bool>> try_exists(std::string path);

/// Renames `from` to `to`, replacing `to` if it is a file (rename(2));
/// the error names both ("rename /a to /b: No such file or directory").
Task<absl::Status> rename(std::string from, std::string to);

/// Removes the file (or symbolic link) `path`; not a directory.
Task<absl::Status> remove_file(std::string path);

}  // namespace weft::fs

#endif  // WEFT_RUNTIME_FS_PATHS_H_
