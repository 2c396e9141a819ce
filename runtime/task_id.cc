#include "runtime/task_id.h"

#include <atomic>
#include <cstdint>

namespace weft {

TaskId TaskId::Next() {
  static std::atomic<uint64_t> next_id{1};
  return TaskId(next_id.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace weft
