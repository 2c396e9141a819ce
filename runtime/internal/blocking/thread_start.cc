#include "runtime/internal/blocking/thread_start.h"

#include <pthread.h>

#include <climits>
#include <memory>
#include <system_error>
#include <utility>

#include "executors/platform/threads.h"

namespace weft::internal {
namespace {

void* ThreadMain(void* arg) {
  std::unique_ptr<std::function<void()>> body(
      static_cast<std::function<void()>*>(arg));
  (*body)();
  return nullptr;
}

}  // namespace

size_t MinThreadStackSize() { return platform::MinThreadStackSize(); }

void StartDetachedThread(size_t stack_size, std::function<void()> body) {
  pthread_attr_t attr;
  if (int error = pthread_attr_init(&attr); error != 0) {
    throw std::system_error(error, std::generic_category(),
                            "pthread_attr_init");
  }
  int error = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (error == 0 && stack_size != 0) {
    error = pthread_attr_setstacksize(&attr, stack_size);
  }
  auto owned = std::make_unique<std::function<void()>>(std::move(body));
  pthread_t thread;
  if (error == 0) {
    error = pthread_create(&thread, &attr, &ThreadMain, owned.get());
  }
  pthread_attr_destroy(&attr);
  if (error != 0) {
    throw std::system_error(error, std::generic_category(),
                            "weft: cannot start a runtime thread");
  }
  (void)owned.release();  // The thread owns it now.
}

}  // namespace weft::internal
