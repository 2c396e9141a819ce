/// \file
/// The two kinds of error weft reports.
///
/// UsageError: the exception weft throws when its API is misused (tokio
/// panics in the same places). Its message always names the misused call and
/// says what to do instead.
///
/// Failures of the world (I/O, a backend that cannot start) are absl::Status
/// values. A call that has no Status to return them in — block_on returns
/// its body's value, as tokio's does — throws RuntimeError, which carries the
/// Status with the code the failure had where it happened.

#ifndef WEFT_RUNTIME_ERRORS_H_
#define WEFT_RUNTIME_ERRORS_H_

#include <stdexcept>
#include <string>
#include <utility>

#include "absl/status/status.h"

namespace weft {

/// Thrown when weft's API is misused; the message names the call and the fix.
class UsageError : public std::logic_error {
 public:
  /// `message` says what was wrong and what to do instead.
  explicit UsageError(const std::string& message) : std::logic_error(message) {}
};

/// Thrown with the absl::Status of a failure where no Status can be returned
/// (e.g. from block_on).
class RuntimeError : public std::runtime_error {
 public:
  /// The message is the status's message.
  explicit RuntimeError(absl::Status status)
      : std::runtime_error(std::string(status.message())),
        status_(std::move(status)) {}

  /// The failure, with the code it had where it happened.
  const absl::Status& status() const { return status_; }

 private:
  absl::Status status_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_ERRORS_H_
