#include "runtime/internal/scheduler/local_set_state.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runtime/errors.h"
#include "runtime/internal/task/task_header.h"

namespace weft::internal {
namespace {

thread_local LocalSetState* tls_local_set = nullptr;
// Set by LocalSet::enter; spawn_local falls back to it.
thread_local LocalSetState* tls_entered_local_set = nullptr;

}  // namespace

LocalSetState* CurrentLocalSet() { return tls_local_set; }

LocalSetScope::LocalSetScope(LocalSetState* state) : saved_(tls_local_set) {
  tls_local_set = state;
}
LocalSetScope::~LocalSetScope() { tls_local_set = saved_; }

LocalSetEnterScope::LocalSetEnterScope(std::shared_ptr<LocalSetState> state)
    : state_(std::move(state)), saved_(tls_entered_local_set) {
  tls_entered_local_set = state_.get();
}
LocalSetEnterScope::~LocalSetEnterScope() { tls_entered_local_set = saved_; }

LocalSetState::~LocalSetState() {
  // Leave the dumps first: a dump may be reading this set's tasks.
  std::shared_ptr<RuntimeCore> runtime;
  {
    std::lock_guard lock(mu_);
    runtime = dumped_by_.lock();
  }
  if (runtime != nullptr) runtime->RemoveForeignTasks(this);
  Close();
}

void LocalSetState::Schedule(TaskHeader* task, bool yielded) {
  if (tls_local_set == this) {
    if (yielded) {
      deferred_.push_back(task);
    } else {
      local_.push_back(task);
    }
    return;
  }
  if (!remote_.Push(task)) {
    task->Unref();
    return;
  }
  Waker waker;
  {
    std::lock_guard lock(mu_);
    waker = driver_waker_;
  }
  waker.wake();
}

void LocalSetState::Spawn(TaskHeader* task) {
  task->set_scheduler(this);
  if (!owned_.Bind(task)) {
    task->Shutdown(/*owned=*/false);
    task->Unref();
    return;
  }
  Schedule(task, /*yielded=*/false);
}

void LocalSetState::EnterDriver() {
  std::thread::id self = std::this_thread::get_id();
  std::lock_guard lock(mu_);
  if (driving_thread_ != self && driving_thread_ != std::thread::id() &&
      owned_.Size() > 0) {
    throw UsageError(
        "LocalSet driven from a second thread while it has tasks: its tasks "
        "must never change thread; drive a LocalSet from Runtime::block_on "
        "or from a current_thread runtime");
  }
  driving_thread_ = self;
  RuntimeCore* runtime = CurrentRuntime();
  if (runtime == nullptr) return;
  if (runtime == dumped_by_raw_ && !dumped_by_.expired()) return;
  if (std::shared_ptr<RuntimeCore> previous = dumped_by_.lock()) {
    previous->RemoveForeignTasks(this);
  }
  runtime->AddForeignTasks(this);
  dumped_by_ = runtime->weak_from_this();
  dumped_by_raw_ = runtime;
}

void LocalSetState::SetUnhandledPanic(UnhandledPanic behavior) {
  std::lock_guard lock(mu_);
  unhandled_panic_ = behavior;
}

void LocalSetState::OnPanic(TaskHeader* task) {
  Waker waker;
  {
    std::lock_guard lock(mu_);
    if (!unhandled_panic_.has_value()) {
      if (RuntimeCore* runtime = CurrentRuntime()) runtime->OnPanic(task);
      return;
    }
    if (*unhandled_panic_ != UnhandledPanic::kShutdownRuntime ||
        panic_message_.has_value()) {
      return;
    }
    panic_message_ =
        absl::StrCat("LocalSet shut down: its task ", task->id().value(),
                     " panicked and the set was given "
                     "unhandled_panic(UnhandledPanic::kShutdownRuntime)");
    waker = driver_waker_;
  }
  waker.wake();
}

void LocalSetState::ThrowIfPanicShutdown() {
  std::optional<std::string> message;
  {
    std::lock_guard lock(mu_);
    message = panic_message_;
  }
  if (!message.has_value()) return;
  Close();
  throw RuntimeError(absl::AbortedError(*message));
}

bool LocalSetState::RunReady(int budget) {
  LocalSetScope scope(this);
  for (TaskHeader* task : deferred_) local_.push_back(task);
  deferred_.clear();
  for (int i = 0; i < budget; ++i) {
    TaskHeader* task = nullptr;
    if (!local_.empty() && (i % 31 != 30 || remote_.IsEmpty())) {
      task = local_.front();
      local_.pop_front();
    } else {
      task = remote_.Pop();
    }
    if (task == nullptr) return false;
    task->Run();
  }
  return HasReady();
}

bool LocalSetState::HasReady() const {
  return !local_.empty() || !deferred_.empty() || !remote_.IsEmpty();
}

void LocalSetState::SetDriverWaker(Waker waker) {
  std::lock_guard lock(mu_);
  driver_waker_ = std::move(waker);
}

void LocalSetState::Close() {
  {
    LocalSetScope scope(this);
    owned_.CloseAndShutdownAll();
  }
  remote_.CloseAndDrop();
  for (TaskHeader* task : local_) task->Unref();
  local_.clear();
  for (TaskHeader* task : deferred_) task->Unref();
  deferred_.clear();
  std::lock_guard lock(mu_);
  driver_waker_ = Waker();
}

LocalSetState& CurrentLocalSetOrThrow(const char* operation) {
  if (tls_local_set == nullptr && tls_entered_local_set != nullptr) {
    return *tls_entered_local_set;
  }
  if (tls_local_set == nullptr) {
    throw UsageError(
        std::string(operation) +
        " outside a LocalSet: call it from a task of a LocalSet or "
        "inside LocalSet::enter, or use LocalSet::spawn_local "
        "on a set you drive with run_until");
  }
  return *tls_local_set;
}

}  // namespace weft::internal
