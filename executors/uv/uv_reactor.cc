#include "executors/uv/uv_reactor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/uv/op_state.h"
#include "executors/uv/posix_io.h"
#include "executors/uv/uv_errors.h"

namespace weft::uv {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// With completions ready, Run delivers them without calling uv_run (a system
// call saved per turn), but no more than this many Runs in a row while
// operations wait on the loop, so that a stream of immediate completions
// cannot starve them. tokio's scheduler polls its driver every 61 ticks for
// the same reason.
constexpr int kMaxPollsSkipped = 16;

// The events poll(2) reports whether asked or not.
constexpr uint32_t kAlwaysReported = POLLERR | POLLHUP | POLLNVAL;

// What a fd that cannot be polled (a regular file) always is, as poll(2)
// itself reports it: readable and writable.
constexpr uint32_t kAlwaysReady = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

std::atomic<int64_t> busy_loop_closes{0};

// now + timeout, saturating at the end of time; a negative timeout is due
// at once.
TimePoint DeadlineAfter(TimePoint now, std::chrono::nanoseconds timeout) {
  if (timeout <= std::chrono::nanoseconds::zero()) return now;
  if (timeout >= TimePoint::max() - now) return TimePoint::max();
  return now + std::chrono::ceil<Clock::duration>(timeout);
}

// Whole milliseconds from `now` until `later` (> now), rounded up so that a
// wait never ends before `later` on libuv's own clock.
uint64_t MillisecondsUntil(TimePoint later, TimePoint now) {
  constexpr uint64_t kTicksPerMs =
      std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(1))
          .count();
  static_assert(kTicksPerMs > 0, "steady_clock is coarser than 1 ms");
  // Unsigned subtraction is exact for any two time points with later > now,
  // where the signed one could overflow (time_point::max() minus a negative
  // epoch offset); max() itself comes out as about 292 years.
  const uint64_t ticks =
      static_cast<uint64_t>(later.time_since_epoch().count()) -
      static_cast<uint64_t>(now.time_since_epoch().count());
  return ticks / kTicksPerMs + (ticks % kTicksPerMs != 0 ? 1 : 0);
}

uv_handle_t* AsHandle(auto* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);
}

}  // namespace

// A regular-file operation in libuv's thread pool. libuv owns `request`
// from uv_fs_read/uv_fs_write until the callback, so this lives on the heap
// and is freed by the callback.
struct UvReactor::FsRequest {
  uv_fs_t request;
  IoOperation* op;
};

absl::StatusOr<std::unique_ptr<UvReactor>> UvReactor::Create() {
  std::unique_ptr<UvReactor> reactor(new UvReactor);
  uv_loop_t* loop = &reactor->loop_;
  if (int error = uv_loop_init(loop); error != 0) {
    return UvError(error, "uv_loop_init");
  }
  loop->data = reactor.get();
  uv_timer_init(loop, &reactor->timer_);  // only initializes memory
  if (int error = reactor->waker_.Init(loop); error != 0) {
    uv_close(AsHandle(&reactor->timer_), nullptr);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return UvError(error, "uv_async_init");
  }
  reactor->initialized_ = true;
  return reactor;
}

UvReactor::~UvReactor() {
  if (!initialized_) return;
  // Completions may submit again; those operations are cancelled in turn.
  while (ops_.size() > 0) {
    ops_.ForEach([this](IoOperation* op) {
      switch (StageOf(op)) {
        case OpStage::kReady:
          return;
        case OpStage::kTimer:
          timers_.Remove(op);
          break;
        case OpStage::kWaiting:
          Unpark(op);
          break;
        case OpStage::kFile:
          CancelFileIo(op);
          return;
      }
      Finish(op, -ECANCELED);
    });
    Deliver();
    // What is left is in the thread pool, which may be using its buffer:
    // wait for libuv to hand it back (cancelled, or done).
    if (file_ops_ > 0) uv_run(&loop_, UV_RUN_ONCE);
  }
  // Every watch was closed with its last waiter; this is only a safety net.
  std::vector<FdWatch*> left;
  for (const auto& [fd, watch] : watches_) left.push_back(watch);
  for (FdWatch* watch : left) CloseWatch(watch);

  waker_.Close();
  uv_close(AsHandle(&timer_), nullptr);
  // Runs every pending close callback (the watches' free their memory);
  // returns once nothing is active or closing.
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop_) != 0) {
    busy_loop_closes.fetch_add(1, std::memory_order_relaxed);
    std::fprintf(stderr,
                 "weft: uv backend: a reactor's loop still had a handle or "
                 "request open at destruction (a bug in executors/uv)\n");
  }
}

int64_t UvReactor::BusyLoopCloses() {
  return busy_loop_closes.load(std::memory_order_relaxed);
}

void UvReactor::Submit(IoOperation* op) {
  InitOpState(op, ops_.Add(op));
  switch (op->opcode) {
    case IoOpcode::kNop:
      Finish(op, 0);
      return;
    case IoOpcode::kTimeout:
      SetStage(op, OpStage::kTimer);
      timers_.Push(op, DeadlineAfter(Clock::now(), op->timeout));
      return;
    case IoOpcode::kClose:
      SubmitClose(op);
      return;
    case IoOpcode::kPoll:
      // No attempt: a started poll handle reports readiness that is already
      // there on the loop's next turn.
      Park(op);
      return;
    case IoOpcode::kRead:
    case IoOpcode::kWrite:
    case IoOpcode::kRecv:
    case IoOpcode::kSend:
    case IoOpcode::kAccept:
    case IoOpcode::kConnect:
      SubmitFdIo(op);
      return;
  }
  Finish(op, -EINVAL);
}

void UvReactor::Cancel(IoOperation* op) {
  const uint64_t token = TokenOf(op);
  cancels_.Push(token);
  waker_.Wake();
}

void UvReactor::Wake() { waker_.Wake(); }

void UvReactor::Finish(IoOperation* op, int32_t result) {
  SetStage(op, OpStage::kReady);
  SetResult(op, result);
  ready_.PushBack(op);
}

void UvReactor::SubmitFdIo(IoOperation* op) {
  IoRoute route;
  if (int32_t error = PrepareIo(op, &route); error < 0) {
    Finish(op, error);
    return;
  }
  if (route == IoRoute::kThreadPool) {
    StartFileIo(op);
    return;
  }
  if (op->opcode == IoOpcode::kConnect) {
    if (std::optional<int32_t> result = StartConnect(op)) {
      Finish(op, *result);
    } else {
      Park(op);
    }
    return;
  }
  AttemptOrPark(op);
}

void UvReactor::SubmitClose(IoOperation* op) {
  if (auto it = watches_.find(op->fd); it != watches_.end()) {
    // Left waiting, they would hang, or act on whatever file reuses the fd
    // number next; and libuv requires a watched fd to stay open, so the
    // watch goes (unregistering the fd) before the fd does.
    FdWatch* watch = it->second;
    FailWaiters(watch, -EBADF);
    CloseWatch(watch);
  }
  // Synchronous (no callback): a close does not wait for the disk, and
  // libuv treats an interrupted close as done, as POSIX allows.
  uv_fs_t request;
  const int result = uv_fs_close(&loop_, &request, op->fd, nullptr);
  uv_fs_req_cleanup(&request);
  Finish(op, ResultFromUv(result));
}

void UvReactor::AttemptOrPark(IoOperation* op) {
  // Behind operations of the same direction already waiting, an attempt
  // could overtake them (two reads would get their data out of order).
  if (auto it = watches_.find(op->fd);
      it != watches_.end() && !it->second->ListFor(op).empty()) {
    Park(op);
  } else if (std::optional<int32_t> result = TryIo(op)) {
    Finish(op, *result);
  } else {
    Park(op);
  }
}

void UvReactor::Park(IoOperation* op) {
  if (op->fd < 0) {
    Finish(op, -EBADF);
    return;
  }
  int uv_error = 0;
  const bool existed = watches_.contains(op->fd);
  FdWatch* watch = WatchOf(op->fd, &uv_error);
  if (watch == nullptr) {
    if (uv_error == UV_EPERM) {
      RunUnpollable(op);
    } else {
      Finish(op, ResultFromUv(uv_error));
    }
    return;
  }
  SetStage(op, OpStage::kWaiting);
  watch->ListFor(op).PushBack(op);
  ++fd_waiters_;
  UpdateWatch(watch, /*fd_known_open=*/!existed);
}

void UvReactor::RunUnpollable(IoOperation* op) {
  switch (op->opcode) {
    case IoOpcode::kPoll:
      Finish(op, static_cast<int32_t>(op->poll_events & kAlwaysReady));
      return;
    case IoOpcode::kRead:
    case IoOpcode::kWrite:
      if (!HasFlag(op, kSocketIo)) {
        StartFileIo(op);
        return;
      }
      [[fallthrough]];
    default:
      // Sockets can always be polled; anything else fails its own way here.
      Finish(op, TryIo(op).value_or(-EAGAIN));
      return;
  }
}

void UvReactor::Unpark(IoOperation* op) {
  FdWatch* watch = watches_.at(op->fd);
  watch->ListFor(op).Remove(op);
  --fd_waiters_;
  UpdateWatch(watch);
}

FdWatch* UvReactor::WatchOf(int fd, int* uv_error) {
  if (auto it = watches_.find(fd); it != watches_.end()) return it->second;
  auto watch = std::make_unique<FdWatch>(fd);
  // Also makes the fd O_NONBLOCK. On failure the handle was never
  // initialized, so it needs no uv_close.
  if (int error = uv_poll_init(&loop_, &watch->handle, fd); error != 0) {
    *uv_error = error;
    return nullptr;
  }
  FdWatch* raw = watch.release();
  watches_.emplace(fd, raw);
  return raw;
}

void UvReactor::UpdateWatch(FdWatch* watch, bool fd_known_open) {
  if (watch->empty()) {
    CloseWatch(watch);
    return;
  }
  const int wanted = watch->WantedEvents();
  if (wanted == watch->events) return;
  // libuv registers a (re)started handle's fd with the kernel on its next
  // turn and aborts the process if the fd is closed by then. A fd closed
  // behind the reactor's back while operations wait on it fails them instead.
  if (!fd_known_open && fcntl(watch->fd, F_GETFD) < 0 && errno == EBADF) {
    FailWaiters(watch, -EBADF);
    CloseWatch(watch);
    return;
  }
  uv_poll_start(
      &watch->handle, wanted, [](uv_poll_t* handle, int status, int events) {
        static_cast<UvReactor*>(handle->loop->data)
            ->OnPollEvent(static_cast<FdWatch*>(handle->data), status, events);
      });
  watch->events = wanted;
}

void UvReactor::CloseWatch(FdWatch* watch) {
  watches_.erase(watch->fd);
  uv_close(AsHandle(&watch->handle), [](uv_handle_t* handle) {
    delete static_cast<FdWatch*>(handle->data);
  });
}

void UvReactor::FailWaiters(FdWatch* watch, int32_t result) {
  for (OpList* list : {&watch->readers, &watch->writers, &watch->pollers}) {
    while (IoOperation* op = list->PopFront()) {
      --fd_waiters_;
      Finish(op, result);
    }
  }
}

void UvReactor::OnPollEvent(FdWatch* watch, int status, int events) {
  // One loop turn can bring a wake-up for a cancel together with data that
  // arrived after the cancel was asked for (the aborted task's peer answered
  // the next request): the cancelled operation must not consume it.
  if (cancels_.pending()) {
    ProcessCancels();
    // Cancelling its last operation closed the watch (deleted later, by
    // uv_close's callback): nothing is left to retry.
    if (watch->empty()) return;
  }
  if (status < 0) {
    // libuv saw POLLERR and stopped the handle: retry everything, and let
    // the system calls and poll(2) report the actual error.
    watch->events = 0;
    events = UV_READABLE | UV_WRITABLE | UV_DISCONNECT;
  }
  if ((events & (UV_READABLE | UV_DISCONNECT)) != 0) {
    RetryWaiters(watch->readers);
  }
  if ((events & UV_WRITABLE) != 0) RetryWaiters(watch->writers);
  if (!watch->pollers.empty()) CompletePollers(watch);
  UpdateWatch(watch);
}

void UvReactor::RetryWaiters(OpList& list) {
  while (IoOperation* op = list.front()) {
    std::optional<int32_t> result = TryIo(op);
    if (!result) return;  // the rest would block too: FIFO order
    list.Remove(op);
    --fd_waiters_;
    Finish(op, *result);
  }
}

void UvReactor::CompletePollers(FdWatch* watch) {
  // libuv's events are coarser than poll(2)'s (no POLLHUP, no POLLRDNORM),
  // so the fd is asked once, exactly, for all its pollers.
  const int32_t revents = PollNow(watch->fd, watch->PollerEvents());
  for (IoOperation* op = watch->pollers.front(); op != nullptr;) {
    IoOperation* next = NextOf(op);
    const int32_t result =
        revents < 0 ? revents
                    : static_cast<int32_t>(static_cast<uint32_t>(revents) &
                                           (op->poll_events | kAlwaysReported));
    if (result != 0) {
      watch->pollers.Remove(op);
      --fd_waiters_;
      Finish(op, result);
    }
    op = next;
  }
}

void UvReactor::StartFileIo(IoOperation* op) {
  auto* file = new FsRequest;
  file->op = op;
  file->request.data = file;
  uv_buf_t buffer =
      uv_buf_init(static_cast<char*>(op->buffer),
                  static_cast<unsigned int>(std::min(op->length, kMaxIo)));
  uv_fs_cb done = [](uv_fs_t* request) {
    static_cast<UvReactor*>(request->loop->data)
        ->OnFileIoDone(static_cast<FsRequest*>(request->data));
  };
  // An offset of -1 reads or writes at the file position, as executor.h's
  // offset does.
  const int error = op->opcode == IoOpcode::kRead
                        ? uv_fs_read(&loop_, &file->request, op->fd, &buffer, 1,
                                     op->offset, done)
                        : uv_fs_write(&loop_, &file->request, op->fd, &buffer,
                                      1, op->offset, done);
  if (error < 0) {
    uv_fs_req_cleanup(&file->request);
    delete file;
    Finish(op, ResultFromUv(error));
    return;
  }
  SetStage(op, OpStage::kFile);
  SetFileRequest(op, file);
  ++file_ops_;
}

void UvReactor::OnFileIoDone(FsRequest* file) {
  IoOperation* op = file->op;
  const int64_t result = file->request.result;
  uv_fs_req_cleanup(&file->request);
  delete file;
  --file_ops_;
  Finish(op, ResultFromUv(result));
}

void UvReactor::CancelFileIo(IoOperation* op) {
  if (HasFlag(op, kCancelTried)) return;
  SetFlag(op, kCancelTried);
  auto* file = static_cast<FsRequest*>(FileRequestOf(op));
  // 0: no thread took it yet, and libuv completes it with UV_ECANCELED.
  // UV_EBUSY: a thread is using the buffer now; the real result comes.
  uv_cancel(reinterpret_cast<uv_req_t*>(&file->request));
}

void UvReactor::ProcessCancels() {
  std::vector<uint64_t>& tokens = cancels_.Take();
  for (uint64_t token : tokens) {
    // Not found: delivered already, and perhaps its memory reused since.
    IoOperation* op = ops_.Find(token);
    if (op == nullptr) continue;
    switch (StageOf(op)) {
      case OpStage::kReady:
        continue;  // it completed first and keeps its result
      case OpStage::kTimer:
        timers_.Remove(op);
        break;
      case OpStage::kWaiting:
        Unpark(op);
        break;
      case OpStage::kFile:
        CancelFileIo(op);
        continue;  // completes from its callback
    }
    Finish(op, -ECANCELED);
  }
}

void UvReactor::FireTimers(TimePoint now) {
  while (IoOperation* op = timers_.PopExpired(now)) Finish(op, -ETIME);
}

void UvReactor::RunLoopOnce(std::optional<TimePoint> wake_at) {
  if (!wake_at) {
    uv_run(&loop_, UV_RUN_ONCE);
    return;
  }
  const TimePoint now = Clock::now();
  if (*wake_at <= now) {
    uv_run(&loop_, UV_RUN_NOWAIT);
    return;
  }
  // The timer counts from the loop's cached time: refresh it, or the wait
  // would be short by however long ago the loop last turned.
  uv_update_time(&loop_);
  uv_timer_start(
      &timer_, [](uv_timer_t* timer) { uv_stop(timer->loop); },
      MillisecondsUntil(*wake_at, now), /*repeat=*/0);
  uv_run(&loop_, UV_RUN_ONCE);
  uv_timer_stop(&timer_);
}

absl::StatusOr<int> UvReactor::Run(std::optional<TimePoint> deadline) {
  for (;;) {
    if (cancels_.pending()) ProcessCancels();
    if (!timers_.empty()) FireTimers(Clock::now());
    if (!ready_.empty()) {
      if (WaitingOnLoop() > 0 && ++polls_skipped_ >= kMaxPollsSkipped) {
        polls_skipped_ = 0;
        uv_run(&loop_, UV_RUN_NOWAIT);
      }
      break;
    }
    polls_skipped_ = 0;

    std::optional<TimePoint> wake_at = deadline;
    if (!timers_.empty() && (!wake_at || timers_.earliest() < *wake_at)) {
      wake_at = timers_.earliest();
    }
    RunLoopOnce(wake_at);

    if (cancels_.pending()) ProcessCancels();
    const TimePoint now = Clock::now();
    if (!timers_.empty()) FireTimers(now);
    if (waker_.TakeWoken() || !ready_.empty()) break;
    if (deadline && now >= *deadline) break;
    // Otherwise the timer ended the wait a little early (libuv's clock), or
    // the loop only ran close callbacks: wait on.
  }
  // A wake-up that came with completions is answered by this return too.
  waker_.TakeWoken();
  return Deliver();
}

int UvReactor::Deliver() {
  OpList batch = std::exchange(ready_, OpList{});
  int delivered = 0;
  while (IoOperation* op = batch.PopFront()) {
    const int32_t result = ResultOf(op);
    ops_.Release(TokenOf(op));
    op->complete(op->context, result);  // may free `op`, or submit it again
    ++delivered;
  }
  return delivered;
}

}  // namespace weft::uv
