#include "executors/platform/pages.h"

#include "executors/platform/target.h"

#if WEFT_PLATFORM_WINDOWS
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace weft::platform {

#if WEFT_PLATFORM_WINDOWS
// VirtualAlloc reserves and commits; its ranges start on the allocation
// granularity (64 KiB). A reservation can only be released whole, so
// giving back a part decommits it: the memory returns to the OS and the
// address range stays reserved (the pool gives back only the slack of one
// mapping per segment).
void* MapPages(size_t bytes) {
  return ::VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT,
                        PAGE_READWRITE);
}

void UnmapPages(void* start, size_t bytes) {
  ::VirtualFree(start, bytes, MEM_DECOMMIT);
}

// Decommitted and committed again: the range reads as zeroes (MEM_RESET
// would leave its contents undefined).
void DiscardPages(void* start, size_t bytes) {
  ::VirtualFree(start, bytes, MEM_DECOMMIT);
  ::VirtualAlloc(start, bytes, MEM_COMMIT, PAGE_READWRITE);
}
#else
void* MapPages(size_t bytes) {
#if WEFT_PLATFORM_LINUX
  void* mapping = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#else
  // MAP_ANONYMOUS is POSIX only since 2024; /dev/zero is the older way.
  void* mapping = MAP_FAILED;
  if (int zero = ::open("/dev/zero", O_RDWR | O_CLOEXEC); zero >= 0) {
    mapping =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
    ::close(zero);
  }
#endif
  return mapping == MAP_FAILED ? nullptr : mapping;
}

void UnmapPages(void* start, size_t bytes) { ::munmap(start, bytes); }

void DiscardPages(void* start, size_t bytes) {
#if WEFT_PLATFORM_LINUX
  ::madvise(start, bytes, MADV_DONTNEED);
#else
  ::posix_madvise(start, bytes, POSIX_MADV_DONTNEED);
#endif
}
#endif

}  // namespace weft::platform
