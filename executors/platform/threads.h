// Per-thread OS settings the runtime asks for where the platform has them.

#ifndef WEFT_EXECUTORS_PLATFORM_THREADS_H_
#define WEFT_EXECUTORS_PLATFORM_THREADS_H_

#include <cstddef>
#include <string>

namespace weft::platform {

/// Names the calling thread for debuggers and `top` (Linux keeps the first
/// 15 characters); does nothing where the platform has no such call.
void NameThisThread(const std::string& name);

/// The smallest stack a thread may be given: PTHREAD_STACK_MIN on POSIX;
/// on Windows, where the system rounds a stack up to its allocation
/// granularity, 64 KiB.
size_t MinThreadStackSize();

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_THREADS_H_
