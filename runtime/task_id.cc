#include "runtime/task_id.h"

#include <atomic>
#include <cstdint>

namespace weft {

namespace {

// Each thread takes ids from the process-wide counter a block at a time, so
// that a spawn does not bounce the counter's cache line between workers.
constexpr uint64_t kIdBlock = 1024;

std::atomic<uint64_t> next_block{1};

struct IdBlock {
  uint64_t next = 0;
  uint64_t end = 0;
};
thread_local IdBlock ids;

}  // namespace

TaskId TaskId::Next() {
  if (ids.next == ids.end) {
    ids.next = next_block.fetch_add(kIdBlock, std::memory_order_relaxed);
    ids.end = ids.next + kIdBlock;
  }
  return TaskId(ids.next++);
}

}  // namespace weft
