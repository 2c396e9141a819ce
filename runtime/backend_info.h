/// \file
/// BackendInfo: which executor backend a runtime runs on, and why
/// (Handle::backend()).

#ifndef WEFT_RUNTIME_BACKEND_INFO_H_
#define WEFT_RUNTIME_BACKEND_INFO_H_

#include <string>

namespace weft {

/// `requested` is what was asked for ("auto" when nothing was), `running` the
/// backend that started, `fallback_reason` empty unless the requested backend
/// could not start.
struct BackendInfo {
  std::string requested;
  std::string running;
  std::string fallback_reason;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_BACKEND_INFO_H_
