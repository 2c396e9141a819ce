#include "executors/platform/host.h"

#include "executors/platform/target.h"

#if WEFT_PLATFORM_WINDOWS
#include <windows.h>
#endif

namespace weft::platform {

std::optional<std::string> CompatibilityLayer() {
#if WEFT_PLATFORM_WINDOWS
  // Wine's ntdll exports wine_get_version; Windows' does not.
  using GetVersion = const char*(__cdecl*)();
  const auto get_version = reinterpret_cast<GetVersion>(reinterpret_cast<void*>(
      ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "wine_get_version")));
  if (get_version != nullptr) return std::string("Wine ") + get_version();
#endif
  return std::nullopt;
}

}  // namespace weft::platform
