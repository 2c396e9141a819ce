#include "executors/uring/probe.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace weft::uring {
namespace {

constexpr absl::string_view kRemedy =
    "; build with --config=epoll, or use auto to fall back";

std::string ErrnoName(int error) {
  const char* name = strerrorname_np(error);
  return name != nullptr ? name : absl::StrCat("errno ", error);
}

// "0", "1", "2", or "unknown" when the sysctl does not exist (before 6.6).
std::string IoUringDisabledSysctl() {
  FILE* file = std::fopen("/proc/sys/kernel/io_uring_disabled", "re");
  if (file == nullptr) return "absent";
  int value = -1;
  const bool read = std::fscanf(file, "%d", &value) == 1;
  std::fclose(file);
  return read ? std::to_string(value) : "unreadable";
}

std::string MemlockLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return absl::StrCat(limit.rlim_cur / 1024, " KiB");
}

std::string Cause(int error) {
  switch (error) {
    case ENOSYS:
      return "kernel too old for io_uring (Linux 5.6 or later needed), or "
             "built without CONFIG_IO_URING";
    case EPERM:
    case EACCES:
      return absl::StrCat(
          "io_uring blocked by seccomp or kernel.io_uring_disabled (it is ",
          IoUringDisabledSysctl(), " here)");
    case ENOMEM:
      return absl::StrCat("memlock limit (ulimit -l, now ", MemlockLimit(),
                          ") too low for the ring");
    case EMFILE:
      return "this process is out of file descriptors (ulimit -n)";
    case ENFILE:
      return "the system is out of file descriptors (sysctl fs.file-max)";
    default:
      return strerror(error);
  }
}

struct RequiredOpcode {
  int opcode;
  const char* name;
  const char* since;
};

constexpr RequiredOpcode kRequiredOpcodes[] = {
    {IORING_OP_NOP, "IORING_OP_NOP", "5.1"},
    {IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD", "5.1"},
    {IORING_OP_TIMEOUT, "IORING_OP_TIMEOUT", "5.4"},
    {IORING_OP_ACCEPT, "IORING_OP_ACCEPT", "5.5"},
    {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL", "5.5"},
    {IORING_OP_CONNECT, "IORING_OP_CONNECT", "5.5"},
    {IORING_OP_CLOSE, "IORING_OP_CLOSE", "5.6"},
    {IORING_OP_READ, "IORING_OP_READ", "5.6"},
    {IORING_OP_WRITE, "IORING_OP_WRITE", "5.6"},
    {IORING_OP_SEND, "IORING_OP_SEND", "5.6"},
    {IORING_OP_RECV, "IORING_OP_RECV", "5.6"},
};

// The file-system opcodes: all of them, or the runtime uses its blocking pool.
constexpr int kFileOpcodes[] = {
    IORING_OP_OPENAT,   IORING_OP_FSYNC,    IORING_OP_STATX,
    IORING_OP_RENAMEAT, IORING_OP_UNLINKAT, IORING_OP_MKDIRAT,
};

// Checks the opcodes (and the features the reactor relies on) of `ring`,
// and notes whether it has the file-system ones in `*file_ops`.
absl::Status CheckOpcodes(io_uring* ring, bool* file_ops) {
  constexpr int kProbeOps = 256;
  const size_t size =
      sizeof(io_uring_probe) + kProbeOps * sizeof(io_uring_probe_op);
  std::unique_ptr<io_uring_probe, decltype(&std::free)> probe(
      static_cast<io_uring_probe*>(std::calloc(1, size)), &std::free);
  if (probe == nullptr) return UringError(ENOMEM, "calloc");
  const int ret = io_uring_register_probe(ring, probe.get(), kProbeOps);
  if (ret == -EINVAL) {
    return absl::UnimplementedError(absl::StrCat(
        "uring backend: io_uring_register(IORING_REGISTER_PROBE) failed "
        "(EINVAL): kernel too old for weft's io_uring backend (Linux 5.6 or "
        "later needed)",
        kRemedy));
  }
  if (ret < 0) {
    return UringError(-ret, "io_uring_register(IORING_REGISTER_PROBE)");
  }
  for (const RequiredOpcode& required : kRequiredOpcodes) {
    if (!io_uring_opcode_supported(probe.get(), required.opcode)) {
      return MissingOpcodeError(required.name, required.since);
    }
  }
  *file_ops = true;
  for (int opcode : kFileOpcodes) {
    if (!io_uring_opcode_supported(probe.get(), opcode)) *file_ops = false;
  }
  // Both came with Linux 5.6 too; checked for kernels that backport opcodes.
  if ((ring->features & IORING_FEAT_RW_CUR_POS) == 0) {
    return MissingOpcodeError("IORING_FEAT_RW_CUR_POS", "5.6");
  }
  if ((ring->features & IORING_FEAT_NODROP) == 0) {
    return MissingOpcodeError("IORING_FEAT_NODROP", "5.5");
  }
  return absl::OkStatus();
}

// Round trips through io_uring_enter (a seccomp filter may allow setup and
// block enter), which also find the optional features: a multishot poll on
// an eventfd that is already readable, and, once its first event is in, a
// cancel keyed on that fd. (Submitted in one batch, the cancel can reach the
// poll before its first event, which then ends with -ECANCELED and no
// IORING_CQE_F_MORE, and the probe would wrongly find no multishot poll.)
absl::StatusOr<UringCapabilities> RoundTrip(io_uring* ring) {
  const int event_fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd < 0) return UringError(errno, "eventfd");
  constexpr uint64_t kNop = 1, kPoll = 2, kCancel = 3;
  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  io_uring_prep_nop(sqe);
  io_uring_sqe_set_data64(sqe, kNop);
  sqe = io_uring_get_sqe(ring);
  io_uring_prep_poll_multishot(sqe, event_fd, POLLIN);
  io_uring_sqe_set_data64(sqe, kPoll);

  UringCapabilities capabilities;
  bool nop_seen = false, poll_seen = false, cancel_sent = false,
       cancel_seen = false;
  int ret = io_uring_submit_and_wait(ring, 2);
  while (ret >= 0 && !(nop_seen && cancel_seen)) {
    if (nop_seen && poll_seen && !cancel_sent) {
      sqe = io_uring_get_sqe(ring);
      io_uring_prep_cancel_fd(sqe, event_fd, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, kCancel);
      ret = io_uring_submit(ring);
      if (ret < 0) break;
      cancel_sent = true;
    }
    io_uring_cqe* cqe;
    __kernel_timespec wait{.tv_sec = 1, .tv_nsec = 0};
    ret = io_uring_wait_cqe_timeout(ring, &cqe, &wait);
    if (ret == -ETIME && nop_seen && !cancel_sent) {
      // No poll event within a second: no poll on this kernel worth having;
      // still ask whether cancel by fd exists.
      poll_seen = true;
      ret = 0;
      continue;
    }
    if (ret < 0) break;
    switch (cqe->user_data) {
      case kNop:
        nop_seen = true;
        break;
      case kPoll:
        poll_seen = true;
        if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_MORE) != 0) {
          capabilities.multishot_poll = true;
        }
        break;
      case kCancel:
        cancel_seen = true;
        // Older kernels reject the flag itself.
        capabilities.cancel_by_fd = cqe->res != -EINVAL;
        break;
    }
    io_uring_cqe_seen(ring, cqe);
  }
  close(event_fd);
  if (ret < 0 && !nop_seen) return UringError(-ret, "io_uring_enter");

  // Matches nothing: ENOENT where the kernel has it, EINVAL where not.
  io_uring_sync_cancel_reg nothing{};
  nothing.addr = kNop;
  nothing.fd = -1;
  capabilities.sync_cancel =
      io_uring_register_sync_cancel(ring, &nothing) == -ENOENT;
  return capabilities;
}

absl::StatusOr<UringCapabilities> ProbeNow() {
  io_uring ring;
  const int ret = io_uring_queue_init(4, &ring, 0);
  if (ret < 0) return UringError(-ret, "io_uring_setup");
  absl::StatusOr<UringCapabilities> result = [&] {
    bool file_ops = false;
    absl::Status opcodes = CheckOpcodes(&ring, &file_ops);
    if (!opcodes.ok()) return absl::StatusOr<UringCapabilities>(opcodes);
    absl::StatusOr<UringCapabilities> capabilities = RoundTrip(&ring);
    if (capabilities.ok()) capabilities->file_ops = file_ops;
    return capabilities;
  }();
  io_uring_queue_exit(&ring);
  return result;
}

bool SaysNothingAboutIoUring(const absl::Status& status) {
  return absl::IsResourceExhausted(status) &&
         (absl::StrContains(status.message(), "EMFILE") ||
          absl::StrContains(status.message(), "ENFILE"));
}

}  // namespace

absl::Status UringError(int error, absl::string_view call) {
  // Not ErrnoToStatus: it would append strerror after the remedy.
  return absl::Status(
      absl::ErrnoToStatusCode(error),
      absl::StrCat("uring backend: ", call, " failed (", ErrnoName(error),
                   "): ", Cause(error), kRemedy));
}

absl::Status MissingOpcodeError(absl::string_view opcode,
                                absl::string_view since) {
  return absl::UnimplementedError(
      absl::StrCat("uring backend: the kernel does not support ", opcode,
                   " (Linux ", since, " or later needed)", kRemedy));
}

absl::StatusOr<UringCapabilities> ProbeIoUring() {
  static std::mutex mu;
  static std::optional<absl::StatusOr<UringCapabilities>> cached;
  std::lock_guard lock(mu);
  if (cached.has_value()) return *cached;
  absl::StatusOr<UringCapabilities> result = ProbeNow();
  if (result.ok() || !SaysNothingAboutIoUring(result.status())) {
    cached = result;
  }
  return result;
}

}  // namespace weft::uring
