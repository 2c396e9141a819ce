#include "executors/epoll/waker.h"

#include <errno.h>
#include <unistd.h>

#include <cstdint>

namespace weft::epoll {

Waker::~Waker() { close(fd_); }

void Waker::Wake() {
  if (pending_.exchange(true, std::memory_order_acq_rel)) return;
  const uint64_t one = 1;
  for (;;) {
    if (write(fd_, &one, sizeof one) >= 0) return;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return;
    // The counter is at its maximum (it is never read back): reset it, then
    // write again so that the edge-triggered registration sees a new event.
    uint64_t ignored;
    if (read(fd_, &ignored, sizeof ignored) < 0 && errno != EAGAIN) return;
  }
}

}  // namespace weft::epoll
