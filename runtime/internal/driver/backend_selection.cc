#include "runtime/internal/driver/backend_selection.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/known_executors.h"

namespace weft::internal {
namespace {

std::string LinkedNames(const std::vector<ExecutorRegistration>& linked) {
  std::vector<std::string> names;
  for (const auto& registration : linked) names.push_back(registration.name);
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

}  // namespace

absl::StatusOr<StartedBackend> StartBackend(const std::string& requested) {
  std::vector<ExecutorRegistration> linked = LinkedExecutors();
  if (linked.empty()) {
    return absl::FailedPreconditionError(
        "no weft backend is linked into this binary: depend on "
        "//runtime:weft (the build's default backend) or on one of "
        "//executors/<name>");
  }
  std::string wanted = requested;
  if (wanted.empty()) {
    const char* from_env = std::getenv("WEFT_BACKEND");
    wanted = from_env != nullptr && *from_env != '\0' ? from_env : "auto";
  }

  if (wanted != "auto") {
    for (const auto& registration : linked) {
      if (registration.name != wanted) continue;
      absl::StatusOr<std::unique_ptr<Executor>> executor =
          registration.create();
      if (!executor.ok()) {
        return absl::Status(
            executor.status().code(),
            absl::StrCat("weft backend '", wanted,
                         "' cannot start: ", executor.status().message()));
      }
      return StartedBackend{*std::move(executor), {wanted, wanted, ""}};
    }
    const std::vector<std::string>& known = KnownExecutorNames();
    if (std::find(known.begin(), known.end(), wanted) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weft has no backend named '", wanted,
          "' (its backends: ", absl::StrJoin(known, ", "),
          "; linked into this binary: ", LinkedNames(linked),
          "): pick a linked one with Builder::backend or WEFT_BACKEND, or "
          "leave both unset for the build's default"));
    }
    return absl::NotFoundError(absl::StrCat(
        "weft backend '", wanted, "' is not linked into this binary (linked: ",
        LinkedNames(linked), "); build with --//executors:backend=", wanted,
        " or pick a linked one"));
  }

  std::vector<std::string> failures;
  for (const auto& registration : linked) {
    absl::StatusOr<std::unique_ptr<Executor>> executor = registration.create();
    if (!executor.ok()) {
      failures.push_back(
          absl::StrCat(registration.name, ": ", executor.status().message()));
      continue;
    }
    std::string reason = absl::StrJoin(failures, "; ");
    if (!failures.empty()) {
      static std::atomic<bool> said{false};
      if (!said.exchange(true)) {
        std::fprintf(stderr, "weft: using the %s backend (%s)\n",
                     registration.name.c_str(), reason.c_str());
      }
    }
    return StartedBackend{*std::move(executor),
                          {"auto", registration.name, reason}};
  }
  return absl::UnavailableError(absl::StrCat(
      "no linked weft backend can start: ", absl::StrJoin(failures, "; ")));
}

}  // namespace weft::internal
