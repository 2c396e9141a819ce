// The concrete tasks behind a TaskHeader: a JoinableTask<T> stores the output
// a JoinHandle<T> takes; a CoroutineTask runs a Task<T> (kept with the
// callable that made it, so a lambda's captures live as long as the task);
// a BlockingTask runs a plain function on the blocking pool.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_CELL_H_
#define WEFT_RUNTIME_INTERNAL_TASK_CELL_H_

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/task_header.h"
#include "runtime/join_error.h"
#include "runtime/task.h"

namespace weft::internal {

template <typename T>
class JoinableTask : public TaskHeader {
 public:
  // Precondition: IsComplete(). Throws UsageError if it was taken already.
  JoinResult<T> TakeOutput() {
    if (!output_.has_value()) {
      throw UsageError(
          "JoinHandle awaited again after its output was taken: await a "
          "JoinHandle once (awaiting it by reference inside select leaves the "
          "output for the next await)");
    }
    JoinResult<T> result = std::move(*output_);
    output_.reset();
    return result;
  }

 protected:
  using TaskHeader::TaskHeader;

  void SetCancelled(std::exception_ptr panic) {
    if (panic) {
      output_.emplace(std::unexpected(
          JoinError::Panic(id(), name(), location(), std::move(panic))));
    } else {
      output_.emplace(
          std::unexpected(JoinError::Cancelled(id(), name(), location())));
    }
  }
  void SetPanic(std::exception_ptr panic) { SetCancelled(std::move(panic)); }
  void DropOutput() final { output_.reset(); }

  std::optional<JoinResult<T>> output_;
};

// Body is either Task<T> itself or a callable returning Task<T>.
template <typename T, typename Body>
class CoroutineTask final : public JoinableTask<T> {
 public:
  CoroutineTask(Body body, std::shared_ptr<const std::string> name,
                std::source_location location)
      : JoinableTask<T>(std::move(name), location, /*async=*/true),
        body_(std::move(body)) {}

 private:
  using JoinableTask<T>::context_;

  bool PollBody() override {
    if (!task_.valid()) {
      try {
        if constexpr (std::is_same_v<Body, Task<T>>) {
          task_ = std::move(*body_);
          body_.reset();
        } else {
          task_ = std::invoke(*body_);
        }
      } catch (...) {
        failure_ = std::current_exception();
        return true;
      }
      context_.resume = task_.handle();
      context_.pollable = nullptr;
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
          this->output_.emplace();
        } else {
          this->output_.emplace(task_.promise().TakeResult());
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
      if constexpr (std::is_same_v<Body, Task<T>>) {
        if (body_.has_value()) body_->Destroy();
      }
      task_.Destroy();
    } catch (...) {
      error = std::current_exception();
    }
    try {
      body_.reset();
    } catch (...) {
      if (!error) error = std::current_exception();
    }
    return error;
  }

  std::optional<Body> body_;
  Task<T> task_;
  std::exception_ptr failure_;
};

template <typename T, typename F>
class BlockingTask final : public JoinableTask<T> {
 public:
  BlockingTask(F function, std::shared_ptr<const std::string> name,
               std::source_location location)
      : JoinableTask<T>(std::move(name), location, /*async=*/false),
        function_(std::move(function)) {}

 private:
  bool PollBody() override {
    try {
      if constexpr (std::is_void_v<T>) {
        std::invoke(*function_);
        this->output_.emplace();
      } else {
        this->output_.emplace(std::invoke(*function_));
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

  std::optional<F> function_;
  std::exception_ptr failure_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_CELL_H_
