// Memory straight from the OS, for the runtime's task memory pool: zeroed
// anonymous pages, and a way to hand their contents back while keeping the
// address range.

#ifndef WEFT_EXECUTORS_PLATFORM_PAGES_H_
#define WEFT_EXECUTORS_PLATFORM_PAGES_H_

#include <cstddef>

namespace weft::platform {

/// `bytes` of zeroed, readable and writable memory, aligned to the OS page
/// size, or nullptr when the OS refuses.
void* MapPages(size_t bytes);
/// Returns a part of what MapPages gave to the OS.
void UnmapPages(void* start, size_t bytes);
/// Lets the OS reclaim the memory behind the range (it reads as zeroes, or
/// as before where the platform only takes this as advice); the range stays
/// usable.
void DiscardPages(void* start, size_t bytes);

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_PAGES_H_
