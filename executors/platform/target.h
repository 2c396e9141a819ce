// WEFT_PLATFORM_LINUX: 1 where the platform layer (and the backends' shared
// code) may use Linux's own calls (statx, accept4, SOCK_NONBLOCK,
// pipe2, ...), 0 where it must keep to POSIX. Linux builds take 1; the
// strict POSIX profile (no _GNU_SOURCE, see docs/PLATFORMS.md) takes 0, so
// that the path macOS and the BSDs would take is compiled on every change.
// Only code under executors/ may test it; runtime/ has no #if.

#ifndef WEFT_EXECUTORS_PLATFORM_TARGET_H_
#define WEFT_EXECUTORS_PLATFORM_TARGET_H_

#if defined(__linux__) && defined(_GNU_SOURCE)
#define WEFT_PLATFORM_LINUX 1
#else
#define WEFT_PLATFORM_LINUX 0
#endif

#endif  // WEFT_EXECUTORS_PLATFORM_TARGET_H_
