#include "runtime/task.h"

namespace weft {
namespace internal {

void DestroyTaskChain(std::coroutine_handle<> root,
                      TaskPromiseBase* root_promise) {
  TaskPromiseBase* innermost = root_promise;
  while (innermost->awaiting_child != nullptr) {
    innermost = innermost->awaiting_child;
  }
  std::exception_ptr first_error;
  auto destroy = [&first_error](std::coroutine_handle<> handle,
                                TaskPromiseBase* promise) {
    std::exception_ptr frame_error;
    promise->destroy_error = &frame_error;
    try {
      handle.destroy();
    } catch (...) {
      frame_error = std::current_exception();
    }
    if (frame_error) {
      // g++ routes a destructor's exception to unhandled_exception and leaves
      // the frame suspended at its final point instead of freeing it; a
      // second destroy() frees it.
      if (handle.done()) handle.destroy();
      if (!first_error) first_error = frame_error;
    }
  };
  while (innermost != root_promise) {
    TaskPromiseBase* parent = innermost->parent;
    std::coroutine_handle<> handle = std::exchange(*innermost->owner_slot, {});
    parent->awaiting_child = nullptr;
    destroy(handle, innermost);
    innermost = parent;
  }
  destroy(root, root_promise);
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace internal

}  // namespace weft
