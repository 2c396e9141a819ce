#include "runtime/runtime_id.h"

#include <atomic>

namespace weft {

RuntimeId RuntimeId::Next() {
  static std::atomic<uint64_t> next{1};
  return RuntimeId(next.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace weft
