#include "executors/uv/uv_errors.h"

#include <errno.h>
#include <uv.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "executors/common/syscall_error.h"

namespace weft::uv {
namespace {

struct Translation {
  int uv_error;
  int errno_value;
};

// The codes a reactor can meet: system calls on sockets, pipes and files,
// and libuv's own (UV_ECANCELED from uv_cancel). Each errno constant is
// POSIX, so the table compiles wherever libuv does.
constexpr Translation kTranslations[] = {
    {UV_E2BIG, E2BIG},
    {UV_EACCES, EACCES},
    {UV_EADDRINUSE, EADDRINUSE},
    {UV_EADDRNOTAVAIL, EADDRNOTAVAIL},
    {UV_EAFNOSUPPORT, EAFNOSUPPORT},
    {UV_EAGAIN, EAGAIN},
    {UV_EALREADY, EALREADY},
    {UV_EBADF, EBADF},
    {UV_EBUSY, EBUSY},
    {UV_ECANCELED, ECANCELED},
    {UV_ECONNABORTED, ECONNABORTED},
    {UV_ECONNREFUSED, ECONNREFUSED},
    {UV_ECONNRESET, ECONNRESET},
    {UV_EDESTADDRREQ, EDESTADDRREQ},
    {UV_EEXIST, EEXIST},
    {UV_EFAULT, EFAULT},
    {UV_EFBIG, EFBIG},
    {UV_EHOSTUNREACH, EHOSTUNREACH},
    {UV_EILSEQ, EILSEQ},
    {UV_EINTR, EINTR},
    {UV_EINVAL, EINVAL},
    {UV_EIO, EIO},
    {UV_EISCONN, EISCONN},
    {UV_EISDIR, EISDIR},
    {UV_ELOOP, ELOOP},
    {UV_EMFILE, EMFILE},
    {UV_EMLINK, EMLINK},
    {UV_EMSGSIZE, EMSGSIZE},
    {UV_ENAMETOOLONG, ENAMETOOLONG},
    {UV_ENETDOWN, ENETDOWN},
    {UV_ENETUNREACH, ENETUNREACH},
    {UV_ENFILE, ENFILE},
    {UV_ENOBUFS, ENOBUFS},
    {UV_ENODEV, ENODEV},
    {UV_ENOENT, ENOENT},
    {UV_ENOMEM, ENOMEM},
    {UV_ENOPROTOOPT, ENOPROTOOPT},
    {UV_ENOSPC, ENOSPC},
    {UV_ENOSYS, ENOSYS},
    {UV_ENOTCONN, ENOTCONN},
    {UV_ENOTDIR, ENOTDIR},
    {UV_ENOTEMPTY, ENOTEMPTY},
    {UV_ENOTSOCK, ENOTSOCK},
    {UV_ENOTSUP, ENOTSUP},
    {UV_ENOTTY, ENOTTY},
    {UV_ENXIO, ENXIO},
    {UV_EOVERFLOW, EOVERFLOW},
    {UV_EPERM, EPERM},
    {UV_EPIPE, EPIPE},
    {UV_EPROTO, EPROTO},
    {UV_EPROTONOSUPPORT, EPROTONOSUPPORT},
    {UV_EPROTOTYPE, EPROTOTYPE},
    {UV_ERANGE, ERANGE},
    {UV_EROFS, EROFS},
    {UV_ESPIPE, ESPIPE},
    {UV_ESRCH, ESRCH},
    {UV_ETIMEDOUT, ETIMEDOUT},
    {UV_ETXTBSY, ETXTBSY},
    {UV_EXDEV, EXDEV},
};

}  // namespace

int ErrnoFromUv(int64_t uv_error) {
  for (const Translation& translation : kTranslations) {
    if (translation.uv_error == uv_error) return translation.errno_value;
  }
  return EIO;
}

absl::Status UvError(int uv_error, absl::string_view call) {
  const int error = ErrnoFromUv(uv_error);
  return absl::ErrnoToStatus(
      error,
      absl::StrCat("uv backend: ", call, " failed (", uv_err_name(uv_error),
                   ": ", uv_strerror(uv_error), ")",
                   executors_common::Remedy(
                       error,
                       "; the event loop's system calls are blocked here (a "
                       "seccomp filter?)")));
}

}  // namespace weft::uv
