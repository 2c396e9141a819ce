// The per-fd state of one reactor: the fd's uv_poll_t and the operations
// waiting for it to become ready.
//
// One uv_poll_t per fd, with the union of what its waiters need, because
// libuv allows only one poll handle per fd per loop (uv_poll_init fails with
// UV_EEXIST for a second) and because a read and a write, or two reads, may
// wait on one fd at once. Waiters are kept in three FIFO lists (readers:
// kRead, kRecv, kAccept; writers: kWrite, kSend, kConnect; pollers: kPoll);
// within a list, operations complete in submission order.
//
// Lifetime: a watch exists exactly while some operation waits on its fd. The
// reactor closes it (uv_close) as soon as its last waiter leaves, because
// libuv keeps a started handle's fd registered with the kernel and demands
// that the fd stay open meanwhile; with no registration left behind, a fd
// that the runtime or the user closes (or that is closed and its number
// reused) afterwards cannot confuse the loop. The FdWatch's memory is freed
// by the handle's close callback, never before it.
//
// Invariants (driving thread, between calls): `handle.data == this`;
// `events` is what the handle was last started for (0: stopped), and, while
// the watch is in its reactor's table, it covers WantedEvents().

#ifndef WEFT_EXECUTORS_UV_FD_WATCH_H_
#define WEFT_EXECUTORS_UV_FD_WATCH_H_

#include <uv.h>

#include <cstdint>

#include "executors/common/op_list.h"
#include "runtime/executor.h"

namespace weft::uv {

using executors_common::OpList;

struct FdWatch {
  explicit FdWatch(int fd_arg) : fd(fd_arg) { handle.data = this; }
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  bool empty() const {
    return readers.empty() && writers.empty() && pollers.empty();
  }

  // The list an operation on this fd waits in.
  OpList& ListFor(const IoOperation* op);

  // The libuv events (UV_READABLE, ...) the waiters need.
  int WantedEvents() const;

  // The poll(2) events (POLLIN, ...) the pollers asked for.
  uint32_t PollerEvents() const;

  uv_poll_t handle;
  const int fd;
  OpList readers;
  OpList writers;
  OpList pollers;
  int events = 0;
};

// The libuv events that report the poll(2) events `poll_events` of a kPoll.
// Events libuv cannot watch (POLLERR, POLLHUP: always reported anyway) map
// to nothing; a kPoll that asks for nothing else waits for a hang-up.
int UvEventsForPoll(uint32_t poll_events);

}  // namespace weft::uv

#endif  // WEFT_EXECUTORS_UV_FD_WATCH_H_
