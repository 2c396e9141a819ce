#include "runtime/internal/scheduler/local_set_state.h"

#include <utility>

#include "runtime/errors.h"
#include "runtime/internal/task/task_header.h"

namespace weft::internal {
namespace {

thread_local LocalSetState* tls_local_set = nullptr;

}  // namespace

LocalSetState* CurrentLocalSet() { return tls_local_set; }

LocalSetScope::LocalSetScope(LocalSetState* state) : saved_(tls_local_set) {
  tls_local_set = state;
}
LocalSetScope::~LocalSetScope() { tls_local_set = saved_; }

LocalSetState::~LocalSetState() { Close(); }

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
  if (tls_local_set == nullptr) {
    throw UsageError(std::string(operation) +
                     " outside a LocalSet: call it from a task of a LocalSet, "
                     "or use LocalSet::spawn_local on a set you drive with "
                     "run_until");
  }
  return *tls_local_set;
}

}  // namespace weft::internal
