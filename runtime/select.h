/// \file
/// select: await several branches at once; the first to finish wins and the
/// others are cancelled (their frames destroyed) before select returns.
///
///   auto winner = co_await weft::select(fetch(), weft::sleep(1s), handle);
///   switch (winner.index()) { ... std::get<0>(winner) ... }
///
/// Branches are Task<T> (moved in; yields T, std::monostate for void), Sleep
/// (yields std::monostate), JoinHandle<T>& (yields JoinResult<T>; the handle
/// is not consumed, so losing the race loses nothing), and any other awaitable
/// passed by value (Notify::notified(), mpsc recv, ...: yields its result).
/// Branches run inside the awaiting task, each in its own nested context;
/// nothing is spawned. Each round polls them starting at a random branch, so
/// that when several are ready any may win (tokio's select!); select_biased
/// polls in argument order, the first ready branch winning. An exception from a
/// branch propagates (after the other branches are destroyed).

#ifndef WEFT_RUNTIME_SELECT_H_
#define WEFT_RUNTIME_SELECT_H_

#include <array>
#include <coroutine>
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "runtime/internal/task/exec_context.h"
#include "runtime/join_handle.h"
#include "runtime/sleep.h"
#include "runtime/task.h"

namespace weft {
namespace internal {

template <typename T>
using VoidToMonostate =
    std::conditional_t<std::is_void_v<T>, std::monostate, T>;

inline Task<void> AwaitSleep(Sleep sleep) { co_await sleep; }

template <typename T>
Task<JoinResult<T>> AwaitHandle(JoinHandle<T>& handle) {
  co_return co_await handle;
}

/// Turns a branch argument into the Task that select drives.
template <typename T>
Task<T> AsBranch(Task<T>&& task) {
  return std::move(task);
}
inline Task<void> AsBranch(Sleep&& sleep) {
  return AwaitSleep(std::move(sleep));
}
template <typename T>
Task<JoinResult<T>> AsBranch(JoinHandle<T>& handle) {
  return AwaitHandle(handle);
}

/// Any other awaitable (Notify::notified(), an mpsc recv, ...), moved in.
template <typename A>
using AwaitResult = decltype(std::declval<A&>().await_resume());

template <typename A>
Task<AwaitResult<A>> AwaitValue(A awaitable) {
  co_return co_await std::move(awaitable);
}

template <typename A>
requires(!std::is_lvalue_reference_v<A> && !IsTask<std::decay_t<A>>::value &&
         !std::is_same_v<std::decay_t<A>, Sleep>)
    Task<AwaitResult<std::decay_t<A>>> AsBranch(A&& awaitable) {
  return AwaitValue<std::decay_t<A>>(std::forward<A>(awaitable));
}

/// Readiness of the select as a whole: any branch can make progress.
template <size_t N>
class AnyBranchReady final : public Pollable {
 public:
  explicit AnyBranchReady(std::array<ExecContext, N>& contexts)
      : contexts_(contexts) {}
  bool IsReady() override {
    for (ExecContext& context : contexts_) {
      if (context.ReadyToResume()) return true;
    }
    return false;
  }

 private:
  std::array<ExecContext, N>& contexts_;
};

/// Suspends the awaiting context on `pollable`, or yields when `yield`.
struct SuspendOnPollable {
  Pollable* pollable;
  WaitKind kind;
  bool yield;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> handle) const {
    if (yield) {
      YieldFrom(handle);
    } else {
      SuspendOn(handle, pollable, kind);
    }
  }
  void await_resume() const noexcept {}
};

template <typename T>
VoidToMonostate<T> TakeBranchResult(Task<T>& task) {
  if constexpr (std::is_void_v<T>) {
    task.promise().TakeResult();
    return std::monostate{};
  } else {
    return task.promise().TakeResult();
  }
}

/// The branch select polls first: uniformly random, so that no branch
/// starves when several are ready every time (tokio's select!).
size_t RandomBranch(size_t count);

template <bool kBiased, typename... Ts>
Task<std::variant<VoidToMonostate<Ts>...>> Select(Task<Ts>... branches) {
  constexpr size_t kCount = sizeof...(Ts);
  using Outcome = std::variant<VoidToMonostate<Ts>...>;
  std::tuple<Task<Ts>...> tasks(std::move(branches)...);
  ExecContext& parent = ContextFor("weft::select");
  std::array<ExecContext, kCount> contexts;
  std::array<std::coroutine_handle<>, kCount> handles;
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((contexts[I] = ExecContext::NestedIn(parent),
      handles[I] = std::get<I>(tasks).handle(),
      contexts[I].resume = handles[I]),
     ...);
  }
  (std::index_sequence_for<Ts...>{});
  AnyBranchReady<kCount> any_ready(contexts);

  while (true) {
    size_t winner = kCount;
    // Each round starts at a random branch and goes round (argument order
    // when biased); the first branch found done wins.
    const size_t first = kBiased ? 0 : RandomBranch(kCount);
    for (size_t k = 0; k < kCount && winner == kCount; ++k) {
      const size_t i = (first + k) % kCount;
      contexts[i].ResumeIfReady();
      if (handles[i].done()) winner = i;
    }
    if (winner != kCount) {
      // Cancel the losers first, then take the winner's result (which may
      // rethrow the winner's exception).
      std::optional<Outcome> outcome;
      [&]<size_t... I>(std::index_sequence<I...>) {
        ((I != winner ? std::get<I>(tasks).Destroy() : void()), ...);
      }
      (std::index_sequence_for<Ts...>{});
      [&]<size_t... I>(std::index_sequence<I...>) {
        (void)((I == winner
                    ? (outcome.emplace(std::in_place_index<I>,
                                       TakeBranchResult(std::get<I>(tasks))),
                       true)
                    : false) ||
               ...);
      }
      (std::index_sequence_for<Ts...>{});
      co_return std::move(*outcome);
    }
    bool yield = false;
    WaitKind kind = WaitKind::kOther;
    for (ExecContext& context : contexts) {
      if (context.Yielded()) yield = true;
      if (context.wait_kind == WaitKind::kTimer) kind = WaitKind::kTimer;
      if (context.wait_kind == WaitKind::kIo) kind = WaitKind::kIo;
    }
    co_await SuspendOnPollable{&any_ready, kind, yield};
  }
}

}  // namespace internal

/// Awaits `branches` at once: the first to finish wins, the others are
/// destroyed; yields a std::variant with the winner's value at its index.
/// See select.h for the branch kinds.
template <typename... Branches>
requires(sizeof...(Branches) >= 1) auto select(Branches&&... branches) {
  return internal::Select</*kBiased=*/false>(
      internal::AsBranch(std::forward<Branches>(branches))...);
}

/// select that polls its branches in argument order, so that when several
/// are ready the first of them wins (tokio's `biased;`).
template <typename... Branches>
requires(sizeof...(Branches) >= 1) auto select_biased(Branches&&... branches) {
  return internal::Select</*kBiased=*/true>(
      internal::AsBranch(std::forward<Branches>(branches))...);
}

}  // namespace weft

#endif  // WEFT_RUNTIME_SELECT_H_
