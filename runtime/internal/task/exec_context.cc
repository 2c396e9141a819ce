#include "runtime/internal/task/exec_context.h"

#include <string>

#include "runtime/errors.h"

namespace weft::internal {
namespace {

thread_local ExecContext* tls_context = nullptr;
// The slot of the innermost ResumeChain running on this thread.
thread_local std::coroutine_handle<>* tls_trampoline = nullptr;
thread_local int tls_budget = kBudgetPerPoll;

}  // namespace

ExecContext* CurrentContext() { return tls_context; }

ContextScope::ContextScope(ExecContext* context) : saved_(tls_context) {
  tls_context = context;
}

ContextScope::~ContextScope() { tls_context = saved_; }

bool ExecContext::ResumeIfReady() {
  if (!ReadyToResume()) return false;
  std::coroutine_handle<> handle = resume;
  resume = nullptr;
  pollable = nullptr;
  wait_kind = WaitKind::kNone;
  ContextScope scope(this);
  ResumeChain(handle);
  return true;
}

void ResumeChain(std::coroutine_handle<> first) {
  std::coroutine_handle<> next = first;
  std::coroutine_handle<>* saved = tls_trampoline;
  tls_trampoline = &next;
  while (next) {
    std::coroutine_handle<> current = next;
    next = nullptr;
    current.resume();
  }
  tls_trampoline = saved;
}

std::coroutine_handle<> TransferTo(std::coroutine_handle<> next) {
  if (tls_trampoline == nullptr) return next;
  *tls_trampoline = next;
  return std::noop_coroutine();
}

ExecContext& ContextFor(const char* operation) {
  if (tls_context == nullptr) {
    throw UsageError(std::string(operation) +
                     " awaited outside a weft runtime: await it inside a "
                     "task, or run it with Runtime::block_on");
  }
  return *tls_context;
}

Waker CurrentWaker(const char* operation) {
  return Waker(ContextFor(operation).waker_target);
}

void SuspendOn(std::coroutine_handle<> handle, Pollable* pollable,
               WaitKind kind) {
  ExecContext& context = *tls_context;
  context.resume = handle;
  context.pollable = pollable;
  context.wait_kind = kind;
}

void YieldFrom(std::coroutine_handle<> handle) {
  SuspendOn(handle, nullptr, WaitKind::kNone);
}

void ResetBudget() { tls_budget = kBudgetPerPoll; }

bool TryConsumeBudget() {
  if (tls_context != nullptr && tls_context->unconstrained_depth > 0) {
    return true;
  }
  if (tls_budget <= 0) return false;
  --tls_budget;
  return true;
}

bool BudgetExhausted() { return tls_budget <= 0; }

bool HasBudgetRemaining() {
  if (tls_context == nullptr || tls_context->unconstrained_depth > 0) {
    return true;
  }
  return tls_budget > 0;
}

}  // namespace weft::internal
