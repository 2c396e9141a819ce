#include "runtime/join_error.h"

#include <atomic>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "runtime/errors.h"

namespace weft {
namespace {

absl::string_view Basename(absl::string_view path) {
  size_t slash = path.find_last_of('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

std::string PanicText(const std::exception_ptr& panic) {
  try {
    std::rethrow_exception(panic);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

JoinError JoinError::Cancelled(TaskId id,
                               std::shared_ptr<const std::string> name,
                               std::source_location location) {
  JoinError error;
  error.id_ = id;
  error.name_ = std::move(name);
  error.location_ = location;
  return error;
}

JoinError JoinError::Panic(TaskId id, std::shared_ptr<const std::string> name,
                           std::source_location location,
                           std::exception_ptr panic) {
  JoinError error = Cancelled(id, std::move(name), location);
  error.panic_ = std::move(panic);
  return error;
}

std::exception_ptr JoinError::into_panic() const {
  if (!panic_) {
    throw UsageError(
        absl::StrCat("JoinError::into_panic on ", message(),
                     ": check is_panic() or use try_into_panic()"));
  }
  return panic_;
}

std::optional<std::exception_ptr> JoinError::try_into_panic() const {
  if (!panic_) return std::nullopt;
  return panic_;
}

std::string JoinError::message() const {
  std::string text = absl::StrCat("task ", id_.value());
  absl::string_view file = location_.file_name() != nullptr
                               ? Basename(location_.file_name())
                               : absl::string_view();
  bool has_name = name_ != nullptr && !name_->empty();
  bool has_location = !file.empty() && location_.line() != 0;
  if (has_name || has_location) {
    absl::StrAppend(&text, " (");
    if (has_name) absl::StrAppend(&text, *name_);
    if (has_name && has_location) absl::StrAppend(&text, ", ");
    if (has_location) absl::StrAppend(&text, file, ":", location_.line());
    absl::StrAppend(&text, ")");
  }
  if (panic_) {
    absl::StrAppend(&text, " panicked: ", PanicText(panic_));
  } else {
    absl::StrAppend(&text, " was cancelled");
  }
  return text;
}

const char* JoinError::what() const noexcept {
  auto text = std::atomic_load(&what_);
  if (text == nullptr) {
    try {
      auto built = std::make_shared<const std::string>(message());
      std::shared_ptr<const std::string> expected;
      if (std::atomic_compare_exchange_strong(&what_, &expected, built)) {
        text = built;
      } else {
        text = expected;
      }
    } catch (...) {
      return "weft::JoinError";
    }
  }
  return text->c_str();
}

}  // namespace weft
