// BlockOnBody: the body of a Runtime::block_on call, driven on the calling
// thread. It is not a task: it has no id, it never moves to another thread,
// and it is woken by waking the thread (its driver, or a condition variable
// when the thread waits without one).

#ifndef WEFT_RUNTIME_INTERNAL_SCHEDULER_BLOCK_ON_BODY_H_
#define WEFT_RUNTIME_INTERNAL_SCHEDULER_BLOCK_ON_BODY_H_

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <mutex>

#include "runtime/internal/driver/driver.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/waker.h"

namespace weft::internal {

class BlockOnBody final : public Wakeable {
 public:
  // Starts with one reference, the caller's.
  explicit BlockOnBody(std::coroutine_handle<> root);

  void Wake() override;
  void Ref() override { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() override {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  bool done() const { return root_.done(); }
  // True when a wake arrived since the last Turn (or the body yielded).
  bool notified() const { return notified_.load(std::memory_order_acquire); }
  // Resumes the body if it was woken and what it waits for is ready.
  void Turn();
  // Which driver a Wake must interrupt (nullptr: the condition variable).
  void SetDriver(Driver* driver);
  // Waits on the condition variable until notified.
  void WaitForWake();

 private:
  ~BlockOnBody() = default;

  std::atomic<uint32_t> refs_{1};
  std::atomic<bool> notified_{true};
  std::coroutine_handle<> root_;
  ExecContext context_;
  std::mutex mu_;
  std::condition_variable woken_;
  Driver* driver_ = nullptr;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_SCHEDULER_BLOCK_ON_BODY_H_
