/// \file
/// Channels and locks for tasks: oneshot, mpsc (bounded and unbounded),
/// broadcast, watch, Notify, Semaphore, Mutex, RwLock, Barrier, OnceCell.

#ifndef WEFT_RUNTIME_SYNC_H_
#define WEFT_RUNTIME_SYNC_H_

#include "runtime/sync/barrier.h"    // IWYU pragma: export
#include "runtime/sync/broadcast.h"  // IWYU pragma: export
#include "runtime/sync/mpsc.h"       // IWYU pragma: export
#include "runtime/sync/mutex.h"      // IWYU pragma: export
#include "runtime/sync/notify.h"     // IWYU pragma: export
#include "runtime/sync/once_cell.h"  // IWYU pragma: export
#include "runtime/sync/oneshot.h"    // IWYU pragma: export
#include "runtime/sync/rw_lock.h"    // IWYU pragma: export
#include "runtime/sync/semaphore.h"  // IWYU pragma: export
#include "runtime/sync/watch.h"      // IWYU pragma: export

#endif  // WEFT_RUNTIME_SYNC_H_
