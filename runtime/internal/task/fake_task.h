// FakeTask: a TaskHeader whose body is a test's function, and which counts
// what the state machine did to it (polls, completion, cancellation, the
// output dropped, destruction) in a TaskRecord that outlives the task. For
// unit tests of the task state machine and its owners, without coroutines,
// a runtime or a backend.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_FAKE_TASK_H_
#define WEFT_RUNTIME_INTERNAL_TASK_FAKE_TASK_H_

#include <atomic>
#include <functional>
#include <utility>

#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/task_header.h"
#include "runtime/spawn_options.h"

namespace weft::internal {

struct TaskRecord {
  std::atomic<int> polls{0};
  std::atomic<int> completed{0};  // CompleteBody
  std::atomic<int> cancelled{0};  // CancelBody
  std::atomic<int> outputs_dropped{0};
  std::atomic<int> destroyed{0};
  // Polls that started while another poll of the same task was running
  // (must stay 0: kRunning excludes them).
  std::atomic<int> overlapping_polls{0};
  std::atomic<int> running{0};
  // Free for a test's body to use (e.g. "what the task waits for is ready").
  std::atomic<bool> ready{false};

  int finished() const { return completed.load() + cancelled.load(); }
};

class FakeTask final : public TaskHeader {
 public:
  // One poll of the body, run with the task's context current (so it may
  // call YieldFrom or SuspendOn); returns true when the body has finished.
  using Body = std::function<bool(FakeTask&)>;

  // Starts as every new task does: queued, joinable, with three references
  // (the owner's, the queue entry's and the JoinHandle's).
  FakeTask(TaskRecord& record, Body body, bool panics = false)
      : TaskHeader(SpawnOptions{}, /*async=*/true),
        record_(record),
        body_(std::move(body)),
        panics_(panics) {}

  TaskRecord& record() { return record_; }

 private:
  ~FakeTask() override { record_.destroyed.fetch_add(1); }

  bool PollBody() override {
    if (record_.running.fetch_add(1) != 0) {
      record_.overlapping_polls.fetch_add(1);
    }
    record_.polls.fetch_add(1);
    // As ExecContext::ResumeIfReady does before resuming: the previous
    // suspension is consumed.
    context_.resume = nullptr;
    context_.pollable = nullptr;
    context_.wait_kind = WaitKind::kNone;
    bool done = body_ ? body_(*this) : true;
    record_.running.fetch_sub(1);
    return done;
  }
  bool CompleteBody() override {
    record_.completed.fetch_add(1);
    return !panics_;
  }
  void CancelBody() override { record_.cancelled.fetch_add(1); }
  void DropOutput() override { record_.outputs_dropped.fetch_add(1); }

  TaskRecord& record_;
  Body body_;
  bool panics_;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_FAKE_TASK_H_
