// libuv's error codes as the interface's results and as absl::Status.
//
// libuv reports failures as negative UV_E* codes. On Unix these are the
// negated errno values, but on Windows they are libuv's own numbers (UV_EBADF
// is -4083 there), while executor.h promises -errno. So every libuv code that
// becomes a result goes through ErrnoFromUv, which translates by name; on
// Unix it is the identity for every code it knows.

#ifndef WEFT_EXECUTORS_UV_UV_ERRORS_H_
#define WEFT_EXECUTORS_UV_UV_ERRORS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace weft::uv {

// The positive errno value for a negative libuv error code (EIO for a code
// without an errno counterpart).
int ErrnoFromUv(int64_t uv_error);

// A libuv call's result (>= 0 kept) as an IoOperation result.
inline int32_t ResultFromUv(int64_t uv_result) {
  return uv_result >= 0 ? static_cast<int32_t>(uv_result)
                        : -ErrnoFromUv(uv_result);
}

// A failed libuv or system call as a status: "uv backend: <call> failed
// (EMFILE: too many open files)" plus a remedy for the common causes, with
// the code absl derives from the errno value.
absl::Status UvError(int uv_error, absl::string_view call);

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_UV_ERRORS_H_
