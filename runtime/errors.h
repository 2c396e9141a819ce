// UsageError: the exception weft throws when its API is misused (tokio
// panics in the same places). Its message always names the misused call and
// says what to do instead. Failures of the world (I/O, a backend that cannot
// start) are absl::Status values, never exceptions.

#ifndef WEFT_RUNTIME_ERRORS_H_
#define WEFT_RUNTIME_ERRORS_H_

#include <stdexcept>
#include <string>

namespace weft {

class UsageError : public std::logic_error {
 public:
  explicit UsageError(const std::string& message) : std::logic_error(message) {}
};

}  // namespace weft

#endif  // WEFT_RUNTIME_ERRORS_H_
