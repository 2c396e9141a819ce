// Picks and starts the backend of a new runtime among the linked ones:
// an explicit Builder::backend(name) first, else WEFT_BACKEND, else "auto"
// (the most preferred linked backend that starts, falling back to the next
// with one line on stderr per process).

#ifndef WEFT_RUNTIME_INTERNAL_DRIVER_BACKEND_SELECTION_H_
#define WEFT_RUNTIME_INTERNAL_DRIVER_BACKEND_SELECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/backend_info.h"
#include "runtime/executor.h"

namespace weft::internal {

struct StartedBackend {
  std::unique_ptr<Executor> executor;
  BackendInfo info;
};

absl::StatusOr<StartedBackend> StartBackend(const std::string& requested);

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_DRIVER_BACKEND_SELECTION_H_
