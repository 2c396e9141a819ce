/// \file
/// BackendInfo: which executor backend a runtime runs on, and why
/// (Handle::backend()).

#ifndef WEFT_RUNTIME_BACKEND_INFO_H_
#define WEFT_RUNTIME_BACKEND_INFO_H_

#include <string>

namespace weft {

/// Which executor backend a runtime asked for and which one it runs on.
struct BackendInfo {
  /// The backend that was asked for ("auto" when nothing was).
  std::string requested;
  /// The backend that started.
  std::string running;
  /// Why the requested backend could not start; empty when it did.
  std::string fallback_reason;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_BACKEND_INFO_H_
