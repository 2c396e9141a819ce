// Per-thread OS settings the runtime asks for where the platform has them.

#ifndef WEFT_EXECUTORS_PLATFORM_THREADS_H_
#define WEFT_EXECUTORS_PLATFORM_THREADS_H_

#include <cstddef>
#include <optional>
#include <string>

namespace weft::platform {

/// Names the calling thread for debuggers and `top` (Linux keeps the first
/// 15 characters); does nothing where the platform has no such call.
void NameThisThread(const std::string& name);
/// The calling thread's name, or std::nullopt where the platform cannot
/// tell (tests check the names the runtime gives its threads).
std::optional<std::string> NameOfThisThread();

/// The smallest stack a thread may be given: PTHREAD_STACK_MIN on POSIX;
/// on Windows, where the system rounds a stack up to its allocation
/// granularity, 64 KiB.
size_t MinThreadStackSize();

/// The size of the calling thread's stack, as the thread was given it (for
/// tests of the stack-size setting); 0 where the platform cannot tell.
size_t StackSizeOfThisThread();

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_THREADS_H_
