/// \file
/// The blocking system call behind each file operation of executor.h, with
/// the result a completion carries. The runtime's blocking pool runs it for
/// backends that do not take file operations, and a backend may run it on
/// its own threads for what its native file API cannot express.

#ifndef WEFT_RUNTIME_FILE_SYSCALL_H_
#define WEFT_RUNTIME_FILE_SYSCALL_H_

#include <cstddef>
#include <cstdint>

#include "runtime/executor.h"

namespace weft {

/// The largest read or write one operation makes (Linux's MAX_RW_COUNT), so
/// that its result fits the int32_t of a completion.
inline constexpr size_t kMaxFileTransfer = 0x7ffff000;

/// Runs `op` on the calling thread with the system call its opcode names in
/// executor.h: kRead/kWrite (pread/pwrite at `offset`, read/write at the
/// file position for -1; at most kMaxFileTransfer bytes) and kOpenAt ...
/// kMkdirAt. Returns what a completion would: >= 0, or -errno (EINTR is
/// retried); -EINVAL for any other opcode. Blocks.
int32_t FileSyscall(const IoOperation& op);

}  // namespace weft

#endif  // WEFT_RUNTIME_FILE_SYSCALL_H_
