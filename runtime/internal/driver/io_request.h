// IoRequest and IoAwaiter: one I/O operation of a task, submitted to the
// backend through the thread's driver (see Driver::Submit).
//
// The request, not the task, owns the memory the backend touches: the
// IoOperation, a bounce buffer (written data is copied in before submission,
// read data copied out after completion) and the socket address. The request
// is shared by the awaiter and the reactor (two references); the reactor's
// reference is dropped when the completion is delivered. So when a task is
// aborted in the middle of an operation, its awaiter asks the backend to
// cancel and lets go; the backend may still write into the bounce buffer
// until the completion arrives, and no memory of the task is touched.

#ifndef WEFT_RUNTIME_INTERNAL_DRIVER_IO_REQUEST_H_
#define WEFT_RUNTIME_INTERNAL_DRIVER_IO_REQUEST_H_

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "executors/platform/socket_types.h"
#include "runtime/executor.h"
#include "runtime/internal/driver/driver.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/waker.h"

namespace weft::internal {

class IoRequest {
 public:
  // A request with a bounce buffer of `buffer_size` bytes, referenced by its
  // creator and, once submitted, by the reactor.
  static IoRequest* New(IoOpcode opcode, platform::IoHandle fd,
                        size_t buffer_size);
  void Unref();

  IoOperation& op() { return op_; }
  char* buffer() { return buffer_; }
  sockaddr_storage& address() { return address_; }
  bool done() const { return done_.load(std::memory_order_acquire); }
  int32_t result() const { return result_; }

  // Submits on `driver` (this thread's); the completion wakes `waker`.
  void Submit(Driver& driver, Waker waker);
  // Submit, or, when this thread drives `driver` and the backend finishes
  // the operation at once (Reactor::SubmitEager), the result: then the
  // request is complete and no waker is made (`waker_target` is woken by
  // the completion otherwise).
  std::optional<int32_t> SubmitEager(Driver& driver, Wakeable* waker_target);
  // Instead of Submit, for an operation that something else runs (the
  // blocking pool, when the backend does not do file operations): takes the
  // runner's reference, which op().complete(op().context, result) drops, on
  // any thread, exactly once. Cancel then does nothing: the result comes
  // when the runner is done.
  void SubmitElsewhere(Waker waker);
  // Keeps `owner` alive as long as the request (an open file, so that its
  // fd is not closed, and its number not reused, while the backend may
  // still use it).
  void KeepAlive(std::shared_ptr<const void> owner) {
    keep_alive_ = std::move(owner);
  }
  // Asks the backend to cancel, if submitted and not complete.
  void Cancel();
  // The awaiter is gone without taking the result: a resource the
  // operation produced (an accepted socket) is released, now or when the
  // completion arrives.
  void Abandon();

 private:
  IoRequest() = default;
  static void OnComplete(void* context, int32_t result);
  void ReleaseResult();

  // kPending -> kComplete (the completion) or kAbandoned (the awaiter);
  // whoever comes second releases an unclaimed result.
  enum : uint8_t { kPending, kComplete, kAbandoned };
  std::atomic<uint8_t> ownership_{kPending};

  IoOperation op_;
  std::atomic<uint32_t> refs_{1};
  std::atomic<bool> done_{false};
  int32_t result_ = 0;
  Waker waker_;
  Driver* driver_ = nullptr;
  sockaddr_storage address_{};
  std::shared_ptr<const void> keep_alive_;
  char* buffer_ = nullptr;
};

// The awaitable of one request: suspends the task until its completion.
class IoAwaiter final : public Pollable {
 public:
  // Runs a request elsewhere (see IoRequest::SubmitElsewhere, which has
  // been called when it is).
  using Runner = void (*)(IoRequest* request);

  // `operation` names the call for the UsageError outside a runtime. With
  // a `runner`, the request goes to it instead of the thread's driver.
  IoAwaiter(const char* operation, IoRequest* request, Runner runner = nullptr)
      : operation_(operation), request_(request), runner_(runner) {}
  IoAwaiter(IoAwaiter&& other) noexcept
      : operation_(other.operation_),
        request_(std::exchange(other.request_, nullptr)),
        runner_(other.runner_),
        taken_(other.taken_) {}
  ~IoAwaiter();

  bool await_ready() const noexcept { return false; }
  // False (resume at once) when the backend finished the operation without
  // waiting and the task's cooperative budget allows going on.
  bool await_suspend(std::coroutine_handle<> handle);
  // The result: >= 0, or -errno.
  int32_t await_resume() {
    taken_ = true;
    return request_->result();
  }
  bool IsReady() override { return request_->done(); }

  IoRequest& request() { return *request_; }

 private:
  const char* operation_;
  IoRequest* request_;
  Runner runner_;
  bool taken_ = false;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_DRIVER_IO_REQUEST_H_
