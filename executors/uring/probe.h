// Whether io_uring can run in this process, asked once and remembered, and
// the statuses that explain why not.
//
// The probe sets up a small ring (io_uring_setup), asks which opcodes the
// kernel has (io_uring_register(IORING_REGISTER_PROBE)), and makes one round
// trip through io_uring_enter, so that each system call a seccomp filter may
// block is tried once. The answer is cached for the process: `auto` backend
// selection, every runtime built later and every reactor see the same one,
// and a refused io_uring_setup is not retried per runtime. Only failures
// that say nothing about io_uring itself (out of file descriptors) are not
// cached.
//
// Every failure message names the system call, the errno, the likely cause
// and what to do, and ends with "; build with --config=epoll, or use auto to
// fall back", e.g.
//   "uring backend: io_uring_setup failed (EPERM): io_uring blocked by
//    seccomp or kernel.io_uring_disabled (it is 0 here); build with ..."

#ifndef WEFT_EXECUTORS_URING_PROBE_H_
#define WEFT_EXECUTORS_URING_PROBE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace weft::uring {

// What the kernel offers beyond the required opcodes.
struct UringCapabilities {
  // IORING_POLL_ADD_MULTI (Linux 5.13): the wake-up poll stays armed.
  bool multishot_poll = false;
  // IORING_ASYNC_CANCEL_FD (Linux 5.19): kClose cancels the fd's operations
  // with one request instead of one per operation.
  bool cancel_by_fd = false;
  // IORING_REGISTER_SYNC_CANCEL (Linux 6.0): Cancel disarms a waiting
  // operation from the calling thread, before it returns.
  bool sync_cancel = false;
  // IORING_OP_OPENAT, FSYNC, STATX, RENAMEAT, UNLINKAT and MKDIRAT (all
  // there from Linux 5.15): the file-system opcodes run natively.
  bool file_ops = false;
};

// Thread-safe; probes on the first call only.
absl::StatusOr<UringCapabilities> ProbeIoUring();

// The status for an io_uring system call (`call`) that failed with `error`.
absl::Status UringError(int error, absl::string_view call);

// The status for a kernel without `opcode` (e.g. "IORING_OP_RECV"), which
// first appeared in Linux `since` (e.g. "5.6").
absl::Status MissingOpcodeError(absl::string_view opcode,
                                absl::string_view since);

}  // namespace weft::uring

#endif  // WEFT_EXECUTORS_URING_PROBE_H_
