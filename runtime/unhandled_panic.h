/// \file
/// UnhandledPanic: what a runtime does when an exception escapes a spawned
/// task (Runtime::Builder::unhandled_panic): ignore it (the task's JoinHandle
/// yields a panic JoinError), or shut the runtime down.

#ifndef WEFT_RUNTIME_UNHANDLED_PANIC_H_
#define WEFT_RUNTIME_UNHANDLED_PANIC_H_

namespace weft {

/// What a runtime does when an exception escapes a spawned task.
enum class UnhandledPanic {
  kIgnore,           ///< The task's JoinHandle yields a panic JoinError.
  kShutdownRuntime,  ///< Shut the runtime down (tokio's ShutdownRuntime).
};

}  // namespace weft

#endif  // WEFT_RUNTIME_UNHANDLED_PANIC_H_
