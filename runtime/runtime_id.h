/// \file
/// RuntimeId: an opaque identifier of a runtime (Handle::id(), tokio's
/// runtime::Id). Ids come from one process-wide counter, so no two runtimes
/// of a process share one, even after the first is gone.

#ifndef WEFT_RUNTIME_RUNTIME_ID_H_
#define WEFT_RUNTIME_RUNTIME_ID_H_

#include <compare>
#include <cstdint>
#include <ostream>
#include <utility>

namespace weft {

/// An opaque, never reused identifier of a runtime; see runtime_id.h.
class RuntimeId {
 public:
  /// The id whose value() is `value`.
  constexpr explicit RuntimeId(uint64_t value) : value_(value) {}

  /// The number behind the id, as printed.
  constexpr uint64_t value() const { return value_; }

  /// Compared, hashed (absl) and printed as value().
  ///@{
  friend constexpr bool operator==(RuntimeId, RuntimeId) = default;
  friend constexpr auto operator<=>(RuntimeId, RuntimeId) = default;
  template <typename H>
  friend H AbslHashValue(H h, RuntimeId id) {
    return H::combine(std::move(h), id.value_);
  }
  friend std::ostream& operator<<(std::ostream& os, RuntimeId id) {
    return os << id.value_;
  }
  ///@}

  /// A fresh id, never returned before in this process.
  static RuntimeId Next();

 private:
  uint64_t value_;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_RUNTIME_ID_H_
