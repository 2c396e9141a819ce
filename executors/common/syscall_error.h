// The status a backend returns when a system call it cannot do without
// fails (creating a reactor, waiting): it names the backend, the call and
// the errno, and says what to do about the common causes.

#ifndef WEFT_EXECUTORS_COMMON_SYSCALL_ERROR_H_
#define WEFT_EXECUTORS_COMMON_SYSCALL_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace weft::executors_common {

// What to do about `error` ("; raise ..."), or "" when there is nothing to
// say. `blocked` is said for ENOSYS and EPERM (a seccomp filter?).
absl::string_view Remedy(int error, absl::string_view blocked);

// "<backend> backend: <call> failed (EMFILE)<remedy>", with the code absl
// derives from `error`.
absl::Status SyscallError(absl::string_view backend, int error,
                          absl::string_view call, absl::string_view blocked);

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_SYSCALL_ERROR_H_
