#include "executors/common/eventfd_waker.h"

#include <errno.h>
#include <unistd.h>

#include <cstdint>

namespace weft::executors_common {

EventfdWaker::~EventfdWaker() { close(fd_); }

void EventfdWaker::Wake() {
  const uint8_t before =
      state_.fetch_or(kWakePending, std::memory_order_acq_rel);
  // Pending already, or the driving thread is not blocking and will see the
  // flag before it does.
  if ((before & kWakePending) != 0 || (before & kBlocking) == 0) return;
  const uint64_t one = 1;
  for (;;) {
    if (write(fd_, &one, sizeof one) >= 0) return;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return;
    // The counter is at its maximum (it is rarely read back): empty it, then
    // write again so that the watch sees a new event.
    uint64_t ignored;
    if (read(fd_, &ignored, sizeof ignored) < 0 && errno != EAGAIN) return;
  }
}

bool EventfdWaker::Drain() {
  uint64_t ignored;
  while (read(fd_, &ignored, sizeof ignored) < 0 && errno == EINTR) {
  }
  return Consume();
}

bool EventfdWaker::BeginBlockingWait() {
  const uint8_t before = state_.fetch_or(kBlocking, std::memory_order_acq_rel);
  if ((before & kWakePending) == 0) return true;
  // The wake-up is answered by not blocking. Every Wake() until this store
  // returns at the flag, so the state can be reset whole. (An event written
  // while the last wait was ending may still arrive: a spurious wake-up.)
  state_.store(0, std::memory_order_release);
  return false;
}

}  // namespace weft::executors_common
