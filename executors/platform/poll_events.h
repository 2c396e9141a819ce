// poll(2)'s event bits (POLLIN, POLLOUT, POLLERR, ...) and MSG_PEEK, for
// the readiness core and its pollers, from wherever the platform defines
// them: <poll.h> and <sys/socket.h> on POSIX, Winsock's headers on Windows
// (the same names; WSAPoll takes them).

#ifndef WEFT_EXECUTORS_PLATFORM_POLL_EVENTS_H_
#define WEFT_EXECUTORS_PLATFORM_POLL_EVENTS_H_

#include "executors/platform/socket_types.h"
#include "executors/platform/target.h"

#if !WEFT_PLATFORM_WINDOWS
#include <poll.h>
#endif

#endif  // WEFT_EXECUTORS_PLATFORM_POLL_EVENTS_H_
