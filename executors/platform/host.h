// What runs the program, where that matters to a test: a compatibility
// layer (Wine, which runs weft's Windows tests here) has limits of its own
// that a real Windows does not, and a test that meets one skips naming it.

#ifndef WEFT_EXECUTORS_PLATFORM_HOST_H_
#define WEFT_EXECUTORS_PLATFORM_HOST_H_

#include <optional>
#include <string>

namespace weft::platform {

/// "Wine <version>" when a Windows build runs under Wine; std::nullopt
/// otherwise (on Windows itself, and on every other platform).
std::optional<std::string> CompatibilityLayer();

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_HOST_H_
