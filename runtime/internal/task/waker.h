// Waker: a reference-counted handle that makes something runnable again.
//
// Whatever can be suspended and resumed by the runtime (a spawned task, the
// body of a block_on call) is a Wakeable. A leaf operation that suspends
// (a timer, a JoinHandle, an I/O completion) keeps a Waker and calls wake()
// when its event happens. Wakes may be spurious: whoever is woken re-checks
// the readiness of what it waits for (see exec_context.h), so a stale Waker
// firing late is harmless.

#ifndef WEFT_RUNTIME_INTERNAL_TASK_WAKER_H_
#define WEFT_RUNTIME_INTERNAL_TASK_WAKER_H_

#include <utility>

namespace weft::internal {

class Wakeable {
 public:
  // Thread-safe. Schedules the wakeable; never runs it inline.
  virtual void Wake() = 0;
  virtual void Ref() = 0;
  virtual void Unref() = 0;
  // Wake, then Unref: the waker's reference ends with the wake. A task
  // hands that reference to its run queue instead of taking a new one.
  virtual void WakeAndUnref() {
    Wake();
    Unref();
  }

 protected:
  ~Wakeable() = default;
};

class Waker {
 public:
  Waker() = default;
  // Takes a new reference.
  explicit Waker(Wakeable* target) : target_(target) {
    if (target_ != nullptr) target_->Ref();
  }
  Waker(const Waker& other) : Waker(other.target_) {}
  Waker(Waker&& other) noexcept
      : target_(std::exchange(other.target_, nullptr)) {}
  Waker& operator=(Waker other) noexcept {
    std::swap(target_, other.target_);
    return *this;
  }
  ~Waker() {
    if (target_ != nullptr) target_->Unref();
  }

  void wake() const {
    if (target_ != nullptr) target_->Wake();
  }
  // wake(), then drop: cheaper for a waker that is used once.
  void wake_and_drop() && {
    if (target_ != nullptr) std::exchange(target_, nullptr)->WakeAndUnref();
  }
  bool will_wake(const Waker& other) const { return target_ == other.target_; }
  bool will_wake(const Wakeable* target) const { return target_ == target; }
  // Gives up the reference without dropping it: the caller owns it now
  // (see Adopt).
  Wakeable* release() && { return std::exchange(target_, nullptr); }
  // A Waker that owns `target`'s reference taken earlier (by release).
  static Waker Adopt(Wakeable* target) {
    Waker waker;
    waker.target_ = target;
    return waker;
  }
  explicit operator bool() const { return target_ != nullptr; }

 private:
  Wakeable* target_ = nullptr;
};

}  // namespace weft::internal

#endif  // WEFT_RUNTIME_INTERNAL_TASK_WAKER_H_
