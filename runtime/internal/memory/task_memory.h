// Task memory: where task cells and coroutine frames live.
//
// Every spawned task allocates a cell and at least one coroutine frame, and
// with several workers the blocks are often freed on another thread than the
// one that allocated them (a task spawned on one worker completes on the
// worker that stole it). glibc's malloc serves that badly: blocks of these
// sizes miss its per-thread cache, are coalesced on every free, and a free
// into another thread's arena takes that arena's lock. This allocator keeps
// blocks of up to kMaxPooledBlock bytes in 64 KiB pages owned by one thread's
// heap: the owner allocates and frees without atomics; another thread hands
// a block back through a lock-free list the owner collects when it runs out,
// in batches of a few dozen blocks.
// A thread's heap outlives the thread (it is adopted by the next thread that
// needs one), so blocks may be freed anywhere, at any time.
//
// Sanitizer builds use plain operator new and delete instead (BUILD.bazel
// selects the implementation), so that AddressSanitizer still sees every
// use after free in the runtime.

#ifndef WEFT_RUNTIME_INTERNAL_MEMORY_TASK_MEMORY_H_
#define WEFT_RUNTIME_INTERNAL_MEMORY_TASK_MEMORY_H_

#include <cstddef>

namespace weft::internal {

// Blocks larger than this go to operator new.
inline constexpr size_t kMaxPooledBlock = 1024;

// Never returns nullptr; throws std::bad_alloc. Aligned for any object of
// fundamental alignment.
void* AllocateTaskMemory(size_t size);
// `size` must be the size that AllocateTaskMemory was given.
void FreeTaskMemory(void* block, size_t size) noexcept;

// Hands the blocks this thread freed for other threads' heaps, which it
// gathers to hand over several at a time, to their owners now. A thread
// calls it before it may block for long (a worker before it parks), so
// that the blocks can be reused meanwhile.
void FlushTaskMemory() noexcept;

// What the pool holds from the system, for tests and diagnostics (both 0 in
// builds without the pool).
struct TaskMemoryStats {
  size_t pages = 0;       // pages held by threads' heaps (used or spare)
  size_t page_bytes = 0;  // the size of one page
};
TaskMemoryStats GetTaskMemoryStats();

// A base that makes a class's objects (and its derived classes') live in
// task memory. Sized delete: a class with a virtual destructor gets the
// dynamic type's size.
struct InTaskMemory {
  static void* operator new(size_t size) { return AllocateTaskMemory(size); }
  static void operator delete(void* block, size_t size) noexcept {
    FreeTaskMemory(block, size);
  }
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_MEMORY_TASK_MEMORY_H_
