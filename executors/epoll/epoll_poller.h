// The epoll backend's Poller (executors/common/poller.h): one epoll set and
// one eventfd wake-up per reactor; the readiness core does the rest.
//
// Readiness: each fd is registered EPOLLONESHOT and re-armed with
// EPOLL_CTL_MOD (ADD when it is not registered) for the union of what its
// waiters need, only when an operation would block. One-shot costs one
// epoll_ctl per wait, and buys robustness: the runtime or the user may close
// an fd behind the reactor's back, or another reactor may use it too, and a
// stale registration then only produces a spurious event, which the retried
// system call answers with EAGAIN (and a re-arm). A persistent edge-triggered
// registration would save that epoll_ctl but hang forever on an fd number
// that was closed and reused without the reactor knowing. An fd epoll
// refuses (EPERM: a regular file) is reported as such, and the core does its
// operations synchronously.
//
// Invariants (driving thread, between calls): a watched fd is armed for at
// least the events asked for; an fd not watched has armed == 0 (its old
// arm, if any, is forgotten so that a reused fd number is armed afresh).

#ifndef WEFT_EXECUTORS_EPOLL_EPOLL_POLLER_H_
#define WEFT_EXECUTORS_EPOLL_EPOLL_POLLER_H_

#include <sys/epoll.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/common/eventfd_waker.h"
#include "executors/common/poller.h"

namespace weft::epoll {

class EpollPoller final : public executors_common::Poller {
 public:
  // Fails with a status naming the system call and the cause (EMFILE, ...).
  static absl::StatusOr<std::unique_ptr<executors_common::Poller>> Create();

  ~EpollPoller() override;

  int Watch(platform::IoHandle fd, uint32_t events) override;
  void Unwatch(platform::IoHandle fd) override;
  int32_t Close(platform::IoHandle fd) override;
  absl::StatusOr<bool> Wait(
      std::optional<std::chrono::nanoseconds> timeout) override;
  void Wake() override { waker_.Wake(); }

 private:
  struct FdState {
    uint32_t armed = 0;       // events of the outstanding one-shot arm; 0: none
    bool registered = false;  // a hint: MOD first, else ADD first
  };

  EpollPoller(int epoll_fd, int event_fd);

  // Waits for events into events_ (no limit without a timeout); returns
  // their count, 0 after EINTR.
  absl::StatusOr<int> WaitForEvents(
      std::optional<std::chrono::nanoseconds> timeout);

  const int epoll_fd_;
  executors_common::EventfdWaker waker_;
  std::vector<FdState> fds_;  // indexed by fd
  std::array<epoll_event, 256> events_;
};

}  // namespace weft::epoll

#endif  // WEFT_EXECUTORS_EPOLL_EPOLL_POLLER_H_
