// The registry of linked backends. Backends register from static
// initializers, so the registry is a function-local static (no
// initialization-order dependence) guarded by a mutex.

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/executor.h"

namespace weft {
namespace {

struct Registry {
  std::mutex mu;
  std::vector<ExecutorRegistration> entries;
};

Registry& GlobalRegistry() {
  static auto* registry = new Registry;  // never destroyed: used at exit
  return *registry;
}

}  // namespace

bool RegisterExecutor(ExecutorRegistration registration) {
  Registry& registry = GlobalRegistry();
  std::lock_guard lock(registry.mu);
  registry.entries.push_back(std::move(registration));
  std::stable_sort(
      registry.entries.begin(), registry.entries.end(),
      [](const ExecutorRegistration& a, const ExecutorRegistration& b) {
        return a.preference > b.preference;
      });
  return true;
}

std::vector<ExecutorRegistration> LinkedExecutors() {
  Registry& registry = GlobalRegistry();
  std::lock_guard lock(registry.mu);
  return registry.entries;
}

}  // namespace weft
