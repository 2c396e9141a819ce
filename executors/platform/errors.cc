#include "executors/platform/errors.h"

#include <string.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "executors/platform/target.h"

#if WEFT_PLATFORM_WINDOWS
#include <windows.h>
#endif

namespace weft::platform {
namespace {

#if WEFT_PLATFORM_WINDOWS
// The Windows CRT describes only the errno values below 100 (and not by
// name); the socket ones, which mingw-w64's errno.h numbers from 100, it
// calls "Unknown error". Names and glibc's wording for those users meet.
struct KnownError {
  int error;
  const char* name;
  const char* description;
};

constexpr KnownError kKnownErrors[] = {
    {EPERM, "EPERM", "Operation not permitted"},
    {ENOENT, "ENOENT", "No such file or directory"},
    {EINTR, "EINTR", "Interrupted system call"},
    {EIO, "EIO", "Input/output error"},
    {EBADF, "EBADF", "Bad file descriptor"},
    {EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
    {ENOMEM, "ENOMEM", "Cannot allocate memory"},
    {EACCES, "EACCES", "Permission denied"},
    {EFAULT, "EFAULT", "Bad address"},
    {EBUSY, "EBUSY", "Device or resource busy"},
    {EEXIST, "EEXIST", "File exists"},
    {ENOTDIR, "ENOTDIR", "Not a directory"},
    {EISDIR, "EISDIR", "Is a directory"},
    {EINVAL, "EINVAL", "Invalid argument"},
    {EMFILE, "EMFILE", "Too many open files"},
    {ENOSPC, "ENOSPC", "No space left on device"},
    {EPIPE, "EPIPE", "Broken pipe"},
    {ENAMETOOLONG, "ENAMETOOLONG", "File name too long"},
    {ENOTEMPTY, "ENOTEMPTY", "Directory not empty"},
    {EXDEV, "EXDEV", "Invalid cross-device link"},
    {EROFS, "EROFS", "Read-only file system"},
    {EFBIG, "EFBIG", "File too large"},
    {EMLINK, "EMLINK", "Too many links"},
    {ENOSYS, "ENOSYS", "Function not implemented"},
    {ENOTSUP, "ENOTSUP", "Operation not supported"},
    {EADDRINUSE, "EADDRINUSE", "Address already in use"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL", "Cannot assign requested address"},
    {EAFNOSUPPORT, "EAFNOSUPPORT", "Address family not supported by protocol"},
    {EALREADY, "EALREADY", "Operation already in progress"},
    {ECANCELED, "ECANCELED", "Operation canceled"},
    {ECONNABORTED, "ECONNABORTED", "Software caused connection abort"},
    {ECONNREFUSED, "ECONNREFUSED", "Connection refused"},
    {ECONNRESET, "ECONNRESET", "Connection reset by peer"},
    {EDESTADDRREQ, "EDESTADDRREQ", "Destination address required"},
    {EHOSTUNREACH, "EHOSTUNREACH", "No route to host"},
    {EINPROGRESS, "EINPROGRESS", "Operation now in progress"},
    {EISCONN, "EISCONN", "Transport endpoint is already connected"},
    {ELOOP, "ELOOP", "Too many levels of symbolic links"},
    {EMSGSIZE, "EMSGSIZE", "Message too long"},
    {ENETDOWN, "ENETDOWN", "Network is down"},
    {ENETRESET, "ENETRESET", "Network dropped connection on reset"},
    {ENETUNREACH, "ENETUNREACH", "Network is unreachable"},
    {ENOBUFS, "ENOBUFS", "No buffer space available"},
    {ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available"},
    {ENOTCONN, "ENOTCONN", "Transport endpoint is not connected"},
    {ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket"},
    {EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT", "Protocol not supported"},
    {EPROTOTYPE, "EPROTOTYPE", "Protocol wrong type for socket"},
    {ETIMEDOUT, "ETIMEDOUT", "Connection timed out"},
    {EWOULDBLOCK, "EWOULDBLOCK", "Resource temporarily unavailable"},
};

const KnownError* Find(int error) {
  for (const KnownError& known : kKnownErrors) {
    if (known.error == error) return &known;
  }
  return nullptr;
}
#endif

}  // namespace

std::string ErrorDescription(int error) {
  // Not absl's StrError (nor absl::ErrnoToStatus, which formats through
  // it): ThreadSanitizer, not seeing inside the uninstrumented library,
  // reports it as a race when two threads fail at once. glibc's
  // strerrordesc_np reads a constant table; elsewhere the XSI strerror_r
  // writes into our buffer; Windows has the table above, and the system's
  // text for a Winsock code that has no errno (ErrorFromWinsock).
#if WEFT_PLATFORM_LINUX
  if (const char* description = strerrordesc_np(error)) return description;
#elif WEFT_PLATFORM_WINDOWS
  if (const KnownError* known = Find(error)) return known->description;
  char buffer[256] = {};
  if (error >= 10000 &&
      ::FormatMessageA(
          FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
          static_cast<DWORD>(error), 0, buffer, sizeof(buffer), nullptr) != 0) {
    std::string text = buffer;
    while (!text.empty() &&
           (text.back() == '\n' || text.back() == '\r' || text.back() == '.')) {
      text.pop_back();
    }
    return text;
  }
  if (error >= 10000) return absl::StrCat("Winsock error ", error);
  if (error > 0 && error < 100 &&
      strerror_s(buffer, sizeof(buffer), error) == 0) {
    return buffer;
  }
#else
  char buffer[256];
  if (strerror_r(error, buffer, sizeof(buffer)) == 0) return buffer;
#endif
  return absl::StrCat("error ", error);
}

std::string ErrorName(int error) {
#if WEFT_PLATFORM_LINUX
  if (const char* name = strerrorname_np(error)) return name;
#elif WEFT_PLATFORM_WINDOWS
  if (const KnownError* known = Find(error)) return known->name;
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
