// Poller: what a backend over a readiness API (epoll, libuv's uv_poll_t,
// poll(2)) provides to the readiness core (readiness_reactor.h), which does
// everything else: how it waits for fds to become ready, and how another
// thread wakes that wait. The core decides what to wait for; the poller
// only keeps the OS's registrations in step with it.
//
// Events are poll(2)'s bits (POLLIN, POLLOUT, POLLPRI, POLLRDHUP, ...;
// epoll's have the same values); POLLERR and POLLHUP are always reported,
// asked for or not.
//
// Threading: Wake from any thread; everything else from the driving thread
// of the core that owns the poller.

#ifndef WEFT_EXECUTORS_COMMON_POLLER_H_
#define WEFT_EXECUTORS_COMMON_POLLER_H_

#include <chrono>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "runtime/executor.h"

namespace weft::executors_common {

// What a poller reports to, from inside its Wait. Implemented by the core.
class ReadinessSink {
 public:
  // `fd` has `revents`. May call back into the poller (Watch, Unwatch).
  virtual void OnReady(platform::IoHandle fd, uint32_t revents) = 0;

  // An operation the poller took with Offload completed with `result`
  // (>= 0 or -errno). Also allowed from inside Offload, for an offload that
  // failed to start.
  virtual void OnOffloadDone(IoOperation* op, int32_t result) = 0;

 protected:
  ~ReadinessSink() = default;
};

class Poller {
 public:
  virtual ~Poller() = default;

  // Called once, by the core that takes ownership of this poller.
  void Attach(ReadinessSink* sink) { sink_ = sink; }

  // Wait reports `fd` once it has one of `events` (replacing what was asked
  // before; a poller may keep watching for more, which costs only a
  // spurious report). Returns 0, or an errno value: EPERM when the fd cannot
  // be waited for (a regular file), then the core runs its operations
  // without waiting.
  virtual int Watch(platform::IoHandle fd, uint32_t events) = 0;

  // Nothing waits on `fd` any more (and it may be closed next).
  virtual void Unwatch(platform::IoHandle fd) = 0;

  // kClose: closes `fd` (after its Unwatch, if it was watched) and forgets
  // whatever the poller keeps for it. Returns 0 or -errno. The default is
  // close(2).
  virtual int32_t Close(platform::IoHandle fd);

  // Waits until a watched fd is ready, a Wake, an offloaded completion or
  // the timeout (std::nullopt: no limit; zero or less: do not block), and
  // reports what happened to the sink. Returns whether a Wake arrived. May
  // return early (EINTR, a coarse clock): the core waits again.
  virtual absl::StatusOr<bool> Wait(
      std::optional<std::chrono::nanoseconds> timeout) = 0;

  // Any thread: makes the Wait in progress (or the next one) return.
  virtual void Wake() = 0;

  // Whether the revents Wait reports are poll(2)'s exactly. If not (libuv
  // reports only readable/writable), the core asks poll(2) for a kPoll's.
  virtual bool exact_events() const { return true; }

  // Whether Offload takes every file-system opcode (kOpenAt, kFsync,
  // kStatx, kRenameAt, kUnlinkAt, kMkdirAt) and never blocks the driving
  // thread on one (libuv: uv_fs_* in its thread pool). The core's
  // SupportsFileOps() says what this says; when false, the runtime runs
  // file operations on its blocking pool and never submits those opcodes.
  virtual bool SupportsFileOps() const { return false; }

  // A kRead or kWrite the poller would rather run itself (libuv: a regular
  // file, in its thread pool), or a file-system opcode when SupportsFileOps()
  // is true. Returns false to leave it to the core (never for a file-system
  // opcode it supports); true when it took it, and then reports its
  // completion through OnOffloadDone.
  virtual bool Offload(IoOperation* op) {
    (void)op;
    return false;
  }

  // Asks an offloaded operation to stop. It still completes exactly once,
  // with -ECANCELED or its real result.
  virtual void CancelOffloaded(IoOperation* op) { (void)op; }

 protected:
  ReadinessSink& sink() { return *sink_; }

 private:
  ReadinessSink* sink_ = nullptr;
};

}  // namespace weft::executors_common

#endif  // WEFT_EXECUTORS_COMMON_POLLER_H_
