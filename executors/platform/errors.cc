#include "executors/platform/errors.h"

#include <string.h>

#include "absl/strings/str_cat.h"
#include "executors/platform/target.h"

namespace weft::platform {

std::string ErrorDescription(int error) {
  // Not absl's StrError (nor absl::ErrnoToStatus, which formats through
  // it): ThreadSanitizer, not seeing inside the uninstrumented library,
  // reports it as a race when two threads fail at once. glibc's
  // strerrordesc_np reads a constant table; elsewhere the XSI strerror_r
  // writes into our buffer.
#if WEFT_PLATFORM_LINUX
  if (const char* description = strerrordesc_np(error)) return description;
#else
  char buffer[256];
  if (strerror_r(error, buffer, sizeof(buffer)) == 0) return buffer;
#endif
  return absl::StrCat("error ", error);
}

std::string ErrorName(int error) {
#if WEFT_PLATFORM_LINUX
  if (const char* name = strerrorname_np(error)) return name;
#endif
  return absl::StrCat("error ", error);
}

absl::Status ErrorStatus(int error, std::string_view operation,
                         std::string_view subject) {
  return absl::Status(
      absl::ErrnoToStatusCode(error),
      absl::StrCat(std::string(operation), " ", std::string(subject), ": ",
                   ErrorDescription(error)));
}

}  // namespace weft::platform
