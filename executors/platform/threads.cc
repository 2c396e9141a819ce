#include "executors/platform/threads.h"

#include "executors/platform/target.h"

#if WEFT_PLATFORM_WINDOWS
#include <windows.h>
#else
#include <limits.h>
#include <pthread.h>
#endif

namespace weft::platform {

#if WEFT_PLATFORM_WINDOWS
namespace {

// Windows 10 1607 and later; mingw-w64's headers do not declare them yet.
template <typename Function>
Function Kernel32(const char* name) {
  return reinterpret_cast<Function>(reinterpret_cast<void*>(
      ::GetProcAddress(::GetModuleHandleW(L"kernel32.dll"), name)));
}

}  // namespace
#endif

void NameThisThread(const std::string& name) {
#if WEFT_PLATFORM_LINUX
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
#elif WEFT_PLATFORM_WINDOWS
  using SetDescription = HRESULT(WINAPI*)(HANDLE, PCWSTR);
  static const auto set_description =
      Kernel32<SetDescription>("SetThreadDescription");
  if (set_description == nullptr) return;
  std::wstring wide(name.begin(), name.end());
  set_description(::GetCurrentThread(), wide.c_str());
#else
  (void)name;
#endif
}

std::optional<std::string> NameOfThisThread() {
#if WEFT_PLATFORM_LINUX
  char name[64] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) {
    return std::nullopt;
  }
  return name;
#elif WEFT_PLATFORM_WINDOWS
  using GetDescription = HRESULT(WINAPI*)(HANDLE, PWSTR*);
  static const auto get_description =
      Kernel32<GetDescription>("GetThreadDescription");
  PWSTR wide = nullptr;
  if (get_description == nullptr ||
      FAILED(get_description(::GetCurrentThread(), &wide))) {
    return std::nullopt;
  }
  std::string name;
  // The runtime's names are ASCII.
  for (PWSTR c = wide; *c != 0; ++c) name.push_back(static_cast<char>(*c));
  ::LocalFree(wide);
  return name;
#else
  return std::nullopt;
#endif
}

size_t MinThreadStackSize() {
#if WEFT_PLATFORM_WINDOWS
  return 64 * 1024;
#else
  return PTHREAD_STACK_MIN;
#endif
}

size_t StackSizeOfThisThread() {
#if WEFT_PLATFORM_WINDOWS
  ULONG_PTR low = 0;
  ULONG_PTR high = 0;
  ::GetCurrentThreadStackLimits(&low, &high);
  return static_cast<size_t>(high - low);
#elif WEFT_PLATFORM_LINUX
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  size_t size = 0;
  pthread_attr_getstacksize(&attr, &size);
  pthread_attr_destroy(&attr);
  return size;
#else
  return 0;
#endif
}

#if WEFT_PLATFORM_WINDOWS
ThreadExitHook::ThreadExitHook(Callback callback)
    : key_(::FlsAlloc(reinterpret_cast<PFLS_CALLBACK_FUNCTION>(callback))) {}

void ThreadExitHook::Set(void* value) { ::FlsSetValue(key_, value); }
#else
ThreadExitHook::ThreadExitHook(Callback callback) {
  pthread_key_t key;
  pthread_key_create(&key, callback);
  key_ = static_cast<unsigned long>(key);
}

void ThreadExitHook::Set(void* value) {
  pthread_setspecific(static_cast<pthread_key_t>(key_), value);
}
#endif

}  // namespace weft::platform
