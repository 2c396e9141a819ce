/// \file
/// weft: tokio's task model in C++23 coroutines. Include this header and
/// depend on //runtime:weft.

#ifndef WEFT_RUNTIME_WEFT_H_
#define WEFT_RUNTIME_WEFT_H_

#include "runtime/backend_info.h"               // IWYU pragma: export
#include "runtime/coop.h"                       // IWYU pragma: export
#include "runtime/errors.h"                     // IWYU pragma: export
#include "runtime/fs.h"                         // IWYU pragma: export
#include "runtime/join.h"                       // IWYU pragma: export
#include "runtime/join_error.h"                 // IWYU pragma: export
#include "runtime/join_handle.h"                // IWYU pragma: export
#include "runtime/join_set.h"                   // IWYU pragma: export
#include "runtime/local_set.h"                  // IWYU pragma: export
#include "runtime/net.h"                        // IWYU pragma: export
#include "runtime/paused_time.h"                // IWYU pragma: export
#include "runtime/runtime.h"                    // IWYU pragma: export
#include "runtime/runtime_dump.h"               // IWYU pragma: export
#include "runtime/runtime_flavor.h"             // IWYU pragma: export
#include "runtime/runtime_id.h"                 // IWYU pragma: export
#include "runtime/runtime_metrics.h"            // IWYU pragma: export
#include "runtime/scope.h"                      // IWYU pragma: export
#include "runtime/select.h"                     // IWYU pragma: export
#include "runtime/signal.h"                     // IWYU pragma: export
#include "runtime/sleep.h"                      // IWYU pragma: export
#include "runtime/slow_poll.h"                  // IWYU pragma: export
#include "runtime/spawn.h"                      // IWYU pragma: export
#include "runtime/spawn_blocking_when_ready.h"  // IWYU pragma: export
#include "runtime/spawn_options.h"              // IWYU pragma: export
#include "runtime/sync.h"                       // IWYU pragma: export
#include "runtime/task.h"                       // IWYU pragma: export
#include "runtime/task_id.h"                    // IWYU pragma: export
#include "runtime/task_local.h"                 // IWYU pragma: export
#include "runtime/task_state.h"                 // IWYU pragma: export
#include "runtime/task_tracker.h"               // IWYU pragma: export
#include "runtime/time.h"                       // IWYU pragma: export
#include "runtime/unhandled_panic.h"            // IWYU pragma: export

#endif  // WEFT_RUNTIME_WEFT_H_
