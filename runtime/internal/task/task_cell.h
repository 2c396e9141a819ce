// The concrete tasks behind a TaskHeader: a JoinableTask<T> stores the output
// a JoinHandle<T> takes; a CoroutineTask runs a Task<T> (kept with the
// callable that made it, so a lambda's captures live as long as the task);
// a BlockingTask runs a plain function on the blocking pool.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_TASK_CELL_H_
#define WEFT_RUNTIME_INTERNAL_TASK_TASK_CELL_H_

#include <concepts>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>
#include <variant>

#include "runtime/errors.h"
#include "runtime/internal/task/task_header.h"
#include "runtime/join_error.h"
#include "runtime/task.h"

namespace weft::internal {

template <typename T>
class JoinableTask : public TaskHeader {
 public:
  // Precondition: IsComplete(). Throws UsageError if it was taken already.
  JoinResult<T> TakeOutput() {
    if (error_ != nullptr) {
      JoinResult<T> result = std::unexpected(std::move(*error_));
      error_.reset();
      return result;
    }
    if (!value_.has_value()) {
      throw UsageError(
          "JoinHandle awaited again after its output was taken: await a "
          "JoinHandle once (awaiting it by reference inside select leaves the "
          "output for the next await)");
    }
    if constexpr (std::is_void_v<T>) {
      value_.reset();
      return JoinResult<T>();
    } else {
      JoinResult<T> result(std::move(*value_));
      value_.reset();
      return result;
    }
  }

  // Precondition: IsComplete() and the output not yet taken. The error the
  // task ended with (cancelled or panicked), or nullptr if it returned.
  // Lets a waker of the JoinHandle (a scope) classify the outcome on the
  // completing thread without taking the output.
  const JoinError* ErrorOutput() const { return error_.get(); }

 protected:
  using TaskHeader::TaskHeader;

  void SetCancelled(std::exception_ptr panic) {
    error_ = std::make_unique<JoinError>(
        panic ? JoinError::Panic(id(), this->SharedName(), location(),
                                 std::move(panic))
              : JoinError::Cancelled(id(), this->SharedName(), location()));
  }
  void SetPanic(std::exception_ptr panic) { SetCancelled(std::move(panic)); }
  void DropOutput() final {
    value_.reset();
    error_.reset();
  }

  // The output, split so that an idle task does not carry an inline
  // JoinError (64 bytes): the value in place, an error (cancellation or
  // panic, the rare case) out of line.
  std::optional<std::conditional_t<std::is_void_v<T>, std::monostate, T>>
      value_;
  std::unique_ptr<JoinError> error_;
};

// Body is either Task<T> itself or a callable returning Task<T>.
template <typename T, typename Body>
class CoroutineTask final : public JoinableTask<T> {
  static constexpr bool kBodyIsTask = std::is_same_v<Body, Task<T>>;

 public:
  CoroutineTask(Body body, SpawnOptions options)
      : JoinableTask<T>(std::move(options), /*async=*/true) {
    if constexpr (kBodyIsTask) {
      StartWith(std::move(body));
    } else {
      callable_.emplace(std::move(body));
    }
  }

 private:
  using JoinableTask<T>::context_;

  // The first poll resumes the task's coroutine from its start.
  void StartWith(Task<T> task) {
    task_ = std::move(task);
    context_.resume = task_.handle();
    context_.pollable = nullptr;
  }

  bool PollBody() override {
    if constexpr (!kBodyIsTask) {
      if (!task_.valid()) {
        try {
          StartWith(std::invoke(*callable_));
        } catch (...) {
          failure_ = std::current_exception();
          return true;
        }
      }
    }
    context_.ResumeIfReady();
    return task_.done();
  }

  bool CompleteBody() override {
    std::exception_ptr panic = failure_;
    if (!panic) {
      try {
        if constexpr (std::is_void_v<T>) {
          task_.promise().TakeResult();
          this->value_.emplace();
        } else {
          this->value_.emplace(task_.promise().TakeResult());
        }
      } catch (...) {
        panic = std::current_exception();
      }
    }
    if (std::exception_ptr error = DestroyBody(); error && !panic) {
      panic = error;
    }
    if (panic) {
      this->SetPanic(panic);
      return false;
    }
    return true;
  }

  void CancelBody() override { this->SetCancelled(DestroyBody()); }

  // Destroys the coroutine frame, then the callable that made it.
  std::exception_ptr DestroyBody() {
    std::exception_ptr error;
    try {
      task_.Destroy();
    } catch (...) {
      error = std::current_exception();
    }
    if constexpr (!kBodyIsTask) {
      try {
        callable_.reset();
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    }
    return error;
  }

  struct NoCallable {};
  Task<T> task_;
  // The callable that made task_, kept alive for as long as the task.
  [[no_unique_address]] std::conditional_t<kBodyIsTask, NoCallable,
                                           std::optional<Body>>
      callable_;
  std::exception_ptr failure_;
};

// A blocking closure that accepts a std::stop_token is given one (as
// std::jthread does), preferred over calling it without arguments.
template <typename F>
concept TakesStopToken = std::invocable<F&, std::stop_token>;

template <typename T, typename F>
class BlockingTask final : public JoinableTask<T> {
 public:
  BlockingTask(F function, SpawnOptions options)
      : JoinableTask<T>(std::move(options), /*async=*/false),
        function_(std::move(function)) {}

 private:
  struct NoStopSource {};

  decltype(auto) Call() {
    if constexpr (TakesStopToken<F>) {
      return std::invoke(*function_, stop_.get_token());
    } else {
      return std::invoke(*function_);
    }
  }

  bool PollBody() override {
    try {
      if constexpr (std::is_void_v<T>) {
        Call();
        this->value_.emplace();
      } else {
        this->value_.emplace(Call());
      }
    } catch (...) {
      failure_ = std::current_exception();
    }
    return true;
  }

  bool CompleteBody() override {
    std::exception_ptr panic = failure_;
    try {
      function_.reset();
    } catch (...) {
      if (!panic) panic = std::current_exception();
    }
    if (panic) {
      this->SetPanic(panic);
      return false;
    }
    return true;
  }

  void CancelBody() override {
    std::exception_ptr error;
    try {
      function_.reset();
    } catch (...) {
      error = std::current_exception();
    }
    this->SetCancelled(error);
  }

  void RequestStop() override {
    if constexpr (TakesStopToken<F>) stop_.request_stop();
  }

  std::optional<F> function_;
  std::exception_ptr failure_;
  // Only closures that take a token pay for its shared state.
  [[no_unique_address]] std::conditional_t<TakesStopToken<F>, std::stop_source,
                                           NoStopSource>
      stop_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_TASK_CELL_H_
