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

/// Runs a callback with a thread's value when the thread exits, for state
/// a thread hands back (the task memory pool's heap). Not a thread_local
/// destructor: with mingw-w64's emulated TLS those run after the thread's
/// other thread_locals may have been freed, so they can neither read
/// their own object reliably nor tell what the thread held. POSIX: a
/// pthread key's destructor (after the thread's thread_local destructors).
/// Windows: a fiber-local slot's callback (every thread, also those the
/// C++ library did not start). Create once and keep for the process's
/// life.
class ThreadExitHook {
 public:
  using Callback = void (*)(void* value);
  explicit ThreadExitHook(Callback callback);
  ThreadExitHook(const ThreadExitHook&) = delete;
  ThreadExitHook& operator=(const ThreadExitHook&) = delete;

  /// The calling thread's value: at its exit, callback(value) runs if
  /// value is not null.
  void Set(void* value);

 private:
  unsigned long key_;
};

}  // namespace weft::platform

#endif  // WEFT_EXECUTORS_PLATFORM_THREADS_H_
