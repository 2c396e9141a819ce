#include "executors/uv/fd_watch.h"

#include <poll.h>
#include <uv.h>

#include <cstdint>

#include "executors/uv/op_state.h"

namespace weft::uv {

OpList& FdWatch::ListFor(const IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kRead:
    case IoOpcode::kRecv:
    case IoOpcode::kAccept:
      return readers;
    case IoOpcode::kWrite:
    case IoOpcode::kSend:
    case IoOpcode::kConnect:
      return writers;
    default:
      return pollers;
  }
}

int FdWatch::WantedEvents() const {
  int wanted = 0;
  if (!readers.empty()) wanted |= UV_READABLE;
  if (!writers.empty()) wanted |= UV_WRITABLE;
  if (!pollers.empty()) wanted |= UvEventsForPoll(PollerEvents());
  return wanted;
}

uint32_t FdWatch::PollerEvents() const {
  uint32_t events = 0;
  for (IoOperation* op = pollers.front(); op != nullptr; op = NextOf(op)) {
    events |= op->poll_events;
  }
  return events;
}

int UvEventsForPoll(uint32_t poll_events) {
  int events = 0;
  if ((poll_events & (POLLIN | POLLRDNORM | POLLRDBAND)) != 0) {
    events |= UV_READABLE;
  }
  if ((poll_events & (POLLOUT | POLLWRNORM | POLLWRBAND)) != 0) {
    events |= UV_WRITABLE;
  }
  if ((poll_events & POLLPRI) != 0) events |= UV_PRIORITIZED;
#if defined(POLLRDHUP)
  if ((poll_events & POLLRDHUP) != 0) events |= UV_DISCONNECT;
#endif
  // A handle started for no event is stopped, and would report nothing at
  // all; UV_DISCONNECT keeps the fd watched for its hang-up and errors.
  return events != 0 ? events : UV_DISCONNECT;
}

}  // namespace weft::uv
