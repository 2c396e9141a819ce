#include "executors/platform/threads.h"

#include "executors/platform/target.h"

#if WEFT_PLATFORM_WINDOWS
#include <windows.h>
#else
#include <limits.h>
#include <pthread.h>
#endif

namespace weft::platform {

void NameThisThread(const std::string& name) {
#if WEFT_PLATFORM_LINUX
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
#elif WEFT_PLATFORM_WINDOWS
  // Windows 10 1607 and later; mingw-w64's headers do not declare it yet.
  using SetDescription = HRESULT(WINAPI*)(HANDLE, PCWSTR);
  static const auto set_description =
      reinterpret_cast<SetDescription>(reinterpret_cast<void*>(::GetProcAddress(
          ::GetModuleHandleW(L"kernel32.dll"), "SetThreadDescription")));
  if (set_description == nullptr) return;
  std::wstring wide(name.begin(), name.end());
  set_description(::GetCurrentThread(), wide.c_str());
#else
  (void)name;
#endif
}

size_t MinThreadStackSize() {
#if WEFT_PLATFORM_WINDOWS
  return 64 * 1024;
#else
  return PTHREAD_STACK_MIN;
#endif
}

}  // namespace weft::platform
