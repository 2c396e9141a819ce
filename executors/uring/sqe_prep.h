// The translation of an IoOperation into an SQE: each opcode of executor.h
// maps to one native io_uring opcode, with user_data = the operation.
//
//   kNop      IORING_OP_NOP                    0
//   kRead     IORING_OP_READ   (offset -1: the file position, FEAT_RW_CUR_POS)
//   kWrite    IORING_OP_WRITE  (offset -1: the file position)
//   kRecv     IORING_OP_RECV   with the operation's flags
//   kSend     IORING_OP_SEND   with flags | MSG_NOSIGNAL: -EPIPE, no signal
//   kAccept   IORING_OP_ACCEPT with SOCK_NONBLOCK | SOCK_CLOEXEC; the peer
//             address and its length are written into the operation (the
//             reactor polls the listener first; see uring_reactor.h)
//   kConnect  IORING_OP_CONNECT
//   kClose    IORING_OP_CLOSE  (the reactor cancels the fd's other
//             operations first; see uring_reactor.h)
//   kPoll     IORING_OP_POLL_ADD, one-shot: revents
//   kTimeout  IORING_OP_TIMEOUT, a pure timer: -ETIME
//   kOpenAt   IORING_OP_OPENAT  with flags | O_CLOEXEC
//   kFsync    IORING_OP_FSYNC   (kFsyncDataOnly: IORING_FSYNC_DATASYNC)
//   kStatx    IORING_OP_STATX   with mask STATX_BASIC_STATS
//   kRenameAt IORING_OP_RENAMEAT (Linux 5.11)
//   kUnlinkAt IORING_OP_UNLINKAT (Linux 5.11)
//   kMkdirAt  IORING_OP_MKDIRAT  (Linux 5.15)
//   (the file-system opcodes only where the probe found them all:
//   UringCapabilities::file_ops, UringReactor::SupportsFileOps)
//
// Lengths above what one read or write can move on Linux (0x7ffff000) are
// clamped, so that the byte count always fits the int32_t result.

#ifndef WEFT_EXECUTORS_URING_SQE_PREP_H_
#define WEFT_EXECUTORS_URING_SQE_PREP_H_

#include <liburing.h>

#include "runtime/executor.h"

namespace weft::uring {

// False for values outside the IoOpcode enumerators.
bool IsKnownOpcode(IoOpcode opcode);

// True for the opcodes that act on `fd`.
bool UsesFd(IoOpcode opcode);

// Fills `sqe` for `op` (a known opcode). For kTimeout it also stores the
// timespec in `op` (op_state.h), where the kernel reads it at submission.
void PrepareSqe(IoOperation* op, io_uring_sqe* sqe);

}  // namespace weft::uring

#endif  // WEFT_EXECUTORS_URING_SQE_PREP_H_
