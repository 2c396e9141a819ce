// Task memory without the pool: plain operator new and delete, for sanitizer
// builds (see task_memory.h).

#include <new>

#include "runtime/internal/memory/task_memory.h"

namespace weft::internal {

void* AllocateTaskMemory(size_t size) { return ::operator new(size); }

void FreeTaskMemory(void* block, size_t size) noexcept {
  ::operator delete(block, size);
}

void FlushTaskMemory() noexcept {}

TaskMemoryStats GetTaskMemoryStats() { return {}; }

}  // namespace weft::internal
