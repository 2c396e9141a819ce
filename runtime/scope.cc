#include "runtime/scope.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace weft {

ScopeError::ScopeError(std::vector<ScopeFailure> failures)
    : failures_(std::move(failures)) {
  what_ = absl::StrCat(
      "weft::scope failed (", failures_.size(),
      failures_.size() == 1 ? " failure): " : " failures): ",
      absl::StrJoin(failures_, "; ",
                    [](std::string* out, const ScopeFailure& failure) {
                      out->append(failure.message);
                    }));
}

namespace internal {

std::string ExceptionText(const std::exception_ptr& exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

ScopeFailure BodyFailure(std::exception_ptr exception) {
  ScopeFailure failure;
  failure.id = try_current_task_id().value_or(TaskId());
  failure.name = "scope body";
  failure.in_body = true;
  failure.message =
      absl::StrCat("scope body threw: ", ExceptionText(exception));
  failure.exception = std::move(exception);
  return failure;
}

ScopeFailure ChildFailure(const JoinError& error, std::string_view name) {
  ScopeFailure failure;
  failure.id = error.id();
  failure.name = std::string(name);
  failure.exception = error.try_into_panic().value_or(nullptr);
  failure.message = error.message();
  return failure;
}

}  // namespace internal
}  // namespace weft
