/// \file
/// Reading and writing a whole file in one call (tokio's fs::read,
/// fs::read_to_string, fs::write), over File.

#ifndef WEFT_RUNTIME_FS_WHOLE_FILE_H_
#define WEFT_RUNTIME_FS_WHOLE_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/task.h"

namespace weft::fs {

/// The contents of the file `path`, as bytes in a std::string.
Task<absl::StatusOr<std::string>> read(std::string path);

/// The contents of the file `path`, which must be UTF-8 (InvalidArgument
/// otherwise, as tokio's read_to_string).
Task<absl::StatusOr<std::string>> read_to_string(std::string path);

/// Makes `data` the contents of the file `path`, creating it if needed and
/// truncating it otherwise. `data` must outlive the await.
Task<absl::Status> write(std::string path, std::string_view data);

}  // namespace weft::fs

#endif  // WEFT_RUNTIME_FS_WHOLE_FILE_H_
