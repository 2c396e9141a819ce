/// \file
/// join and try_join: await several branches at once, inside the awaiting
/// task, until all of them finish (tokio's join! and try_join!).
///
///   auto [user, orders] = co_await weft::join(FetchUser(id), FetchOrders(id));
///
///   std::expected<std::tuple<User, Orders>, Error> both =
///       co_await weft::try_join(TryFetchUser(id), TryFetchOrders(id));
///
/// Branches are what select takes (Task<T>, Sleep, JoinHandle<T>&, any other
/// awaitable by value); nothing is spawned, so they run concurrently but
/// never in parallel. join yields a std::tuple of every branch's value
/// (std::monostate for void). An exception from a branch destroys the other
/// branches and propagates, as a panic in tokio's join! drops the rest.
///
/// try_join's branches yield std::expected<T, E> with one E: the first
/// branch to yield an error wins, the others are destroyed at once, and the
/// result is that error; otherwise it is the tuple of the values.

#ifndef WEFT_RUNTIME_JOIN_H_
#define WEFT_RUNTIME_JOIN_H_

#include <array>
#include <coroutine>
#include <cstddef>
#include <expected>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "runtime/internal/task/exec_context.h"
#include "runtime/select.h"
#include "runtime/task.h"

namespace weft {
namespace internal {

template <typename T>
struct IsExpected : std::false_type {};
template <typename T, typename E>
struct IsExpected<std::expected<T, E>> : std::true_type {};

/// Drives every branch until all are done, or until `stop(index)` says the
/// branch that just finished ends the join early (it returns true). Returns
/// the index that stopped it, or N. A branch's exception stops it too: the
/// caller's TakeResult rethrows it.
template <size_t N, typename Stop>
class BranchDriver {
 public:
  BranchDriver(ExecContext& parent,
               std::array<std::coroutine_handle<>, N> handles)
      : handles_(handles), ready_(contexts_) {
    for (size_t i = 0; i < N; ++i) {
      contexts_[i] = ExecContext::NestedIn(parent);
      contexts_[i].resume = handles_[i];
    }
  }

  /// One round: resumes each ready branch once. Returns the index of a
  /// branch that ended the join, N when all are done, or nullopt.
  std::optional<size_t> Turn(Stop& stop) {
    bool all_done = true;
    for (size_t i = 0; i < N; ++i) {
      if (handles_[i].done()) continue;
      contexts_[i].ResumeIfReady();
      if (!handles_[i].done()) {
        all_done = false;
      } else if (stop(i)) {
        return i;
      }
    }
    if (all_done) return N;
    return std::nullopt;
  }

  /// Suspends the awaiting context until some branch can go on.
  SuspendOnPollable Wait() {
    bool yield = false;
    WaitKind kind = WaitKind::kOther;
    for (size_t i = 0; i < N; ++i) {
      if (handles_[i].done()) continue;
      if (contexts_[i].Yielded()) yield = true;
      if (contexts_[i].wait_kind == WaitKind::kTimer) kind = WaitKind::kTimer;
      if (contexts_[i].wait_kind == WaitKind::kIo) kind = WaitKind::kIo;
    }
    return SuspendOnPollable{&ready_, kind, yield};
  }

 private:
  std::array<std::coroutine_handle<>, N> handles_;
  std::array<ExecContext, N> contexts_;
  AnyBranchReady<N> ready_;
};

/// The coroutine handles of a tuple of Tasks, in order.
template <typename... Tasks>
std::array<std::coroutine_handle<>, sizeof...(Tasks)> HandlesOf(
    std::tuple<Tasks...>& tasks) {
  return std::apply(
      [](Tasks&... each) {
        return std::array<std::coroutine_handle<>, sizeof...(Tasks)>{
            each.handle()...};
      },
      tasks);
}

template <typename... Ts>
Task<std::tuple<VoidToMonostate<Ts>...>> Join(Task<Ts>... branches) {
  constexpr size_t kCount = sizeof...(Ts);
  std::tuple<Task<Ts>...> tasks(std::move(branches)...);
  auto failed = [&tasks](size_t index) {
    bool threw = false;
    [&]<size_t... I>(std::index_sequence<I...>) {
      ((I == index ? (threw = std::get<I>(tasks).promise().exception != nullptr)
                   : false),
       ...);
    }
    (std::index_sequence_for<Ts...>{});
    return threw;
  };
  BranchDriver<kCount, decltype(failed)> driver(ContextFor("weft::join"),
                                                HandlesOf(tasks));
  while (true) {
    std::optional<size_t> ended = driver.Turn(failed);
    if (ended.has_value() && *ended != kCount) {
      // Destroy the others first, then rethrow the branch's exception.
      [&]<size_t... I>(std::index_sequence<I...>) {
        ((I != *ended ? std::get<I>(tasks).Destroy() : void()), ...);
        ((I == *ended ? (void)TakeBranchResult(std::get<I>(tasks)) : void()),
         ...);
      }
      (std::index_sequence_for<Ts...>{});
    }
    if (ended.has_value()) break;
    co_await driver.Wait();
  }
  co_return [&]<size_t... I>(std::index_sequence<I...>) {
    return std::tuple<VoidToMonostate<Ts>...>(
        TakeBranchResult(std::get<I>(tasks))...);
  }
  (std::index_sequence_for<Ts...>{});
}

template <typename E, typename... Ts>
Task<std::expected<std::tuple<VoidToMonostate<Ts>...>, E>> TryJoin(
    Task<std::expected<Ts, E>>... branches) {
  constexpr size_t kCount = sizeof...(Ts);
  using Values = std::tuple<VoidToMonostate<Ts>...>;
  std::tuple<Task<std::expected<Ts, E>>...> tasks(std::move(branches)...);
  // Results taken as branches finish, so that an error is seen at once.
  std::tuple<std::optional<std::expected<Ts, E>>...> results;
  std::optional<E> error;
  auto stop = [&](size_t index) {
    [&]<size_t... I>(std::index_sequence<I...>) {
      ((I == index ? (std::get<I>(results).emplace(
                          std::get<I>(tasks).promise().TakeResult()),
                      std::get<I>(results)->has_value()
                          ? void()
                          : void(error.emplace(
                                std::move(std::get<I>(results)->error()))))
                   : void()),
       ...);
    }
    (std::index_sequence_for<Ts...>{});
    return error.has_value();
  };
  // TakeResult rethrows a branch's exception out of Turn; the tuple's
  // destructor then destroys the other branches.
  BranchDriver<kCount, decltype(stop)> driver(ContextFor("weft::try_join"),
                                              HandlesOf(tasks));
  while (true) {
    std::optional<size_t> ended = driver.Turn(stop);
    if (ended.has_value()) break;
    co_await driver.Wait();
  }
  if (error.has_value()) {
    [&]<size_t... I>(std::index_sequence<I...>) {
      (std::get<I>(tasks).Destroy(), ...);
    }
    (std::index_sequence_for<Ts...>{});
    co_return std::unexpected(std::move(*error));
  }
  co_return [&]<size_t... I>(std::index_sequence<I...>) {
    return Values([&]() -> VoidToMonostate<Ts> {
      if constexpr (std::is_void_v<Ts>) {
        return std::monostate{};
      } else {
        return std::move(**std::get<I>(results));
      }
    }()...);
  }
  (std::index_sequence_for<Ts...>{});
}

template <typename T>
struct ExpectedError;
template <typename T, typename E>
struct ExpectedError<std::expected<T, E>> {
  using type = E;
  using value_type = T;
};

template <typename B>
using BranchValue = typename decltype(AsBranch(std::declval<B>()))::value_type;

}  // namespace internal

/// Awaits `branches` until all finish; yields a std::tuple of their values
/// (tokio's join!). See join.h.
template <typename... Branches>
requires(sizeof...(Branches) >= 1) auto join(Branches&&... branches) {
  return internal::Join(
      internal::AsBranch(std::forward<Branches>(branches))...);
}

/// Awaits `branches`, which yield std::expected<T, E> with one E, until all
/// succeed (a std::expected of the tuple of values) or one fails (its error;
/// the others are destroyed). tokio's try_join!.
template <typename... Branches>
requires(sizeof...(Branches) >= 1 &&
         (internal::IsExpected<internal::BranchValue<Branches>>::value &&
          ...)) auto try_join(Branches&&... branches) {
  using E = typename internal::ExpectedError<internal::BranchValue<
      std::tuple_element_t<0, std::tuple<Branches...>>>>::type;
  return internal::TryJoin<E>(
      internal::AsBranch(std::forward<Branches>(branches))...);
}

}  // namespace weft

#endif  // WEFT_RUNTIME_JOIN_H_
