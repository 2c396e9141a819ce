/// \file
/// SpawnOptions: what a spawn says about its task besides the body. Every
/// spawn form takes one (spawn, spawn_blocking, spawn_local, and those of
/// Handle, JoinSet and LocalSet), so that a new per-task attribute is a
/// field here and a field in the task, and no spawn signature changes:
///
///   weft::spawn(Serve(socket), {.name = "conn"});
///   weft::spawn_blocking(Compress, {.name = "compress"});
///
/// The location defaults to the spawn call's own (std::source_location is
/// taken where the options are made, which for a defaulted argument is the
/// call site). The name is copied into the task by the spawn, so it only has
/// to outlive the call.
///
/// SpawnOptions stays trivially destructible on purpose: g++ 12 destroys a
/// defaulted argument with a destructor twice when the call is part of a
/// co_await expression (`co_await spawn(body)`), so a std::string member
/// would corrupt the heap there.

#ifndef WEFT_RUNTIME_SPAWN_OPTIONS_H_
#define WEFT_RUNTIME_SPAWN_OPTIONS_H_

#include <source_location>
#include <string_view>

namespace weft {

/// What a spawn says about its task besides the body; see spawn_options.h.
struct SpawnOptions {
  /// Shown in JoinError messages, task dumps and JoinHandle::name(); empty:
  /// the task has no name.
  std::string_view name;
  /// Where the task was spawned, shown next to its name.
  std::source_location location = std::source_location::current();
};

}  // namespace weft

#endif  // WEFT_RUNTIME_SPAWN_OPTIONS_H_
