// How a reactor's ring is set up: which IORING_SETUP_* flags, and why.
//
// Asked for, and dropped together when the kernel refuses them (EINVAL,
// before Linux 5.19), with the refusal remembered for the process:
//   COOP_TASKRUN + TASKRUN_FLAG: completions that need the submitting task
//     (most socket and pipe I/O) are not pushed to it by an inter-processor
//     interrupt while it runs user code; they wait for its next system call,
//     and TASKRUN_FLAG tells the reactor when one is needed. A reactor enters
//     the kernel at every Run anyway, so nothing waits longer, and a busy
//     worker is not interrupted per completion.
//   SUBMIT_ALL: an SQE that fails early does not stop the rest of the batch.
// Always: CQSIZE (a completion queue 4x the submission queue, so that many
// operations in flight rarely overflow it; NODROP keeps overflow lossless)
// and CLAMP.
//
// Not used, on purpose:
//   SINGLE_ISSUER / DEFER_TASKRUN tie the ring to one task: weft creates a
//     reactor on the builder's thread, drives it from a worker, and hands it
//     to another thread in block_in_place, where submissions would fail with
//     EEXIST (R_DISABLED plus io_uring_enable_rings on the first Run only
//     moves the problem to the first handoff).
//   SQPOLL costs a kernel thread per ring spinning on a 2-core machine.
//   IORING_REGISTER_RING_FDS registers the ring fd per task, so it would
//     break at a handoff too.
// The one cost of COOP_TASKRUN at a handoff: completions of operations the
// previous driving thread submitted still run as that thread's task work; if
// it computes without system calls, they wait for its next interrupt (a
// scheduler tick, a few milliseconds) instead of an IPI. The reactor re-arms
// its wake-up poll from the new thread so that wake-ups never wait so.

#ifndef WEFT_EXECUTORS_URING_RING_SETUP_H_
#define WEFT_EXECUTORS_URING_RING_SETUP_H_

#include <liburing.h>

namespace weft::uring {

// Initializes `ring` with `sq_entries` submission entries (rounded up to a
// power of two by the kernel) and the flags above. Returns 0 or -errno, as
// liburing does.
int SetUpRing(io_uring* ring, unsigned sq_entries);

}  // namespace weft::uring

#endif  // WEFT_EXECUTORS_URING_RING_SETUP_H_
