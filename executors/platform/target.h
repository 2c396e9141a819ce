// Which path the platform layer (and the backends' shared code) compiles:
//
// WEFT_PLATFORM_LINUX: 1 where it may use Linux's own calls (statx,
// accept4, SOCK_NONBLOCK, pipe2, ...), 0 where it must keep to POSIX.
// Linux builds take 1; the strict POSIX profile (no _GNU_SOURCE, see
// docs/PLATFORMS.md) takes 0, so that the path macOS and the BSDs would take
// is compiled on every change.
//
// WEFT_PLATFORM_WINDOWS: 1 on Windows (Winsock instead of BSD sockets on
// fds; --config=windows).
//
// Only code under executors/ may test them; runtime/ has no #if.

#ifndef WEFT_EXECUTORS_PLATFORM_TARGET_H_
#define WEFT_EXECUTORS_PLATFORM_TARGET_H_

#if defined(__linux__) && defined(_GNU_SOURCE)
#define WEFT_PLATFORM_LINUX 1
#else
#define WEFT_PLATFORM_LINUX 0
#endif

#if defined(_WIN32)
#define WEFT_PLATFORM_WINDOWS 1
#else
#define WEFT_PLATFORM_WINDOWS 0
#endif

#endif  // WEFT_EXECUTORS_PLATFORM_TARGET_H_
