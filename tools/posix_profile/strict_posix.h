// Forced first in every compilation of the strict POSIX profile
// (`bazel build --config=posix`, see docs/PLATFORMS.md): the build runs
// without _GNU_SOURCE, so glibc declares POSIX only, and this header then
// poisons the Linux-only calls and flags, so that using one in the portable
// path is a compile error that names it.
//
// libstdc++ 12 on glibc assumes _GNU_SOURCE (g++ always defines it): its
// <mutex>, <condition_variable>, <shared_mutex> and <atomic> call four
// glibc functions that glibc then does not declare. They are declared here
// for libstdc++'s sake only, and the standard headers that use them are
// included before the poison so that no other code can name them.

#ifndef WEFT_TOOLS_POSIX_PROFILE_STRICT_POSIX_H_
#define WEFT_TOOLS_POSIX_PROFILE_STRICT_POSIX_H_

#if defined(_GNU_SOURCE)
#error "the strict POSIX profile builds without _GNU_SOURCE (-U_GNU_SOURCE)"
#endif

#include <pthread.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
int pthread_cond_clockwait(pthread_cond_t*, pthread_mutex_t*, clockid_t,
                           const struct timespec*);
int pthread_mutex_clocklock(pthread_mutex_t*, clockid_t,
                            const struct timespec*);
int pthread_rwlock_clockrdlock(pthread_rwlock_t*, clockid_t,
                               const struct timespec*);
int pthread_rwlock_clockwrlock(pthread_rwlock_t*, clockid_t,
                               const struct timespec*);
long syscall(long, ...);
}

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <stop_token>
#include <thread>
#endif

// glibc defines these two whatever the feature macros: include the header
// that defines them before poisoning them.
#include <sys/socket.h>

// Linux's own calls and flags (the portable path must do without them).
#pragma GCC poison syscall pthread_cond_clockwait pthread_mutex_clocklock
#pragma GCC poison accept4 SOCK_NONBLOCK SOCK_CLOEXEC pipe2 dup3
#pragma GCC poison epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait
#pragma GCC poison eventfd signalfd timerfd_create io_uring_setup
#pragma GCC poison statx renameat2 preadv2 pwritev2 RWF_NOWAIT
#pragma GCC poison pthread_setname_np strerrordesc_np strerrorname_np
#pragma GCC poison MAP_ANONYMOUS MADV_DONTNEED POLLRDHUP

#endif  // WEFT_TOOLS_POSIX_PROFILE_STRICT_POSIX_H_
