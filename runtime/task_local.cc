#include "runtime/task_local.h"

namespace weft::internal {
namespace {

// Bindings made by sync_scope on a thread that drives no context.
thread_local TaskLocalEntry* tls_bare_locals = nullptr;

}  // namespace

TaskLocalEntry*& CurrentLocalsHead() {
  ExecContext* context = CurrentContext();
  return context != nullptr ? context->locals : tls_bare_locals;
}

const void* FindTaskLocal(const void* key) {
  for (TaskLocalEntry* entry = CurrentLocalsHead(); entry != nullptr;
       entry = entry->previous) {
    if (entry->key == key) return entry->value;
  }
  return nullptr;
}

void ThrowTaskLocalNotSet() {
  throw UsageError(
      "TaskLocal::get outside a scope of that local: bind it with "
      "scope(value, task) or sync_scope(value, function), or use try_get()");
}

}  // namespace weft::internal
