#include "executors/uring/sqe_prep.h"

#include <sys/socket.h>

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
      return true;
  }
  return false;
}

bool UsesFd(IoOpcode opcode) {
  return opcode != IoOpcode::kNop && opcode != IoOpcode::kTimeout;
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
          op->flags | SOCK_CLOEXEC);
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
  }
  io_uring_sqe_set_data(sqe, op);
}

}  // namespace weft::uring
