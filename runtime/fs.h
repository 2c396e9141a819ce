/// \file
/// Files and directories for tasks (tokio's fs): File, OpenOptions,
/// Metadata, and the whole-file, path and directory functions. On io_uring
/// the operations are submitted natively; on the other backends they run on
/// the runtime's blocking pool, as in tokio. Errors are absl::Status whose
/// message names the operation and the path.

#ifndef WEFT_RUNTIME_FS_H_
#define WEFT_RUNTIME_FS_H_

#include "runtime/fs/directories.h"   // IWYU pragma: export
#include "runtime/fs/file.h"          // IWYU pragma: export
#include "runtime/fs/metadata.h"      // IWYU pragma: export
#include "runtime/fs/open_options.h"  // IWYU pragma: export
#include "runtime/fs/paths.h"         // IWYU pragma: export
#include "runtime/fs/whole_file.h"    // IWYU pragma: export

#endif  // WEFT_RUNTIME_FS_H_
