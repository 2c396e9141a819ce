/// \file
/// weft::scope: structured concurrency. A parent awaits a scope in which it
/// spawns children; the scope completes only once every child has finished,
/// so children may borrow the parent's locals (as std::thread::scope does for
/// threads, and unlike weft::spawn, whose tasks may outlive their spawner).
///
///   std::vector<int> data = {1, 2, 3};
///   co_await weft::scope([&](weft::Scope<>& s) -> weft::Task<void> {
///     for (int& x : data) {
///       s.spawn([&x]() -> weft::Task<void> { x *= 2; co_return; });
///     }
///     co_return;
///   });  // every child has finished here: data == {2, 4, 6}
///
///   // Children with a value, reaped as they finish (JoinSet's join_next):
///   int sum = co_await weft::scope<int>([&](weft::Scope<int>& s)
///                                           -> weft::Task<int> {
///     for (int i = 0; i < 3; ++i) s.spawn(Square(i));
///     int total = 0;
///     while (auto next = co_await s.join_next()) total += next->value();
///     co_return total;
///   });
///
/// What a child may borrow: anything that outlives the `co_await
/// weft::scope(...)` expression (the parent's locals, the body lambda and its
/// captures, the Scope itself), but not the body coroutine's own locals,
/// which die when the body returns, possibly before its children finish (the
/// same rule as std::thread::scope; a body that joins its children itself
/// before returning may of course lend them its locals).
///
/// Failures. A child that panics (an exception escapes it) or a body that
/// throws fails the scope, which then throws ScopeError listing every
/// failure with the child's TaskId and name. Under ScopePolicy::kFailFast
/// (the default) the first failure aborts every other child and cancels the
/// body (its frame is destroyed once the aborted children are gone);
/// under kCollectAll everything runs to the end. A child cancelled by an
/// abort (Scope::abort_all, its AbortHandle) is not a failure: join_next
/// reports it as a cancelled JoinError and the scope goes on. Every child's
/// panic counts, also one the body reaped with join_next.
///
/// Children run where Scope::spawn puts them (the current runtime, any
/// worker); Scope::spawn_local puts them on the LocalSet being run on this
/// thread instead. Scope::spawn may be called by the body and by the
/// children (from any thread); join_next only by the body.
///
/// Why no child outlives its scope. Every path by which the scope's
/// coroutine frame is destroyed before its end — the parent task aborted
/// while it awaits the scope, the body cancelled, a runtime shutdown or a
/// LocalSet's destruction dropping the parent, block_on ending — destroys the
/// frame of the scope's own coroutine first: it is the innermost frame of the
/// parent's chain (the body is driven in a nested context, as select drives
/// its branches, not as an awaited child), and frame chains are destroyed
/// innermost first (runtime/task.h). In that frame a ScopeDrain is the last
/// local constructed, hence the first destroyed, before the body's frame and
/// before anything of the parent. Its destructor runs synchronously, on the
/// thread destroying the parent, and returns only when every child is
/// complete, which for a task means its frame and its callable are destroyed
/// (TaskHeader publishes kComplete after that, with release order; the
/// drain reads it with acquire):
///   * a child that is not running is cancelled right there
///     (TaskHeader::Shutdown, the path runtime shutdown uses): its frame is
///     destroyed on this thread, now;
///   * a child that is running on another worker (or left its worker in
///     block_in_place) is flagged cancelled and will destroy its frame at its
///     next suspension point; the drain waits for that (yielding the thread).
///     A poll is bounded, so this wait is too: it never waits on anything
///     this thread would have to do;
///   * a child spawned meanwhile (by a child, through Scope::spawn) is aborted
///     at once and drained the same way.
/// A multi_thread runtime shutting down stops its workers before it drops
/// any task, so there every child is cancelled synchronously, whichever of
/// parent and children its shutdown reaches first. Only then are the body's
/// frame, the Scope and the parent's frame destroyed.
///
/// Do not destroy the scope's parent from inside one of its children (e.g.
/// by dropping a LocalSet that owns the parent from a child's poll): the
/// drain would wait for a child running on its own thread.

#ifndef WEFT_RUNTIME_SCOPE_H_
#define WEFT_RUNTIME_SCOPE_H_

#include <atomic>
#include <coroutine>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/errors.h"
#include "runtime/internal/memory/task_memory.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/internal/task/task_cell.h"
#include "runtime/join_error.h"
#include "runtime/join_handle.h"
#include "runtime/local_set.h"
#include "runtime/select.h"
#include "runtime/spawn.h"
#include "runtime/task.h"
#include "runtime/task_id.h"

namespace weft {

/// What a scope does on its first failure (weft::scope's `policy`).
enum class ScopePolicy {
  /// The first failure aborts the other children and cancels the body.
  kFailFast,
  /// Every child and the body run to their end; all failures are reported.
  kCollectAll,
};

/// One failure of a scope: a child that panicked, or the body that threw.
struct ScopeFailure {
  /// The child's id; for the body, the id of the task running the scope
  /// (TaskId() in a block_on body, which is no task).
  TaskId id;
  /// The child's SpawnOptions::name ("" when it has none); "scope body" for
  /// the body.
  std::string name;
  /// True for the body's failure, false for a child's.
  bool in_body = false;
  /// What was thrown.
  std::exception_ptr exception;
  /// "task 42 (name, file.cc:17) panicked: <what()>" (JoinError's message),
  /// or "scope body threw: <what()>".
  std::string message;
};

/// Thrown by `co_await weft::scope(...)` when a child panicked or the body
/// threw. failures() lists them in the order they happened.
class ScopeError : public std::exception {
 public:
  /// Makes the error of `failures` (not empty).
  explicit ScopeError(std::vector<ScopeFailure> failures);
  /// Every failure, in the order they happened.
  const std::vector<ScopeFailure>& failures() const { return failures_; }
  /// The failures' messages, joined.
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::vector<ScopeFailure> failures_;
  std::string what_;
};

template <typename T = void>
class Scope;

namespace internal {

/// "<what()>" of an exception, or "unknown exception".
std::string ExceptionText(const std::exception_ptr& exception);
ScopeFailure BodyFailure(std::exception_ptr exception);
ScopeFailure ChildFailure(const JoinError& error, std::string_view name);

template <typename T>
class ScopeEntry;

/// What a scope's children, its body and its drain share. Everything but the
/// atomics is guarded by `mu`.
template <typename T>
struct ScopeShared {
  explicit ScopeShared(ScopePolicy policy, Waker owner)
      : fail_fast(policy == ScopePolicy::kFailFast), owner(std::move(owner)) {}

  bool FailedFast() const {
    return fail_fast && failed.load(std::memory_order_acquire);
  }

  const bool fail_fast;
  /// The task running the scope: woken whenever a child completes.
  const Waker owner;
  std::mutex mu;
  /// Children not yet reaped, in a list through ScopeEntry::prev/next.
  ScopeEntry<T>* head = nullptr;
  size_t size = 0;
  /// Completed children in completion order, each holding a reference.
  std::deque<ScopeEntry<T>*> ready;
  std::atomic<size_t> ready_count{0};
  /// Children not yet complete.
  std::atomic<size_t> unfinished{0};
  std::atomic<bool> failed{false};
  /// Set once the owner aborted every child after a fail-fast failure (or
  /// the drain began): children spawned later are aborted at once.
  bool aborting = false;
  std::vector<ScopeFailure> failures;
};

/// One child: its JoinHandle's waker, which records the outcome on the
/// completing thread and wakes the owner.
template <typename T>
class ScopeEntry final : public Wakeable, public InTaskMemory {
 public:
  ScopeEntry(JoinHandle<T> handle, std::shared_ptr<ScopeShared<T>> shared)
      : handle(std::move(handle)), shared_(std::move(shared)) {}

  void Wake() override {
    {
      std::lock_guard lock(shared_->mu);
      if (queued_) return;
      queued_ = true;
      const JoinError* error = handle.raw()->ErrorOutput();
      if (error != nullptr && error->is_panic()) {
        shared_->failures.push_back(ChildFailure(*error, handle.name()));
        shared_->failed.store(true, std::memory_order_release);
      }
      Ref();
      shared_->ready.push_back(this);
      shared_->ready_count.fetch_add(1, std::memory_order_release);
      shared_->unfinished.fetch_sub(1, std::memory_order_acq_rel);
    }
    shared_->owner.wake();
  }
  void Ref() override { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() override {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  JoinHandle<T> handle;
  ScopeEntry* prev = nullptr;
  ScopeEntry* next = nullptr;

 private:
  std::atomic<uint32_t> refs_{1};  ///< the list's
  std::shared_ptr<ScopeShared<T>> shared_;
  bool queued_ = false;
};

template <typename T>
void UnlinkScopeEntry(ScopeShared<T>& shared, ScopeEntry<T>* entry) {
  if (entry->prev != nullptr) {
    entry->prev->next = entry->next;
  } else {
    shared.head = entry->next;
  }
  if (entry->next != nullptr) entry->next->prev = entry->prev;
  entry->prev = entry->next = nullptr;
  --shared.size;
}

/// Aborts every child not yet complete (and, from now on, every child
/// spawned later).
template <typename T>
void AbortScopeChildren(ScopeShared<T>& shared) {
  std::vector<AbortHandle> running;
  {
    std::lock_guard lock(shared.mu);
    shared.aborting = true;
    for (ScopeEntry<T>* entry = shared.head; entry != nullptr;
         entry = entry->next) {
      if (!entry->handle.is_finished()) {
        running.push_back(entry->handle.abort_handle());
      }
    }
  }
  for (const AbortHandle& handle : running) handle.abort();
}

/// The last local of a scope's frame: see "Why no child outlives its scope"
/// at the top of this file.
template <typename T>
class ScopeDrain {
 public:
  explicit ScopeDrain(std::shared_ptr<ScopeShared<T>> shared)
      : shared_(std::move(shared)) {}
  ScopeDrain(const ScopeDrain&) = delete;
  ScopeDrain& operator=(const ScopeDrain&) = delete;

  ~ScopeDrain() {
    while (true) {
      std::vector<TaskHeader*> pending;
      {
        std::lock_guard lock(shared_->mu);
        shared_->aborting = true;
        for (ScopeEntry<T>* entry = shared_->head; entry != nullptr;
             entry = entry->next) {
          TaskHeader* task = entry->handle.raw();
          if (!task->IsComplete()) {
            task->Ref();
            pending.push_back(task);
          }
        }
      }
      if (pending.empty()) break;
      for (TaskHeader* task : pending) {
        // Cancels an idle child here and now; a running one is flagged and
        // cancels itself at its next suspension point.
        task->Shutdown(/*owned=*/true);
        while (!task->IsComplete()) std::this_thread::yield();
        task->Unref();
      }
    }
    // A child publishes kComplete just before its thread calls the entry's
    // Wake, which still reads the entry's handle: wait for every Wake.
    while (shared_->unfinished.load(std::memory_order_acquire) != 0) {
      std::this_thread::yield();
    }
    // Every child is complete: forget them. Each entry's handle is released
    // first (its task's waker references the entry, see JoinSet).
    std::deque<ScopeEntry<T>*> ready;
    std::vector<ScopeEntry<T>*> entries;
    {
      std::lock_guard lock(shared_->mu);
      while (ScopeEntry<T>* entry = shared_->head) {
        UnlinkScopeEntry(*shared_, entry);
        entries.push_back(entry);
      }
      ready.swap(shared_->ready);
      shared_->ready_count.store(0, std::memory_order_release);
    }
    for (ScopeEntry<T>* entry : entries) {
      JoinHandle<T> dropped = std::move(entry->handle);
      entry->Unref();
    }
    for (ScopeEntry<T>* entry : ready) entry->Unref();
  }

 private:
  std::shared_ptr<ScopeShared<T>> shared_;
};

/// The owner's readiness: the body (while it runs) can go on, every child is
/// done (once the body is), or a fail-fast failure needs handling (abort,
/// then wait for the children).
template <typename T>
class ScopeProgress final : public Pollable {
 public:
  ScopeProgress(ExecContext* body, ScopeShared<T>& shared, const bool& aborted)
      : body_(body), shared_(shared), aborted_(aborted) {}
  bool IsReady() override {
    if (body_ != nullptr && body_->ReadyToResume()) return true;
    const bool children_done =
        shared_.unfinished.load(std::memory_order_acquire) == 0;
    // Without a body (it is done), the scope waits for its children.
    if (body_ == nullptr && children_done) return true;
    if (!shared_.FailedFast()) return false;
    return !aborted_ || children_done;
  }

 private:
  ExecContext* body_;
  ScopeShared<T>& shared_;
  const bool& aborted_;
};

template <typename T, typename R, typename F>
Task<R> RunScope(F make_body, ScopePolicy policy);

}  // namespace internal

/// The handle a scope's body spawns children through. Lives as long as the
/// scope (children may keep a reference to it and spawn siblings).
template <typename T>
class Scope {
  using Entry = internal::ScopeEntry<T>;

 public:
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  /// Spawns a child on the current runtime. Returns a handle to abort it.
  template <internal::SpawnBody B>
  requires std::is_same_v<internal::SpawnOutput<B>, T> AbortHandle
  spawn(B&& body, SpawnOptions options = {}) {
    return Insert(weft::spawn(std::forward<B>(body), std::move(options)));
  }
  /// Spawns a child on the LocalSet being run on this thread (UsageError
  /// outside one).
  template <internal::SpawnBody B>
  requires std::is_same_v<internal::SpawnOutput<B>, T> AbortHandle
  spawn_local(B&& body, SpawnOptions options = {}) {
    return Insert(weft::spawn_local(std::forward<B>(body), std::move(options)));
  }

  /// Awaitable of std::optional<JoinResult<T>>: the next child to finish, or
  /// std::nullopt when every child spawned so far was reaped. Cancel safe.
  /// Only the body may await it.
  auto join_next() {
    if (internal::ContextFor("Scope::join_next").waker_target != owner_) {
      throw UsageError(
          "Scope::join_next called outside the scope's body: only the "
          "body reaps the children (a child may spawn siblings, not join "
          "them)");
    }
    return NextAwaiter(*this);
  }

  /// Children not yet reaped by join_next.
  size_t size() const {
    std::lock_guard lock(shared_->mu);
    return shared_->size;
  }
  /// Aborts every child not yet finished (not a failure of the scope).
  void abort_all() {
    std::vector<AbortHandle> handles;
    {
      std::lock_guard lock(shared_->mu);
      for (Entry* entry = shared_->head; entry != nullptr;
           entry = entry->next) {
        handles.push_back(entry->handle.abort_handle());
      }
    }
    for (const AbortHandle& handle : handles) handle.abort();
  }

 private:
  template <typename U, typename R, typename F>
  friend Task<R> internal::RunScope(F make_body, ScopePolicy policy);

  Scope(ScopePolicy policy, internal::Wakeable* owner)
      : shared_(std::make_shared<internal::ScopeShared<T>>(
            policy, internal::Waker(owner))),
        owner_(owner) {}

  class NextAwaiter final : public internal::Pollable {
   public:
    explicit NextAwaiter(Scope& scope) : scope_(scope) {}
    bool await_ready() {
      if (scope_.size() == 0) return true;
      return IsReady() && internal::TryConsumeBudget();
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      if (IsReady()) {
        if (internal::TryConsumeBudget()) return false;
        internal::YieldFrom(handle);
        return true;
      }
      internal::SuspendOn(handle, this, internal::WaitKind::kOther);
      return true;
    }
    std::optional<JoinResult<T>> await_resume() { return scope_.Next(); }
    bool IsReady() override {
      return scope_.shared_->ready_count.load(std::memory_order_acquire) > 0;
    }

   private:
    Scope& scope_;
  };

  AbortHandle Insert(JoinHandle<T> handle) {
    AbortHandle abort = handle.abort_handle();
    internal::JoinableTask<T>* task = handle.raw();
    auto* entry = new Entry(std::move(handle), shared_);
    bool abort_now;
    {
      std::lock_guard lock(shared_->mu);
      entry->next = shared_->head;
      if (shared_->head != nullptr) shared_->head->prev = entry;
      shared_->head = entry;
      ++shared_->size;
      shared_->unfinished.fetch_add(1, std::memory_order_acq_rel);
      abort_now = shared_->aborting;
    }
    if (abort_now) abort.abort();
    if (!task->SetJoinWaker(internal::Waker(entry))) entry->Wake();
    return abort;
  }

  std::optional<JoinResult<T>> Next() {
    Entry* entry;
    {
      std::lock_guard lock(shared_->mu);
      if (shared_->ready.empty()) return std::nullopt;
      entry = shared_->ready.front();
      shared_->ready.pop_front();
      shared_->ready_count.fetch_sub(1, std::memory_order_release);
      internal::UnlinkScopeEntry(*shared_, entry);
    }
    JoinHandle<T> handle = std::move(entry->handle);
    JoinResult<T> result = handle.raw()->TakeOutput();
    entry->Unref();  // the ready queue's reference
    entry->Unref();  // the list's reference
    return result;
  }

  std::shared_ptr<internal::ScopeShared<T>> shared_;
  internal::Wakeable* const owner_;
};

namespace internal {

template <typename T, typename R, typename F>
Task<R> RunScope(F make_body, ScopePolicy policy) {
  ExecContext& parent = ContextFor("weft::scope");
  // Declaration order is destruction order reversed: `drain` goes first,
  // then the body's frame, then the Scope the body referred to.
  // (The body's context outlives the body's frame, whose destructors may
  // touch it, e.g. weft::unconstrained's.)
  Scope<T> scope(policy, parent.waker_target);
  ScopeShared<T>& shared = *scope.shared_;
  ExecContext body_context = ExecContext::NestedIn(parent);
  Task<R> body;
  ScopeDrain<T> drain(scope.shared_);

  std::optional<VoidToMonostate<R>> value;
  std::exception_ptr body_error;
  bool aborted = false;
  try {
    body = std::invoke(make_body, scope);
  } catch (...) {
    body_error = std::current_exception();
  }
  if (body.valid()) {
    body_context.resume = body.handle();
    ScopeProgress<T> progress(&body_context, shared, aborted);
    while (true) {
      body_context.ResumeIfReady();
      if (body.done()) {
        try {
          value.emplace(TakeBranchResult(body));
        } catch (...) {
          body_error = std::current_exception();
        }
        break;
      }
      if (shared.FailedFast()) {
        if (!aborted) {
          AbortScopeChildren(shared);
          aborted = true;
        }
        if (shared.unfinished.load(std::memory_order_acquire) == 0) {
          // Cancelled by a failure: its children are gone, so nothing it
          // lent them is still borrowed.
          try {
            body.Destroy();
          } catch (...) {
            // A destructor of the cancelled body threw; the scope fails
            // with its first failure anyway.
          }
          break;
        }
      }
      co_await SuspendOnPollable{&progress, body_context.wait_kind,
                                 body_context.Yielded()};
    }
  }
  if (body_error) {
    std::lock_guard lock(shared.mu);
    shared.failures.push_back(BodyFailure(body_error));
    shared.failed.store(true, std::memory_order_release);
  }
  // The body is done: wait for the children it left.
  ScopeProgress<T> children_done(nullptr, shared, aborted);
  while (true) {
    if (shared.FailedFast() && !aborted) {
      AbortScopeChildren(shared);
      aborted = true;
    }
    if (shared.unfinished.load(std::memory_order_acquire) == 0) break;
    co_await SuspendOnPollable{&children_done, WaitKind::kOther, false};
  }
  std::vector<ScopeFailure> failures;
  {
    std::lock_guard lock(shared.mu);
    failures.swap(shared.failures);
  }
  if (!failures.empty()) throw ScopeError(std::move(failures));
  if constexpr (!std::is_void_v<R>) co_return std::move(*value);
}

}  // namespace internal

/// Runs `make_body(scope)` (a callable taking Scope<T>& and returning
/// Task<R>) and yields its value once the body and every child it spawned
/// have finished; throws ScopeError if any failed (see the top of this file).
template <typename T = void, typename F>
requires std::invocable < std::decay_t<F>
&, Scope<T>& >
       &&internal::IsTask<
           std::invoke_result_t<std::decay_t<F>&, Scope<T>&>>::value auto
       scope(F&& make_body, ScopePolicy policy = ScopePolicy::kFailFast) {
  using R =
      typename std::invoke_result_t<std::decay_t<F>&, Scope<T>&>::value_type;
  return internal::RunScope<T, R, std::decay_t<F>>(
      std::decay_t<F>(std::forward<F>(make_body)), policy);
}

}  // namespace weft

#endif  // WEFT_RUNTIME_SCOPE_H_
