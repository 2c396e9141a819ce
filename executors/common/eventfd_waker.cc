#include "executors/common/eventfd_waker.h"

#include <errno.h>
#include <unistd.h>

#include <cstdint>

namespace weft::executors_common {

EventfdWaker::~EventfdWaker() { close(fd_); }

void EventfdWaker::Wake() {
  if (!state_.Wake()) return;
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

}  // namespace weft::executors_common
