// StartDetachedThread: std::thread cannot choose its stack size, which
// Runtime::Builder::thread_stack_size needs; this starts a detached thread
// through pthread attributes instead. Everything else of the runtime's
// threads (names, hooks) stays in the blocking pool.

#ifndef WEFT_RUNTIME_INTERNAL_BLOCKING_THREAD_START_H_
#define WEFT_RUNTIME_INTERNAL_BLOCKING_THREAD_START_H_

#include <cstddef>
#include <functional>

namespace weft::internal {

// The smallest stack a thread may be given (PTHREAD_STACK_MIN).
size_t MinThreadStackSize();

// Runs `body` on a new detached thread with a stack of `stack_size` bytes
// (0: the system's default). Throws std::system_error, as std::thread does,
// when no thread can be started.
void StartDetachedThread(size_t stack_size, std::function<void()> body);

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_BLOCKING_THREAD_START_H_
