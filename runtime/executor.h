/// \file
/// The backend interface: what a weft executor (io_uring, epoll, libuv, ...)
/// provides to the backend-independent runtime.
///
/// A backend is two things:
///   * a reactor: completion-shaped I/O submission with cancel, a wake-up that
///     any thread may send, and a wait with a deadline that delivers
///     completions;
///   * a thread model: which reactor each runtime thread drives. weft asks the
///     backend for one Reactor per runtime thread that parks (each worker of a
///     multi_thread runtime, the core of a current_thread runtime, and each
///     thread inside Runtime::block_on). A backend chooses what those reactors
///     share: io_uring gives each its own ring, libuv its own uv_loop_t, epoll
///     its own epoll set. Everything else (tasks, scheduling, timers, blocking
///     pool) lives in runtime/ and is the same for every backend.
///
/// Protocol of an I/O operation (the invariants every backend keeps):
///   1. The submitter fills an IoOperation and calls Reactor::Submit on the
///      thread that currently drives that reactor.
///   2. The operation completes exactly once: `complete(context, result)` is
///      called on the driving thread, from inside Reactor::Run, never from
///      inside Submit or Cancel. `result` is >= 0 on success (bytes moved, the
///      accepted fd, revents for kPoll, 0 otherwise) or -errno.
///   3. Reactor::Cancel may be called from any thread. It is a request: the
///      completion still arrives exactly once, with -ECANCELED, or with the
///      real result if the operation won the race. Cancel may race with the
///      delivery of the completion on the driving thread (the caller cannot
///      know): `op` is valid during the Cancel call, but may be freed as soon
///      as its completion was delivered, so a backend that defers the cancel
///      must identify the operation by a token it reads inside Cancel (e.g. a
///      sequence number in backend_state) and ignore tokens no longer in
///      flight — never by dereferencing `op` later.
///   4. The IoOperation, its buffer, its address and its paths stay valid
///      until the completion has been delivered. The backend touches none of
///      them after calling `complete`. This is what lets an aborted task's I/O
///      be cancelled safely: whoever owns the buffer keeps it until the
///      completion arrives.
///   5. Destroying a Reactor delivers every operation still in flight exactly
///      once: -ECANCELED if it had not completed, its real result if it had
///      completed but was not yet delivered (bytes sent stay reported as
///      sent), always after the kernel is done with its buffers.
///   6. Cancel may read the operation's backend_state: the caller provides a
///      happens-before edge from Submit to Cancel (the runtime does, through
///      the task's state).
///   7. Sockets and pipes are closed through kClose so that the backend can
///      complete the fd's other waiters (-EBADF) and forget its state.
///      weft ignores SIGPIPE process-wide (as Rust's std does): a write to a
///      closed pipe or socket is -EPIPE, never a signal.

#ifndef WEFT_RUNTIME_EXECUTOR_H_
#define WEFT_RUNTIME_EXECUTOR_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/platform/socket_types.h"

namespace weft {

/// What an IoOperation does; each maps to one system call (or a wait).
enum class IoOpcode : uint8_t {
  kNop,      ///< completes with 0 on the next turn of the reactor
  kRead,     ///< read(fd, buffer, length) or pread at `offset` when >= 0
  kWrite,    ///< write(fd, buffer, length) or pwrite at `offset` when >= 0
  kRecv,     ///< recv(fd, buffer, length, flags)
  kSend,     ///< send(fd, buffer, length, flags | MSG_NOSIGNAL)
  kAccept,   ///< accept(fd, address, &address_length); the accepted socket
             /// (the result) is non-blocking and close-on-exec
  kConnect,  ///< connect(fd, address, address_length)
  kClose,    ///< close(fd)
  kPoll,  ///< waits until fd has one of `poll_events` (POLLIN, POLLOUT, ...);
          /// the result is revents, which may also carry POLLERR/POLLHUP
  kTimeout,  ///< completes with -ETIME after `timeout` (<= 0: next turn)
  // File-system operations. Only submitted to a reactor whose
  // SupportsFileOps() is true; elsewhere the runtime runs the same system
  // call on its blocking pool. For the ones with a path, `fd` is the
  // directory that `path` (and `second_path`) are relative to
  // (platform::kWorkingDirectory, AT_FDCWD: the working directory; the only
  // one Windows takes). FileSyscall runs them through
  // executors/platform/files.h.
  kOpenAt,    ///< openat(fd, path, flags | O_CLOEXEC, mode): the new fd
  kFsync,     ///< fsync(fd), or fdatasync(fd) when flags has kFsyncDataOnly
  kStatx,     ///< the status of `path` into `buffer`, a
              /// platform::NativeStat (executors/platform/files.h: on Linux
              /// statx(fd, path, flags, STATX_BASIC_STATS, buffer)); `path`
              /// "" with platform::StatOwnFdFlags(): the file `fd` itself
  kRenameAt,  ///< renameat2(fd, path, fd, second_path, flags) (renameat
              /// where flags is 0)
  kUnlinkAt,  ///< unlinkat(fd, path, flags): platform::kRemoveDirectory
              /// (AT_REMOVEDIR) removes a directory
  kMkdirAt,   ///< mkdirat(fd, path, mode)
};

/// kFsync's flag: sync the data (and the metadata needed to read it back),
/// not the rest of the metadata (fdatasync).
inline constexpr int kFsyncDataOnly = 1;

/// One operation in flight. The submitter owns it (usually embedded in a larger
/// object) and keeps it alive until `complete` has been called.
struct IoOperation {
  IoOpcode opcode = IoOpcode::kNop;  ///< what to do
  /// The socket or file it acts on (platform::IoHandle: the fd on POSIX,
  /// a HANDLE's value on Windows).
  platform::IoHandle fd = -1;
  void* buffer = nullptr;  ///< destination of read/recv, source of write/send
  size_t length = 0;       ///< bytes to read/recv into `buffer`, or write/send
  int64_t offset = -1;     ///< kRead/kWrite: file offset; -1 means "current"
  int flags = 0;           ///< kRecv/kSend and the file-system operations:
                           /// flags for the system call
  sockaddr* address = nullptr;   ///< kAccept: peer address out (may be null);
                                 /// kConnect: address to connect to
  socklen_t address_length = 0;  ///< kAccept: capacity in, length out;
                                 /// kConnect: length of `address`
  uint32_t poll_events = 0;      ///< kPoll: events to wait for
  std::chrono::nanoseconds timeout{0};  ///< kTimeout: relative duration
  const char* path = nullptr;           ///< file-system operations: the path
  const char* second_path = nullptr;    ///< kRenameAt: the new path
  uint32_t mode = 0;  ///< kOpenAt, kMkdirAt: permissions of what is created

  /// Called exactly once, on the driving thread, from Reactor::Run.
  void (*complete)(void* context, int32_t result) = nullptr;
  void* context = nullptr;  ///< passed to `complete`

  /// Scratch space owned by the backend while the operation is in flight.
  void* backend_state[4] = {};
};

/// One event loop. It is driven by one thread at a time (the "driving
/// thread"); the runtime may hand a reactor from one thread to another (for
/// block_in_place), always with a happens-before edge between the two.
class Reactor {
 public:
  /// Run's deadline.
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Reactor() = default;

  /// Driving thread only. Starts `op`. The completion is delivered by a later
  /// Run, never from inside Submit.
  virtual void Submit(IoOperation* op) = 0;

  /// Driving thread only. Submit, except that an operation whose system call
  /// completes at once (it did not have to wait) is finished here: its
  /// result is returned and `complete` is never called; nothing of the
  /// operation is the backend's afterwards. std::nullopt: the operation was
  /// submitted as by Submit. Lets a task go on without suspending when its
  /// I/O is ready (as tokio's poll_read does); a backend that has no such
  /// path submits (the default).
  virtual std::optional<int32_t> SubmitEager(IoOperation* op) {
    Submit(op);
    return std::nullopt;
  }

  /// Any thread. Requests cancellation of an operation; see the protocol
  /// above (item 3: it may race with the delivery of the completion).
  virtual void Cancel(IoOperation* op) = 0;

  /// Any thread. Makes the Run in progress (or the next one) return promptly.
  /// Many wakes may be coalesced into one.
  virtual void Wake() = 0;

  /// Driving thread only. Delivers the completions that are ready, waiting for
  /// at most until `deadline` for the first one (std::nullopt: no limit; a
  /// deadline in the past: do not block). Returns after a Wake, after at least
  /// one completion was delivered, or at the deadline. Returns the number of
  /// completions delivered.
  virtual absl::StatusOr<int> Run(std::optional<TimePoint> deadline) = 0;

  /// Driving thread only. Operations submitted and not yet delivered.
  virtual size_t InFlight() const = 0;

  /// Whether Submit runs the file-system opcodes (kOpenAt ... kMkdirAt) and
  /// kRead/kWrite/kFsync on regular files natively and without blocking the
  /// driving thread. When false the runtime never submits the file-system
  /// opcodes and runs every file operation on its blocking pool instead (as
  /// tokio does).
  virtual bool SupportsFileOps() const { return false; }
};

/// A backend, created once per runtime.
class Executor {
 public:
  virtual ~Executor() = default;

  /// "uring", "epoll", "uv".
  virtual std::string_view name() const = 0;

  /// Creates the reactor for one runtime thread that parks. Fails with a
  /// status that names the cause and what to do about it.
  virtual absl::StatusOr<std::unique_ptr<Reactor>> CreateReactor() = 0;
};

/// How a linked backend is found by name. Each backend library registers
/// itself from a static initializer (the library is alwayslink), so linking a
/// backend is what makes it available.
struct ExecutorRegistration {
  /// What Builder::backend() and Handle::backend() call it ("epoll").
  std::string name;
  /// Higher is preferred by `auto`: the runtime starts the most preferred
  /// linked backend and falls back to the next when it cannot start.
  int preference = 0;
  /// Probes the system and creates the backend, or says why it cannot start.
  absl::StatusOr<std::unique_ptr<Executor>> (*create)() = nullptr;
};

/// Registers a backend; returns true so that it can initialize a static.
bool RegisterExecutor(ExecutorRegistration registration);

/// The backends linked into this binary, most preferred first.
std::vector<ExecutorRegistration> LinkedExecutors();

}  // namespace weft

#endif  // WEFT_RUNTIME_EXECUTOR_H_
