/// \file
/// TaskId: an opaque identifier of a spawned task. Ids come from one
/// process-wide 64-bit counter, so an id is never reused: it stays unique while
/// any handle to its task exists, and long after. Ids grow in the order tasks
/// are spawned from one thread; across threads they are in no order (as in
/// tokio).

#ifndef WEFT_RUNTIME_TASK_ID_H_
#define WEFT_RUNTIME_TASK_ID_H_

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace weft {

/// An opaque, never reused identifier of a spawned task (tokio's task::Id).
class TaskId {
 public:
  /// The zero id, which no task has.
  constexpr TaskId() = default;
  /// The id whose value() is `value`.
  constexpr explicit TaskId(uint64_t value) : value_(value) {}

  /// The number behind the id, as printed.
  constexpr uint64_t value() const { return value_; }
  /// value() in decimal.
  std::string ToString() const { return std::to_string(value_); }

  /// Compared, hashed (absl and std::hash) and printed as value().
  ///@{
  friend constexpr bool operator==(TaskId, TaskId) = default;
  friend constexpr auto operator<=>(TaskId, TaskId) = default;

  template <typename H>
  friend H AbslHashValue(H h, TaskId id) {
    return H::combine(std::move(h), id.value_);
  }

  friend std::ostream& operator<<(std::ostream& os, TaskId id) {
    return os << id.value_;
  }
  ///@}

  /// A fresh id, never returned before in this process.
  static TaskId Next();

 private:
  uint64_t value_ = 0;
};

/// The id of the task that is running (or being cancelled) on this thread.
/// Throws UsageError outside a task.
TaskId current_task_id();

/// Same, or std::nullopt outside a task (e.g. in a block_on body).
std::optional<TaskId> try_current_task_id();

}  // namespace weft

/// \cond
template <>
struct std::hash<weft::TaskId> {
  size_t operator()(weft::TaskId id) const noexcept {
    return std::hash<uint64_t>()(id.value());
  }
};
/// \endcond

#endif  // WEFT_RUNTIME_TASK_ID_H_
