#include "executors/platform/pages.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "executors/platform/target.h"

namespace weft::platform {

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

}  // namespace weft::platform
