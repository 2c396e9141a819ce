#include "executors/uring/sqe_prep.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>

#include "executors/uring/op_state.h"

namespace weft::uring {
namespace {

// Linux's MAX_RW_COUNT: no single read or write moves more.
constexpr size_t kMaxTransfer = 0x7ffff000;

unsigned Length(const IoOperation* op) {
  return static_cast<unsigned>(std::min(op->length, kMaxTransfer));
}

// -1 (all ones) asks for the file position; io_uring takes the offset as u64.
uint64_t Offset(const IoOperation* op) {
  return op->offset >= 0 ? static_cast<uint64_t>(op->offset) : UINT64_MAX;
}

}  // namespace

bool IsKnownOpcode(IoOpcode opcode) {
  switch (opcode) {
    case IoOpcode::kNop:
    case IoOpcode::kRead:
    case IoOpcode::kWrite:
    case IoOpcode::kRecv:
    case IoOpcode::kSend:
    case IoOpcode::kAccept:
    case IoOpcode::kConnect:
    case IoOpcode::kClose:
    case IoOpcode::kPoll:
    case IoOpcode::kTimeout:
    case IoOpcode::kOpenAt:
    case IoOpcode::kFsync:
    case IoOpcode::kStatx:
    case IoOpcode::kRenameAt:
    case IoOpcode::kUnlinkAt:
    case IoOpcode::kMkdirAt:
      return true;
  }
  return false;
}

bool UsesFd(IoOpcode opcode) {
  switch (opcode) {
    case IoOpcode::kNop:
    case IoOpcode::kTimeout:
    // The path operations' fd is a directory (or AT_FDCWD) that a kClose
    // does not concern.
    case IoOpcode::kOpenAt:
    case IoOpcode::kStatx:
    case IoOpcode::kRenameAt:
    case IoOpcode::kUnlinkAt:
    case IoOpcode::kMkdirAt:
      return false;
    default:
      return true;
  }
}

void PrepareSqe(IoOperation* op, io_uring_sqe* sqe) {
  switch (op->opcode) {
    case IoOpcode::kNop:
      io_uring_prep_nop(sqe);
      break;
    case IoOpcode::kRead:
      io_uring_prep_read(sqe, op->fd, op->buffer, Length(op), Offset(op));
      break;
    case IoOpcode::kWrite:
      io_uring_prep_write(sqe, op->fd, op->buffer, Length(op), Offset(op));
      break;
    case IoOpcode::kRecv:
      io_uring_prep_recv(sqe, op->fd, op->buffer, Length(op), op->flags);
      break;
    case IoOpcode::kSend:
      io_uring_prep_send(sqe, op->fd, op->buffer, Length(op),
                         op->flags | MSG_NOSIGNAL);
      break;
    case IoOpcode::kAccept:
      io_uring_prep_accept(
          sqe, op->fd, op->address,
          op->address != nullptr ? &op->address_length : nullptr,
          SOCK_NONBLOCK | SOCK_CLOEXEC);
      break;
    case IoOpcode::kConnect:
      io_uring_prep_connect(sqe, op->fd, op->address, op->address_length);
      break;
    case IoOpcode::kClose:
      io_uring_prep_close(sqe, op->fd);
      break;
    case IoOpcode::kPoll:
      io_uring_prep_poll_add(sqe, op->fd, op->poll_events);
      break;
    case IoOpcode::kTimeout:
      io_uring_prep_timeout(sqe, StoreTimespec(op, op->timeout), 0, 0);
      break;
    case IoOpcode::kOpenAt:
      io_uring_prep_openat(sqe, op->fd, op->path, op->flags | O_CLOEXEC,
                           op->mode);
      break;
    case IoOpcode::kFsync:
      io_uring_prep_fsync(
          sqe, op->fd,
          (op->flags & kFsyncDataOnly) != 0 ? IORING_FSYNC_DATASYNC : 0);
      break;
    case IoOpcode::kStatx:
      io_uring_prep_statx(sqe, op->fd, op->path, op->flags, STATX_BASIC_STATS,
                          static_cast<struct statx*>(op->buffer));
      break;
    case IoOpcode::kRenameAt:
      io_uring_prep_renameat(sqe, op->fd, op->path, op->fd, op->second_path,
                             static_cast<unsigned>(op->flags));
      break;
    case IoOpcode::kUnlinkAt:
      io_uring_prep_unlinkat(sqe, op->fd, op->path, op->flags);
      break;
    case IoOpcode::kMkdirAt:
      io_uring_prep_mkdirat(sqe, op->fd, op->path, op->mode);
      break;
  }
  io_uring_sqe_set_data(sqe, op);
}

}  // namespace weft::uring
