#include "executors/platform/threads.h"

#include <pthread.h>

#include "executors/platform/target.h"

namespace weft::platform {

void NameThisThread(const std::string& name) {
#if WEFT_PLATFORM_LINUX
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
#else
  (void)name;
#endif
}

}  // namespace weft::platform
