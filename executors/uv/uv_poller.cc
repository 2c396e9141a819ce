#include "executors/uv/uv_poller.h"

#include <errno.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "executors/common/readiness_op_state.h"
#include "executors/platform/handles.h"
#include "executors/platform/poll_events.h"
#include "executors/platform/target.h"
#include "executors/uv/uv_errors.h"
#include "executors/uv/uv_file_ops.h"
#include "runtime/file_syscall.h"

namespace weft::uv {
namespace {

using executors_common::HasFlag;
using executors_common::kPollerFlag;
using executors_common::SetFlag;

// The poller's flag on an offloaded operation: its uv_cancel was tried. It
// is not tried twice (a second uv_cancel of a finished request is harmless,
// but a request can only be cancelled before a thread-pool thread takes it).
constexpr executors_common::OpFlag kCancelTried = kPollerFlag;

std::atomic<int64_t> busy_loop_closes{0};

uv_handle_t* AsHandle(auto* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);
}

// The libuv events (UV_READABLE, ...) that report the poll(2) `events`.
// Events libuv cannot watch (POLLERR, POLLHUP: always reported anyway) map
// to nothing; a watch that asks for nothing else waits for a hang-up.
int UvEvents(uint32_t events) {
  int uv_events = 0;
  if ((events & (POLLIN | POLLRDNORM | POLLRDBAND)) != 0) {
    uv_events |= UV_READABLE;
  }
  if ((events & (POLLOUT | POLLWRNORM | POLLWRBAND)) != 0) {
    uv_events |= UV_WRITABLE;
  }
  if ((events & POLLPRI) != 0) uv_events |= UV_PRIORITIZED;
#if WEFT_PLATFORM_LINUX
  if ((events & POLLRDHUP) != 0) uv_events |= UV_DISCONNECT;
#endif
  // A handle started for no event is stopped, and would report nothing at
  // all; UV_DISCONNECT keeps the fd watched for its hang-up and errors.
  return uv_events != 0 ? uv_events : UV_DISCONNECT;
}

// libuv's events as poll(2)'s, for the core.
uint32_t PollEvents(int uv_events) {
  uint32_t events = 0;
  if ((uv_events & UV_READABLE) != 0) events |= POLLIN;
  if ((uv_events & UV_WRITABLE) != 0) events |= POLLOUT;
  if ((uv_events & UV_PRIORITIZED) != 0) events |= POLLPRI;
#if WEFT_PLATFORM_LINUX
  if ((uv_events & UV_DISCONNECT) != 0) events |= POLLRDHUP;
#endif
  return events;
}

// Regular files, block devices and directories: readiness means nothing
// for them. A closed fd is not: the attempt reports the error.
bool IsFileLike(platform::IoHandle fd) {
  return platform::KindOfHandle(fd) == platform::HandleKind::kFileLike;
}

// Whether a stopped watch's fd may be restarted: 0, EBADF (closed) or EPERM
// (a regular file, block device or directory now has its number).
int CheckPollable(platform::IoHandle fd) {
  switch (platform::KindOfHandle(fd)) {
    case platform::HandleKind::kClosed:
      return EBADF;
    case platform::HandleKind::kFileLike:
      return EPERM;
    case platform::HandleKind::kPollable:
      return 0;
  }
  return EBADF;
}

// uv_poll_init for a fd, or for a Winsock SOCKET where libuv needs that.
int InitPoll(uv_loop_t* loop, uv_poll_t* handle, platform::IoHandle fd) {
#if WEFT_PLATFORM_WINDOWS
  // A handle that is not a socket would be taken for one: refuse it as
  // uv_poll_init refuses a regular file.
  if (platform::KindOfHandle(fd) != platform::HandleKind::kPollable) {
    return UV_EPERM;
  }
  return uv_poll_init_socket(loop, handle, static_cast<uv_os_sock_t>(fd));
#else
  return uv_poll_init(loop, handle, fd);
#endif
}

}  // namespace

// The uv_poll_t of one fd, kept (stopped) between its waits until the fd is
// closed through the reactor or the loop. Invariants: `handle.data ==
// this`; `events` is what the handle was last started for (0: stopped).
struct UvPoller::FdWatch {
  explicit FdWatch(platform::IoHandle fd_arg) : fd(fd_arg) {
    handle.data = this;
  }
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  uv_poll_t handle;
  const platform::IoHandle fd;
  int events = 0;
  // The fd was found open and pollable since the handle was last stopped.
  bool checked = false;
};

// A file operation in libuv's thread pool: a uv_fs_* request, or, for what
// uv_fs_* cannot express, a uv_work_t running the system call. libuv owns
// the request from its start until its callback, so this lives on the heap
// (the one allocation of an operation in flight; backend_state[1] points to
// it meanwhile) and is freed by the callback, never before it.
struct UvPoller::FsRequest {
  // The request libuv knows, for uv_cancel.
  uv_req_t* started() {
    return uses_work ? reinterpret_cast<uv_req_t*>(&work)
                     : reinterpret_cast<uv_req_t*>(&fs);
  }

  IoOperation* op = nullptr;
  bool uses_work = false;
  uv_fs_t fs;
  uv_work_t work;
  int32_t work_result = 0;  // weft::FileSyscall's, written by the pool thread
};

absl::StatusOr<std::unique_ptr<executors_common::Poller>> UvPoller::Create() {
  std::unique_ptr<UvPoller> poller(new UvPoller);
  uv_loop_t* loop = &poller->loop_;
  if (int error = uv_loop_init(loop); error != 0) {
    return UvError(error, "uv_loop_init");
  }
  loop->data = poller.get();
  uv_timer_init(loop, &poller->timer_);  // only initializes memory
  if (int error = poller->waker_.Init(loop); error != 0) {
    uv_close(AsHandle(&poller->timer_), nullptr);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return UvError(error, "uv_async_init");
  }
  poller->initialized_ = true;
  return poller;
}

UvPoller::~UvPoller() {
  if (!initialized_) return;
  // The watches of fds that were never closed through the reactor.
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

int64_t UvPoller::BusyLoopCloses() {
  return busy_loop_closes.load(std::memory_order_relaxed);
}

int UvPoller::Watch(platform::IoHandle fd, uint32_t events) {
  FdWatch* watch;
  if (auto it = watches_.find(fd); it != watches_.end()) {
    watch = it->second;
  } else {
    auto created = std::make_unique<FdWatch>(fd);
    // Also makes the fd O_NONBLOCK. On failure the handle was never
    // initialized, so it needs no uv_close; UV_EPERM: a regular file.
    if (int error = InitPoll(&loop_, &created->handle, fd); error != 0) {
      return ErrnoFromUv(error);
    }
    watch = created.release();
    watches_.emplace(fd, watch);
    watch->checked = true;  // uv_poll_init just checked the fd
  }
  const int wanted = UvEvents(events);
  if (wanted == watch->events) return 0;
  // libuv registers a (re)started handle's fd with the kernel on its next
  // turn and aborts the process if the fd is closed by then, or cannot be
  // polled (a regular file that reused the number of a fd closed behind the
  // reactor's back). Such a fd fails its waiters instead.
  if (!watch->checked) {
    if (const int error = CheckPollable(fd); error != 0) {
      CloseWatch(watch);
      return error;
    }
    watch->checked = true;
  }
  uv_poll_start(
      &watch->handle, wanted, [](uv_poll_t* handle, int status, int events) {
        static_cast<UvPoller*>(handle->loop->data)
            ->OnPollEvent(static_cast<FdWatch*>(handle->data), status, events);
      });
  watch->events = wanted;
  return 0;
}

void UvPoller::Unwatch(platform::IoHandle fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  FdWatch* watch = it->second;
  // Stopped, not closed: the next wait on this fd restarts the same handle
  // rather than initializing a new one (uv_poll_init costs two epoll_ctl
  // calls of its own, to check that the fd can be polled). A stopped handle
  // has no kernel registration left, so the fd may be closed now; it is
  // checked again before the handle is restarted.
  if (watch->events != 0) uv_poll_stop(&watch->handle);
  watch->events = 0;
  watch->checked = false;
}

int32_t UvPoller::Close(platform::IoHandle fd) {
  // Synchronous (no callback): a close does not wait for the disk, and
  // libuv treats an interrupted close as done, as POSIX allows.
  if (auto it = watches_.find(fd); it != watches_.end()) CloseWatch(it->second);
#if WEFT_PLATFORM_WINDOWS
  // A socket or a file HANDLE (not a C runtime fd, which uv_fs_close takes).
  return -platform::CloseIoHandle(fd);
#else
  uv_fs_t request;
  const int result = uv_fs_close(&loop_, &request, fd, nullptr);
  uv_fs_req_cleanup(&request);
  return ResultFromUv(result);
#endif
}

void UvPoller::CloseWatch(FdWatch* watch) {
  watches_.erase(watch->fd);
  uv_close(AsHandle(&watch->handle), [](uv_handle_t* handle) {
    delete static_cast<FdWatch*>(handle->data);
  });
}

void UvPoller::OnPollEvent(FdWatch* watch, int status, int events) {
  uint32_t revents = PollEvents(events);
  if (status < 0) {
    // libuv saw POLLERR and stopped the handle: retry everything, and let
    // the system calls and poll(2) report the actual error.
    watch->events = 0;
    revents = POLLIN | POLLOUT | POLLERR;
  }
  sink().OnReady(watch->fd, revents);  // may close `watch`
}

absl::StatusOr<bool> UvPoller::Wait(
    std::optional<std::chrono::nanoseconds> timeout) {
  bool woken = false;
  const bool blocks = !timeout || *timeout > std::chrono::nanoseconds::zero();
  if (blocks && !waker_.BeginBlockingWait()) {
    woken = true;
    timeout = std::chrono::nanoseconds::zero();  // still run what is ready
  }
  if (!timeout) {
    uv_run(&loop_, UV_RUN_ONCE);
  } else if (*timeout <= std::chrono::nanoseconds::zero()) {
    uv_run(&loop_, UV_RUN_NOWAIT);
  } else {
    // Rounded up, so that the wait never ends before the timeout on
    // libuv's own clock; the timer counts from the loop's cached time, so
    // that is refreshed first.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*timeout);
    uv_update_time(&loop_);
    uv_timer_start(
        &timer_, [](uv_timer_t* timer) { uv_stop(timer->loop); },
        static_cast<uint64_t>(ms.count()), /*repeat=*/0);
    uv_run(&loop_, UV_RUN_ONCE);
    uv_timer_stop(&timer_);
  }
  if (blocks && !woken) waker_.EndBlockingWait();
  return waker_.TakeWoken() || woken;
}

bool UvPoller::Offload(IoOperation* op) {
  if (!IsFileSystemOpcode(op->opcode) && !IsFileLike(op->fd)) return false;
  if (const int32_t error = MissingArgument(*op); error < 0) {
    sink().OnOffloadDone(op, error);
    return true;
  }
  auto* file = new FsRequest;
  file->op = op;
  int error;
  if (ExpressibleWithUvFs(*op)) {
    file->fs.data = file;
    error = StartUvFs(&loop_, &file->fs, *op, [](uv_fs_t* request) {
      static_cast<UvPoller*>(request->loop->data)
          ->OnFileIoDone(static_cast<FsRequest*>(request->data));
    });
    if (error < 0) uv_fs_req_cleanup(&file->fs);
  } else {
    file->uses_work = true;
    file->work.data = file;
    error = uv_queue_work(
        &loop_, &file->work,
        [](uv_work_t* work) {
          auto* running = static_cast<FsRequest*>(work->data);
          running->work_result = weft::FileSyscall(*running->op);
        },
        [](uv_work_t* work, int status) {
          auto* done = static_cast<FsRequest*>(work->data);
          // UV_ECANCELED: no thread ran it.
          if (status < 0) done->work_result = ResultFromUv(status);
          static_cast<UvPoller*>(work->loop->data)->OnFileIoDone(done);
        });
  }
  if (error < 0) {
    delete file;
    sink().OnOffloadDone(op, ResultFromUv(error));
    return true;
  }
  op->backend_state[1] = file;
  return true;
}

void UvPoller::OnFileIoDone(FsRequest* file) {
  IoOperation* op = file->op;
  int32_t result;
  if (file->uses_work) {
    result = file->work_result;
  } else {
    result = UvFsResult(file->fs, *op);
    uv_fs_req_cleanup(&file->fs);
  }
  delete file;
  sink().OnOffloadDone(op, result);
}

void UvPoller::CancelOffloaded(IoOperation* op) {
  if (HasFlag(op, kCancelTried)) return;
  SetFlag(op, kCancelTried);
  auto* file = static_cast<FsRequest*>(op->backend_state[1]);
  // 0: no thread took it yet, and libuv completes it with UV_ECANCELED.
  // UV_EBUSY: a thread is using the buffer now; the real result comes.
  uv_cancel(file->started());
}

}  // namespace weft::uv
