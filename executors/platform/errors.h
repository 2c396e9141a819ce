// The OS's error numbers as users see them: the description and the
// symbolic name of an errno, and the absl::Status weft reports for one, the
// same StatusCode on every platform.

#ifndef WEFT_EXECUTORS_PLATFORM_ERRORS_H_
#define WEFT_EXECUTORS_PLATFORM_ERRORS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace weft::platform {

/// "Connection refused" for ECONNREFUSED; "error <n>" for an unknown one.
/// Thread-safe, and reads no state that another thread writes (see
/// errors.cc on why that matters).
std::string ErrorDescription(int error);
/// "ECONNREFUSED" for ECONNREFUSED; "error <n>" where the platform cannot
/// name it.
std::string ErrorName(int error);

/// "<operation> <subject>: <description>", with the StatusCode that error
/// has on every platform (connection refused, connection reset:
/// kUnavailable; address in use, broken pipe: kFailedPrecondition; timed
/// out: kDeadlineExceeded; permission denied: kPermissionDenied; the rest
/// as absl::ErrnoToStatusCode maps the POSIX error of the same name).
absl::Status ErrorStatus(int error, std::string_view operation,
                         std::string_view subject);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_ERRORS_H_
