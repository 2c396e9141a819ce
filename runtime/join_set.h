/// \file
/// JoinSet<T>: a collection of spawned tasks whose results are reaped in
/// completion order. Not thread-safe: one owner at a time, like tokio's
/// `&mut JoinSet`. Destroying it aborts every task still in it.
///
/// How completion order is kept: each task's JoinHandle waker is an Entry of
/// the set. When the task completes, the Entry moves itself (under the shared
/// lock) to the `ready` queue and wakes whoever awaits join_next. join_next
/// takes an entry off `ready` only when its await completes, so a join_next
/// that loses a select race loses nothing.

#ifndef WEFT_RUNTIME_JOIN_SET_H_
#define WEFT_RUNTIME_JOIN_SET_H_

#include <atomic>
#include <coroutine>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/errors.h"
#include "runtime/internal/memory/task_memory.h"
#include "runtime/internal/task/exec_context.h"
#include "runtime/join_handle.h"
#include "runtime/local_set.h"
#include "runtime/runtime.h"
#include "runtime/spawn.h"
#include "runtime/task.h"

namespace weft {
namespace internal {

template <typename T>
class JoinSetEntry;

template <typename T>
struct JoinSetShared {
  std::mutex mu;
  std::deque<JoinSetEntry<T>*> ready;  ///< each holds a reference
  std::atomic<size_t> ready_count{0};
  Waker joiner;
};

template <typename T>
class JoinSetEntry final : public Wakeable, public InTaskMemory {
 public:
  JoinSetEntry(JoinHandle<T> handle, std::shared_ptr<JoinSetShared<T>> shared)
      : handle(std::move(handle)), shared_(std::move(shared)) {}

  /// The task completed (its join waker fired).
  void Wake() override {
    Waker joiner;
    {
      std::lock_guard lock(shared_->mu);
      if (queued_ || detached_) return;
      queued_ = true;
      Ref();
      shared_->ready.push_back(this);
      shared_->ready_count.fetch_add(1, std::memory_order_release);
      joiner = shared_->joiner;
    }
    std::move(joiner).wake_and_drop();
  }
  void Ref() override { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() override {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  /// Called by the owner, under no lock: stop reporting to the set.
  void Detach() {
    std::lock_guard lock(shared_->mu);
    detached_ = true;
  }

  JoinHandle<T> handle;
  /// The owner's intrusive list of entries not yet joined.
  JoinSetEntry* prev = nullptr;
  JoinSetEntry* next = nullptr;

 private:
  std::atomic<uint32_t> refs_{1};
  std::shared_ptr<JoinSetShared<T>> shared_;
  bool queued_ = false;
  bool detached_ = false;
};

}  // namespace internal

/// A set of spawned tasks with results of type T, reaped in completion
/// order by join_next (tokio's JoinSet; see the top of this file).
template <typename T = void>
class JoinSet {
  using Entry = internal::JoinSetEntry<T>;

 public:
  /// What join_next_with_id yields: the finished task's id (with its value
  /// unless T is void), or the JoinError of a task that panicked or was
  /// cancelled.
  using IdResult = std::conditional_t<
      std::is_void_v<T>, std::expected<TaskId, JoinError>,
      std::expected<std::pair<TaskId, internal::VoidToMonostate<T>>,
                    JoinError>>;

  /// Move-only. Assigning over a JoinSet, or destroying it, aborts every
  /// task still in it.
  ///@{
  JoinSet() : shared_(std::make_shared<internal::JoinSetShared<T>>()) {}
  JoinSet(JoinSet&& other) noexcept
      : shared_(std::move(other.shared_)),
        head_(std::exchange(other.head_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  JoinSet& operator=(JoinSet&& other) noexcept {
    if (this != &other) {
      Clear(/*abort=*/true);
      shared_ = std::move(other.shared_);
      head_ = std::exchange(other.head_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~JoinSet() { Clear(/*abort=*/true); }
  ///@}

  /// Spawns a task as weft::spawn, spawn_named, spawn_blocking or
  /// spawn_local would, into this set. The AbortHandle aborts it; its
  /// result comes out of join_next.
  ///@{
  template <internal::SpawnBody B>
  requires std::is_same_v<internal::SpawnOutput<B>, T> AbortHandle
  spawn(B&& body, SpawnOptions options = {}) {
    return Insert(weft::spawn(std::forward<B>(body), std::move(options)));
  }
  template <internal::SpawnBody B>
  requires std::is_same_v<internal::SpawnOutput<B>, T> AbortHandle
  spawn_named(std::string name, B&& body,
              std::source_location location = std::source_location::current()) {
    return Insert(
        weft::spawn_named(std::move(name), std::forward<B>(body), location));
  }
  template <typename F>
  requires std::is_same_v<internal::BlockingOutput<F>, T> AbortHandle
  spawn_blocking(F&& function, SpawnOptions options = {}) {
    return Insert(
        weft::spawn_blocking(std::forward<F>(function), std::move(options)));
  }
  template <internal::SpawnBody B>
  requires std::is_same_v<internal::SpawnOutput<B>, T> AbortHandle
  spawn_local(B&& body, SpawnOptions options = {}) {
    return Insert(weft::spawn_local(std::forward<B>(body), std::move(options)));
  }
  ///@}
  /// The same, on a given runtime or LocalSet rather than the current one.
  ///@{
  template <internal::SpawnBody B>
  requires std::is_same_v<internal::SpawnOutput<B>, T> AbortHandle
  spawn_on(B&& body, const Handle& handle, SpawnOptions options = {}) {
    return Insert(handle.spawn(std::forward<B>(body), options));
  }
  template <typename F>
  requires std::is_same_v<internal::BlockingOutput<F>, T> AbortHandle
  spawn_blocking_on(F&& function, const Handle& handle,
                    SpawnOptions options = {}) {
    return Insert(handle.spawn_blocking(std::forward<F>(function), options));
  }
  template <internal::SpawnBody B>
  requires std::is_same_v<internal::SpawnOutput<B>, T> AbortHandle
  spawn_local_on(B&& body, LocalSet& local_set, SpawnOptions options = {}) {
    return Insert(local_set.spawn_local(std::forward<B>(body), options));
  }
  ///@}
  /// Adds a task spawned elsewhere (e.g. on a given Handle or LocalSet).
  AbortHandle insert(JoinHandle<T> handle) { return Insert(std::move(handle)); }

  /// Spawns every body of `bodies` (Task<T>s or callables returning one) on
  /// the current runtime, as spawn would, each with `options` (tokio's
  /// Extend and FromIterator); from_range makes a new set of them.
  ///@{
  template <std::ranges::input_range R>
  requires internal::SpawnBody<std::ranges::range_value_t<R>>
  void extend(R&& bodies, SpawnOptions options = {}) {
    for (auto&& body : bodies) spawn(std::move(body), options);
  }
  template <std::ranges::input_range R>
  requires internal::SpawnBody<std::ranges::range_value_t<R>>
  static JoinSet from_range(R&& bodies, SpawnOptions options = {}) {
    JoinSet set;
    set.extend(std::forward<R>(bodies), options);
    return set;
  }
  ///@}

  /// Tasks in the set: spawned or inserted, not yet reaped or detached.
  size_t size() const { return size_; }
  /// size() == 0.
  bool empty() const { return size_ == 0; }

  /// Awaitable of std::optional<JoinResult<T>>: the next task to finish, or
  /// std::nullopt when the set is empty. Cancel safe.
  auto join_next() { return NextAwaiter<false>(*this); }
  /// Same, with the task's id on both sides.
  auto join_next_with_id() { return NextAwaiter<true>(*this); }

  /// A finished task's result if one is ready, else std::nullopt.
  std::optional<JoinResult<T>> try_join_next() { return Next(); }
  /// Same, with the task's id on both sides.
  std::optional<IdResult> try_join_next_with_id() { return NextWithId(); }

  /// Aborts every task; they stay in the set until joined.
  void abort_all() {
    for (Entry* entry = head_; entry != nullptr; entry = entry->next) {
      entry->handle.abort();
    }
  }
  /// Removes every task from the set without aborting it.
  void detach_all() { Clear(/*abort=*/false); }

  /// Aborts all, then waits until every task is gone.
  Task<void> shutdown() {
    abort_all();
    while (true) {
      std::optional<JoinResult<T>> next = co_await join_next();
      if (!next.has_value()) break;
    }
  }

  /// Waits for every task; results in completion order. A panicked task's
  /// exception is rethrown and a cancelled one throws UsageError (the rest
  /// of the set is aborted first). The set is empty afterwards.
  auto join_all() { return JoinAll(); }

  /// Awaitable of JoinResult<std::vector<T>> (JoinResult<void> for
  /// JoinSet<void>): every result in completion order when every task
  /// succeeds. The first task to fail (a panic, or a cancellation: any
  /// JoinError) wins: the rest are aborted and awaited, so that none
  /// outlives the call, and its JoinError is returned. The set is empty
  /// afterwards. A JoinSet<std::expected<V, E>> gets each task's expected as
  /// its value; only JoinErrors count as failures.
  ///
  ///   JoinSet<int> set;
  ///   for (int i = 0; i < 3; ++i) set.spawn(Fetch(i));
  ///   JoinResult<std::vector<int>> all = co_await set.try_join_all();
  ///   if (!all) std::printf("%s\n", all.error().message().c_str());
  auto try_join_all() { return TryJoinAll(); }

  /// join_next, skipping tasks that were cancelled (aborted): the next task
  /// that returned or panicked, or std::nullopt once the set is empty. Cancel
  /// safe, like join_next (a cancelled task it skipped was gone anyway).
  ///
  ///   set.abort_all();  // or some of them
  ///   while (auto next = co_await set.join_next_ignoring_cancelled()) ...
  Task<std::optional<JoinResult<T>>> join_next_ignoring_cancelled() {
    while (true) {
      std::optional<JoinResult<T>> next = co_await join_next();
      if (next.has_value() && !next->has_value() &&
          next->error().is_cancelled()) {
        continue;
      }
      co_return next;
    }
  }

 private:
  template <bool kWithId>
  class NextAwaiter final : public internal::Pollable {
   public:
    explicit NextAwaiter(JoinSet& set) : set_(set) {}
    bool await_ready() {
      if (set_.size_ == 0) return true;
      return set_.shared_->ready_count.load(std::memory_order_acquire) > 0 &&
             internal::TryConsumeBudget();
    }
    bool await_suspend(std::coroutine_handle<> handle) {
      internal::ExecContext& context =
          internal::ContextFor("JoinSet::join_next");
      {
        std::lock_guard lock(set_.shared_->mu);
        set_.shared_->joiner = internal::Waker(context.waker_target);
      }
      if (IsReady()) {
        if (internal::TryConsumeBudget()) return false;
        internal::YieldFrom(handle);
        return true;
      }
      internal::SuspendOn(handle, this, internal::WaitKind::kOther);
      return true;
    }
    auto await_resume() {
      if constexpr (kWithId) {
        return set_.NextWithId();
      } else {
        return set_.Next();
      }
    }
    bool IsReady() override {
      return set_.shared_->ready_count.load(std::memory_order_acquire) > 0;
    }

   private:
    JoinSet& set_;
  };

  AbortHandle Insert(JoinHandle<T> handle) {
    AbortHandle abort = handle.abort_handle();
    internal::JoinableTask<T>* task = handle.raw();
    auto* entry = new Entry(std::move(handle), shared_);
    entry->next = head_;
    if (head_ != nullptr) head_->prev = entry;
    head_ = entry;
    ++size_;
    if (!task->SetJoinWaker(internal::Waker(entry))) entry->Wake();
    return abort;
  }

  Entry* PopReady() {
    std::lock_guard lock(shared_->mu);
    if (shared_->ready.empty()) return nullptr;
    Entry* entry = shared_->ready.front();
    shared_->ready.pop_front();
    shared_->ready_count.fetch_sub(1, std::memory_order_release);
    return entry;
  }

  void Unlink(Entry* entry) {
    if (entry->prev != nullptr) {
      entry->prev->next = entry->next;
    } else {
      head_ = entry->next;
    }
    if (entry->next != nullptr) entry->next->prev = entry->prev;
    entry->prev = entry->next = nullptr;
    --size_;
  }

  /// Takes the output of a ready entry and forgets the entry. The entry's
  /// handle is released here: the task's waker still references the entry,
  /// so an entry that kept its handle would keep its task alive forever.
  JoinResult<T> TakeResult(Entry* entry) {
    Unlink(entry);
    JoinHandle<T> handle = std::move(entry->handle);
    JoinResult<T> result = handle.raw()->TakeOutput();
    entry->Unref();  // the ready queue's reference
    entry->Unref();  // the set's reference
    return result;
  }

  std::optional<JoinResult<T>> Next() {
    Entry* entry = PopReady();
    if (entry == nullptr) return std::nullopt;
    return TakeResult(entry);
  }

  std::optional<IdResult> NextWithId() {
    Entry* entry = PopReady();
    if (entry == nullptr) return std::nullopt;
    TaskId id = entry->handle.id();
    JoinResult<T> result = TakeResult(entry);
    if (!result.has_value())
      return IdResult(std::unexpect, std::move(result.error()));
    if constexpr (std::is_void_v<T>) {
      return IdResult(id);
    } else {
      return IdResult(std::in_place, id, std::move(*result));
    }
  }

  /// Empties the set: each task is detached (and aborted if `abort`).
  void Clear(bool abort) {
    if (shared_ == nullptr) return;
    while (Entry* entry = head_) {
      Unlink(entry);
      if (abort) entry->handle.abort();
      entry->Detach();
      JoinHandle<T> detached = std::move(entry->handle);  // see TakeResult
      entry->Unref();
    }
    std::deque<Entry*> ready;
    {
      std::lock_guard lock(shared_->mu);
      ready.swap(shared_->ready);
      shared_->ready_count.store(0, std::memory_order_release);
    }
    for (Entry* entry : ready) entry->Unref();
  }

  auto JoinAll()
      -> Task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> {
    std::conditional_t<std::is_void_v<T>, size_t, std::vector<T>> results{};
    while (auto next = co_await join_next()) {
      if (!next->has_value()) {
        JoinError error = std::move(next->error());
        Clear(/*abort=*/true);
        if (error.is_panic()) std::rethrow_exception(error.into_panic());
        throw UsageError(absl::StrCat(
            "JoinSet::join_all: ", error.message(),
            "; join_all expects every task to finish: reap a set whose "
            "tasks may be aborted with join_next, which yields each "
            "cancellation as a JoinError"));
      }
      if constexpr (!std::is_void_v<T>) results.push_back(std::move(**next));
    }
    if constexpr (!std::is_void_v<T>) co_return results;
  }

  using AllResult = std::conditional_t<std::is_void_v<T>, JoinResult<void>,
                                       JoinResult<std::vector<T>>>;

  Task<AllResult> TryJoinAll() {
    std::conditional_t<std::is_void_v<T>, size_t, std::vector<T>> results{};
    while (true) {
      std::optional<JoinResult<T>> next = co_await join_next();
      if (!next.has_value()) break;
      if (!next->has_value()) {
        JoinError error = std::move(next->error());
        co_await shutdown();
        co_return AllResult(std::unexpect, std::move(error));
      }
      if constexpr (!std::is_void_v<T>) results.push_back(std::move(**next));
    }
    if constexpr (std::is_void_v<T>) {
      co_return AllResult();
    } else {
      co_return AllResult(std::move(results));
    }
  }

  std::shared_ptr<internal::JoinSetShared<T>> shared_;
  Entry* head_ = nullptr;
  size_t size_ = 0;
};

}  // namespace weft

#endif  // WEFT_RUNTIME_JOIN_SET_H_
