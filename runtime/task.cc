#include "runtime/task.h"

#include <exception>
#include <utility>

namespace weft {
namespace internal {
namespace {

// The frame that DestroyTaskChain is destroying on this thread and its error
// slot. A destructor in that frame may destroy another chain (which saves and
// restores this) or resume another coroutine, whose own exceptions must not
// land here: hence the promise, not just the slot.
struct DestroyingFrame {
  const TaskPromiseBase* promise = nullptr;
  std::exception_ptr* error = nullptr;
};
thread_local DestroyingFrame tls_destroying;

class DestroyingScope {
 public:
  DestroyingScope(const TaskPromiseBase* promise, std::exception_ptr* error)
      : saved_(std::exchange(tls_destroying, {promise, error})) {}
  ~DestroyingScope() { tls_destroying = saved_; }
  DestroyingScope(const DestroyingScope&) = delete;
  DestroyingScope& operator=(const DestroyingScope&) = delete;

 private:
  DestroyingFrame saved_;
};

}  // namespace

std::exception_ptr* DestroyErrorSlotFor(
    const TaskPromiseBase* promise) noexcept {
  return tls_destroying.promise == promise ? tls_destroying.error : nullptr;
}

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
    DestroyingScope scope(promise, &frame_error);
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
