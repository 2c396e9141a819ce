#include "executors/common/syscall_error.h"

#include <errno.h>
#include <string.h>

#include "absl/strings/str_cat.h"
#include "executors/platform/errors.h"

namespace weft::executors_common {

absl::string_view Remedy(int error, absl::string_view blocked) {
  switch (error) {
    case EMFILE:
      return "; this process is out of file descriptors: raise its limit "
             "(ulimit -n) or close some";
    case ENFILE:
      return "; the system is out of file descriptors (sysctl fs.file-max)";
    case ENOMEM:
      return "; out of memory";
    case ENOSYS:
    case EPERM:
      return blocked;
    default:
      return "";
  }
}

absl::Status SyscallError(absl::string_view backend, int error,
                          absl::string_view call, absl::string_view blocked) {
  return absl::ErrnoToStatus(
      error,
      absl::StrCat(backend, " backend: ", call, " failed (",
                   platform::ErrorName(error), ")", Remedy(error, blocked)));
}

}  // namespace weft::executors_common
