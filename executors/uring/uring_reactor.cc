#include "executors/uring/uring_reactor.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "executors/uring/op_state.h"
#include "executors/uring/ring_setup.h"
#include "executors/uring/sqe_prep.h"

namespace weft::uring {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// user_data of the reactor's own requests. Operations are at least 8-aligned
// (op_state.h), so the low three bits tell the two apart.
constexpr uint64_t kTagMask = 7;
// The wake-up poll; the bits above the tag carry its arming generation.
constexpr uint64_t kWakeTag = 1;
// An ASYNC_CANCEL that Run waits for (counted in cancels_in_kernel_).
constexpr uint64_t kCancelTag = 2;
// Requests whose completion nobody waits for: cancels issued by kClose and
// by the destructor, the cancel of a replaced wake-up poll. (liburing's own
// timeout, LIBURING_UDATA_TIMEOUT, is all ones: tag 7, ignored as well.)
constexpr uint64_t kDetachedTag = 3;

// Once a Run got nothing for this long in the destructor, cancels are issued
// again: one may have found its operation already running in io-wq.
constexpr nanoseconds kDestructorSweep = std::chrono::milliseconds(100);

uint64_t WakeTag(uint64_t generation) { return kWakeTag | generation << 3; }

// io_uring_enter results that end a wait without anything being wrong: a
// signal, the timeout, or a kernel asking to reap first or retry.
bool IsTransient(int error) {
  return error == EINTR || error == ETIME || error == EAGAIN || error == EBUSY;
}

__kernel_timespec ToTimespec(nanoseconds duration) {
  const int64_t ns = duration.count();
  return {.tv_sec = ns / 1'000'000'000, .tv_nsec = ns % 1'000'000'000};
}

}  // namespace

absl::StatusOr<std::unique_ptr<UringReactor>> UringReactor::Create(
    const UringCapabilities& capabilities, Options options) {
  const int event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd < 0) return UringError(errno, "eventfd");
  std::unique_ptr<UringReactor> reactor(
      new UringReactor(capabilities, event_fd));
  const int ret = SetUpRing(&reactor->ring_, options.sq_entries);
  if (ret < 0) {
    reactor->ring_.ring_fd = -1;  // tells the destructor there is no ring
    return UringError(-ret, "io_uring_setup");
  }
  return reactor;
}

UringReactor::UringReactor(const UringCapabilities& capabilities, int event_fd)
    : capabilities_(capabilities), waker_(event_fd) {
  std::memset(&ring_, 0, sizeof ring_);
}

UringReactor::~UringReactor() {
  if (ring_.ring_fd < 0) return;
  std::optional<TimePoint> last_sweep;
  for (;;) {
    // The kernel never saw these: cancelled on the spot.
    while (IoOperation* op = backlog_.PopFront()) Finish(op, -ECANCELED);
    DeliverReady();  // callbacks may submit again; handled next round
    if (ops_.size() == 0) break;

    const TimePoint now = Clock::now();
    const bool sweep = !last_sweep || now - *last_sweep >= kDestructorSweep;
    if (sweep) last_sweep = now;
    ops_.ForEachSlot([&](OpTable::Slot& slot) {
      if (slot.stage != OpStage::kKernel) return;
      if (slot.cancel_issued && !sweep) return;
      IssueCancel(slot, kDetachedTag);
    });
    __kernel_timespec wait = ToTimespec(kDestructorSweep);
    io_uring_cqe* cqe;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &wait, nullptr);
    bool woken = false;
    Reap(&woken);
  }
  io_uring_queue_exit(&ring_);
}

io_uring_sqe* UringReactor::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe != nullptr) return sqe;
  io_uring_submit(&ring_);  // completions stay in the CQ for Run
  return io_uring_get_sqe(&ring_);
}

bool UringReactor::Reserve(unsigned count) {
  if (io_uring_sq_space_left(&ring_) >= count) return true;
  io_uring_submit(&ring_);
  return io_uring_sq_space_left(&ring_) >= count;
}

void UringReactor::Submit(IoOperation* op) {
  InitOpState(op, ops_.Add(op));
  if (!IsKnownOpcode(op->opcode)) {
    Finish(op, -EINVAL);
    return;
  }
  if (UsesFd(op->opcode)) SetCloseGeneration(op, CloseGeneration(op->fd));
  // Behind a backlog, an operation waits its turn.
  if (backlog_.empty() && Start(op)) return;
  backlog_.PushBack(op);
}

bool UringReactor::Start(IoOperation* op) {
  if (op->opcode == IoOpcode::kClose) return StartClose(op);
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return false;
  OpTable::Slot& slot = ops_.At(TokenOf(op));
  if (op->opcode == IoOpcode::kAccept && !slot.accept_polled) {
    // First a plain poll; the accept itself once the listener is readable
    // (see the header).
    io_uring_prep_poll_add(sqe, op->fd, POLLIN);
    io_uring_sqe_set_data(sqe, op);
  } else {
    PrepareSqe(op, sqe);
  }
  slot.stage = OpStage::kKernel;
  return true;
}

bool UringReactor::StartClose(IoOperation* op) {
  const int fd = op->fd;
  const bool cancel_by_fd = fd >= 0 && capabilities_.cancel_by_fd;
  if (!Reserve(cancel_by_fd ? 2 : 1)) return false;
  if (fd >= 0) {
    if (static_cast<size_t>(fd) >= close_generations_.size()) {
      close_generations_.resize(fd + 1);
    }
    ++close_generations_[fd];
    // The fd's operations first: each holds the file open (see the header).
    if (cancel_by_fd) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, kDetachedTag);
    } else {
      ops_.ForEachSlot([&](OpTable::Slot& slot) {
        if (slot.stage == OpStage::kKernel && UsesFd(slot.op->opcode) &&
            slot.op->opcode != IoOpcode::kClose && slot.op->fd == fd) {
          // Not marked cancel_issued: reported as -EBADF (Reported()).
          io_uring_sqe* sqe = GetSqe();
          if (sqe == nullptr) return;
          io_uring_prep_cancel64(sqe, reinterpret_cast<uintptr_t>(slot.op), 0);
          io_uring_sqe_set_data64(sqe, kDetachedTag);
        }
      });
    }
  }
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return false;  // retried from the backlog
  PrepareSqe(op, sqe);
  ops_.At(TokenOf(op)).stage = OpStage::kKernel;
  // Not batched: the kernel releases the file only when the submitting
  // thread returns to user space, so the close must leave io_uring_enter
  // before anything submitted after it runs (see the header).
  io_uring_submit(&ring_);
  return true;
}

void UringReactor::Finish(IoOperation* op, int32_t result) {
  ops_.At(TokenOf(op)).stage = OpStage::kReady;
  SetResult(op, result);
  ready_.PushBack(op);
}

bool UringReactor::IssueCancel(OpTable::Slot& slot, uint64_t tag) {
  io_uring_sqe* sqe = GetSqe();
  if (sqe == nullptr) return false;
  io_uring_prep_cancel64(sqe, reinterpret_cast<uintptr_t>(slot.op), 0);
  io_uring_sqe_set_data64(sqe, tag);
  if (tag == kCancelTag) ++cancels_in_kernel_;
  slot.cancel_issued = true;
  return true;
}

void UringReactor::Cancel(IoOperation* op) {
  const uint64_t token = TokenOf(op);
  cancels_.Push(token);
  if (capabilities_.sync_cancel) {
    // Disarms the operation now if it waits in the kernel (a poll-driven
    // recv, accept, ...), so that it cannot consume data or a connection
    // after this returns. Keyed on the address, which is safe here: `op` is
    // valid during the call, so no other operation of this ring has it. A
    // zero timeout: an operation already running in io-wq is not waited for.
    io_uring_sync_cancel_reg cancel{};
    cancel.addr = reinterpret_cast<uintptr_t>(op);
    cancel.fd = -1;
    (void)io_uring_register_sync_cancel(&ring_, &cancel);
  }
  waker_.Wake();
}

void UringReactor::Wake() { waker_.Wake(); }

void UringReactor::ArmWake(bool* woken) {
  const bool replace = wake_armed_;
  if (!Reserve(replace ? 2 : 1)) return;  // the next Run tries again
  if (replace) {
    // Armed by another thread, whose task work would deliver its events.
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    io_uring_prep_cancel64(sqe, WakeTag(wake_generation_), 0);
    io_uring_sqe_set_data64(sqe, kDetachedTag);
  }
  if (waker_.Drain()) *woken = true;
  ++wake_generation_;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (capabilities_.multishot_poll) {
    io_uring_prep_poll_multishot(sqe, waker_.fd(), POLLIN);
  } else {
    io_uring_prep_poll_add(sqe, waker_.fd(), POLLIN);
  }
  io_uring_sqe_set_data64(sqe, WakeTag(wake_generation_));
  wake_armed_ = true;
  wake_owner_ = std::this_thread::get_id();
}

void UringReactor::ProcessCancels() {
  std::vector<uint64_t>& tokens = cancels_.Take();
  size_t kept = 0;  // requests that found no free SQE, kept for later
  for (uint64_t token : tokens) {
    // Not found: delivered already, and perhaps its slot reused since.
    OpTable::Slot* slot = ops_.FindSlot(token);
    if (slot == nullptr || slot->cancel_issued) continue;
    switch (slot->stage) {
      case OpStage::kReady:
        break;  // it completed first and keeps its result
      case OpStage::kBacklog:
        slot->cancel_issued = true;  // FlushBacklog completes it
        break;
      case OpStage::kKernel:
        if (!IssueCancel(*slot, kCancelTag)) tokens[kept++] = token;
        break;
    }
  }
  cancels_.PutBack(kept);
}

void UringReactor::FlushBacklog() {
  OpQueue waiting = std::exchange(backlog_, OpQueue{});
  bool room = true;
  while (IoOperation* op = waiting.PopFront()) {
    if (ops_.At(TokenOf(op)).cancel_issued) {
      Finish(op, -ECANCELED);
      continue;
    }
    if (room && Start(op)) continue;
    room = false;  // the rest keep their order behind it
    backlog_.PushBack(op);
  }
}

int UringReactor::DeliverReady() {
  return ops_.Deliver(ready_,
                      [](const IoOperation* op) { return ResultOf(op); });
}

int UringReactor::Reap(bool* woken) {
  int delivered = 0;
  // At most one CQ's worth per call, so that callbacks whose submissions
  // complete at once cannot keep a Run going.
  unsigned budget = ring_.cq.ring_entries;
  for (;;) {
    unsigned count = 0;
    unsigned head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      batch_[count++] = {cqe->user_data, cqe->res, cqe->flags};
      if (count == batch_.size()) break;
    }
    if (count == 0) break;
    io_uring_cq_advance(&ring_, count);
    for (unsigned i = 0; i < count; ++i) {
      delivered += Dispatch(batch_[i], woken);
    }
    if (count < batch_.size() || count >= budget) break;
    budget -= count;
  }
  return delivered;
}

int UringReactor::Dispatch(const Completion& completion, bool* woken) {
  switch (completion.user_data & kTagMask) {
    case 0: {
      auto* op = reinterpret_cast<IoOperation*>(completion.user_data);
      const uint64_t token = TokenOf(op);
      OpTable::Slot& slot = ops_.At(token);
      if (completion.result == -ECANCELED && !slot.cancel_issued &&
          cancels_.pending()) {
        // A synchronous cancel from another thread may have produced this
        // completion before the driving thread saw the request.
        ProcessCancels();
      }
      if (CancelledByThreadExit(op, slot, completion.result)) {
        Restart(op, slot);
        return 0;
      }
      if (op->opcode == IoOpcode::kAccept && !slot.accept_polled &&
          completion.result >= 0) {
        if (slot.cancel_issued) {
          // The cancel came too late for the poll, not for the connection.
          Finish(op, -ECANCELED);
          return 0;  // delivered by DeliverReady, next turn
        }
        slot.accept_polled = true;
        if (backlog_.empty() && Start(op)) return 0;
        slot.stage = OpStage::kBacklog;
        backlog_.PushBack(op);
        return 0;
      }
      int32_t result = Reported(op, slot, completion.result);
      if (op->opcode == IoOpcode::kConnect && slot.restarts > 0 &&
          result == -EISCONN) {
        result = 0;  // connected while its first submission was cancelled
      }
      ops_.Release(token);
      op->complete(op->context, result);  // may free `op`, or submit it again
      return 1;
    }
    case kWakeTag:
      if (completion.user_data >> 3 != wake_generation_) return 0;  // replaced
      *woken = true;
      if ((completion.flags & IORING_CQE_F_MORE) != 0) {
        waker_.Consume();
      } else {
        // One-shot, or a multishot the kernel ended (CQ overflow, ...).
        wake_armed_ = false;
        ArmWake(woken);
      }
      return 0;
    case kCancelTag:
      --cancels_in_kernel_;
      return 0;
    default:
      return 0;
  }
}

bool UringReactor::CancelledByThreadExit(const IoOperation* op,
                                         const OpTable::Slot& slot,
                                         int32_t result) const {
  constexpr uint8_t kMaxRestarts = 100;
  return result == -ECANCELED && !slot.cancel_issued &&
         slot.restarts < kMaxRestarts && op->opcode != IoOpcode::kClose &&
         !(UsesFd(op->opcode) && op->fd >= 0 &&
           CloseGeneration(op->fd) != CloseGenerationOf(op));
}

void UringReactor::Restart(IoOperation* op, OpTable::Slot& slot) {
  ++slot.restarts;
  slot.stage = OpStage::kBacklog;
  if (backlog_.empty() && Start(op)) return;
  backlog_.PushBack(op);
}

int32_t UringReactor::Reported(const IoOperation* op, const OpTable::Slot& slot,
                               int32_t result) const {
  if (result == -ECANCELED && !slot.cancel_issued && UsesFd(op->opcode) &&
      op->opcode != IoOpcode::kClose && op->fd >= 0 &&
      CloseGeneration(op->fd) != CloseGenerationOf(op)) {
    return -EBADF;  // cancelled by a kClose of its fd
  }
  return result;
}

int UringReactor::Wait(std::optional<nanoseconds> timeout) {
  if (!timeout) return io_uring_submit_and_wait(&ring_, 1);
  __kernel_timespec wait = ToTimespec(*timeout);
  io_uring_cqe* cqe;
  return io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &wait, nullptr);
}

absl::StatusOr<int> UringReactor::Run(std::optional<TimePoint> deadline) {
  bool woken = false;
  int delivered = 0;
  if (!wake_armed_ || wake_owner_ != std::this_thread::get_id()) {
    ArmWake(&woken);
  }
  for (;;) {
    if (cancels_.pending()) ProcessCancels();
    if (!backlog_.empty()) FlushBacklog();
    delivered += Reap(&woken);
    delivered += DeliverReady();  // also what Reap completed without the kernel

    // A wake-up that brought cancels waits for their results, so that the
    // cancelled operations are delivered by this Run.
    const bool done = delivered > 0 || (woken && cancels_in_kernel_ == 0);
    bool block = !done;
    std::optional<nanoseconds> timeout;  // std::nullopt: no limit
    if (block && deadline.has_value()) {
      const TimePoint now = Clock::now();
      // Compared before subtracting: min() - now would overflow.
      if (*deadline <= now) {
        block = false;
      } else {
        timeout = *deadline - now;
      }
    }

    if (!block) {
      // Hands the kernel this turn's batch without waiting (and lets it post
      // deferred completions if the ring asks for that: TASKRUN_FLAG).
      const int ret = io_uring_submit(&ring_);
      if (ret < 0 && !IsTransient(-ret)) {
        return UringError(-ret, "io_uring_enter");
      }
      if (!done) {
        delivered += Reap(&woken);
        delivered += DeliverReady();
      }
      return delivered;
    }
    if (!waker_.BeginBlockingWait()) {
      woken = true;  // a Wake() that found this thread running
      continue;
    }
    const int ret = Wait(timeout);
    waker_.EndBlockingWait();
    if (ret < 0 && !IsTransient(-ret)) {
      return UringError(-ret, "io_uring_enter");
    }
    // A completion, the timeout, or a signal: the next turn sorts it out.
  }
}

}  // namespace weft::uring
