/// \file
/// JoinError: why a task produced no value — it was cancelled (aborted, or
/// its runtime shut down), or it panicked (an exception escaped it).
///
/// Messages read "task 42 (name, file.cc:17) was cancelled" or
/// "task 42 (name, file.cc:17) panicked: <what()>"; name and location are
/// omitted when absent.

#ifndef WEFT_RUNTIME_JOIN_ERROR_H_
#define WEFT_RUNTIME_JOIN_ERROR_H_

#include <exception>
#include <expected>
#include <memory>
#include <optional>
#include <ostream>
#include <source_location>
#include <string>

#include "runtime/task_id.h"

namespace weft {

/// Why a task produced no value: it was cancelled or it panicked.
class JoinError : public std::exception {
 public:
  /// Made by the runtime when a task is cancelled or panics; `name` and
  /// `location` are the task's SpawnOptions, shown in message().
  ///@{
  static JoinError Cancelled(TaskId id, std::shared_ptr<const std::string> name,
                             std::source_location location);
  static JoinError Panic(TaskId id, std::shared_ptr<const std::string> name,
                         std::source_location location,
                         std::exception_ptr panic);
  ///@}

  /// True when the task was aborted or its runtime shut down before it
  /// finished.
  bool is_cancelled() const { return !panic_; }
  /// True when an exception escaped the task.
  bool is_panic() const { return static_cast<bool>(panic_); }
  /// Precondition: is_panic(). Throws UsageError otherwise.
  std::exception_ptr into_panic() const;
  /// The exception when is_panic(), else std::nullopt.
  std::optional<std::exception_ptr> try_into_panic() const;
  /// The id of the task that failed.
  TaskId id() const { return id_; }

  /// "task 42 (name, file.cc:17) was cancelled" or "... panicked: <what()>".
  std::string message() const;
  /// message(), kept alive as long as this error.
  const char* what() const noexcept override;

  /// Prints message().
  friend std::ostream& operator<<(std::ostream& os, const JoinError& error) {
    return os << error.message();
  }

 private:
  JoinError() = default;

  TaskId id_;
  std::shared_ptr<const std::string> name_;
  std::source_location location_;
  std::exception_ptr panic_;
  /// what() needs storage; built on first use so that reaping many cancelled
  /// tasks does not format many strings.
  mutable std::shared_ptr<const std::string> what_;
};

/// What awaiting a JoinHandle<T> yields: the task's output or why there is
/// none.
template <typename T>
using JoinResult = std::expected<T, JoinError>;

}  // namespace weft

#endif  // WEFT_RUNTIME_JOIN_ERROR_H_
