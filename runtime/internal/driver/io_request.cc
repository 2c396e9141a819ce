#include "runtime/internal/driver/io_request.h"

#include <new>
#include <string>

#include "executors/platform/files.h"
#include "executors/platform/sockets.h"
#include "runtime/errors.h"

namespace weft::internal {

IoRequest* IoRequest::New(IoOpcode opcode, platform::IoHandle fd,
                          size_t buffer_size) {
  // One allocation: the request, then its bounce buffer.
  void* memory = ::operator new(sizeof(IoRequest) + buffer_size);
  auto* request = new (memory) IoRequest();
  request->buffer_ =
      buffer_size > 0 ? reinterpret_cast<char*>(request + 1) : nullptr;
  request->op_.opcode = opcode;
  request->op_.fd = fd;
  request->op_.buffer = request->buffer_;
  request->op_.length = buffer_size;
  request->op_.complete = &IoRequest::OnComplete;
  request->op_.context = request;
  return request;
}

void IoRequest::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    this->~IoRequest();
    ::operator delete(this);
  }
}

void IoRequest::Submit(Driver& driver, Waker waker) {
  waker_ = std::move(waker);
  driver_ = &driver;
  refs_.fetch_add(1, std::memory_order_relaxed);  // the reactor's
  driver_->Submit(&op_);
}

std::optional<int32_t> IoRequest::SubmitEager(Driver& driver,
                                              Wakeable* waker_target) {
  if (!driver.OnDrivingThread()) {
    Submit(driver, Waker(waker_target));
    return std::nullopt;
  }
  driver_ = &driver;
  std::optional<int32_t> result = driver.SubmitEager(&op_);
  if (result.has_value()) {
    result_ = *result;
    ownership_.store(kComplete, std::memory_order_relaxed);
    done_.store(true, std::memory_order_release);
    return result;
  }
  // The reactor keeps the operation. Both are safe after the submission:
  // the completion is delivered by this thread's next Park, never before
  // SubmitEager returns.
  refs_.fetch_add(1, std::memory_order_relaxed);  // the reactor's
  waker_ = Waker(waker_target);
  return std::nullopt;
}

void IoRequest::SubmitElsewhere(Waker waker) {
  waker_ = std::move(waker);
  refs_.fetch_add(1, std::memory_order_relaxed);  // the runner's
}

void IoRequest::Cancel() {
  if (driver_ != nullptr && !done()) driver_->Cancel(&op_);
}

void IoRequest::OnComplete(void* context, int32_t result) {
  auto* request = static_cast<IoRequest*>(context);
  request->result_ = result;
  Waker waker = std::move(request->waker_);
  request->done_.store(true, std::memory_order_release);
  if (request->ownership_.exchange(kComplete, std::memory_order_acq_rel) ==
      kAbandoned) {
    request->ReleaseResult();
  }
  std::move(waker).wake_and_drop();
  request->Unref();
}

void IoRequest::Abandon() {
  if (ownership_.exchange(kAbandoned, std::memory_order_acq_rel) == kComplete) {
    ReleaseResult();
  }
}

void IoRequest::ReleaseResult() {
  // An accept or an open that won the race against its cancel produced a
  // descriptor that nobody will own.
  if (result_ < 0) return;
  if (op_.opcode == IoOpcode::kAccept) platform::CloseSocket(result_);
  if (op_.opcode == IoOpcode::kOpenAt) platform::CloseFile(result_);
}

IoAwaiter::~IoAwaiter() {
  if (request_ == nullptr) return;
  if (!taken_) {
    request_->Cancel();
    request_->Abandon();
  }
  request_->Unref();
}

bool IoAwaiter::await_suspend(std::coroutine_handle<> handle) {
  ExecContext& context = ContextFor(operation_);
  if (runner_ != nullptr) {
    request_->SubmitElsewhere(Waker(context.waker_target));
    runner_(request_);
    SuspendOn(handle, this, WaitKind::kIo);
    return true;
  }
  Driver* driver = CurrentDriver();
  if (driver == nullptr) {
    throw UsageError(std::string(operation_) +
                     " awaited on a thread without a weft driver: await it "
                     "in a task or inside Runtime::block_on");
  }
  // Going on without suspending spends the budget, as tokio's I/O does: a
  // task whose socket is always ready still yields now and then.
  if (TryConsumeBudget()) {
    if (request_->SubmitEager(*driver, context.waker_target).has_value()) {
      return false;
    }
  } else {
    request_->Submit(*driver, Waker(context.waker_target));
  }
  SuspendOn(handle, this, WaitKind::kIo);
  return true;
}

}  // namespace weft::internal
