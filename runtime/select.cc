#include "runtime/select.h"

#include <cstdint>

namespace weft::internal {

size_t RandomBranch(size_t count) {
  // xorshift64*, one state per thread: cheap, and fair enough to keep
  // every branch from starving.
  thread_local uint64_t state =
      0x9E3779B97F4A7C15ull ^ reinterpret_cast<uintptr_t>(&state);
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return static_cast<size_t>((state * 0x2545F4914F6CDD1Dull) >> 32) % count;
}

}  // namespace weft::internal
