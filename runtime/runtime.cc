#include "runtime/runtime.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "runtime/internal/blocking/thread_start.h"

namespace weft {

Handle Handle::current() {
  internal::RuntimeCore& core =
      internal::CurrentRuntimeOrThrow("weft::Handle::current");
  return Handle(core.shared_from_this());
}

std::optional<Handle> Handle::try_current() {
  internal::RuntimeCore* core = internal::CurrentRuntime();
  if (core == nullptr) return std::nullopt;
  return Handle(core->shared_from_this());
}

Runtime::Builder Runtime::Builder::multi_thread() { return Builder(true); }
Runtime::Builder Runtime::Builder::current_thread() { return Builder(false); }

Runtime::Builder& Runtime::Builder::worker_threads(size_t count) {
  options_.worker_threads = count;
  worker_threads_set_ = true;
  return *this;
}
Runtime::Builder& Runtime::Builder::max_blocking_threads(size_t count) {
  options_.max_blocking_threads = count;
  return *this;
}
Runtime::Builder& Runtime::Builder::blocking_queue_limit(size_t limit) {
  options_.blocking_queue_limit = limit;
  return *this;
}
Runtime::Builder& Runtime::Builder::thread_keep_alive(
    std::chrono::nanoseconds duration) {
  options_.thread_keep_alive = duration;
  return *this;
}
Runtime::Builder& Runtime::Builder::thread_name(std::string name) {
  options_.thread_name = std::move(name);
  return *this;
}
Runtime::Builder& Runtime::Builder::thread_name_fn(
    std::function<std::string()> make_name) {
  options_.thread_name_fn = std::move(make_name);
  return *this;
}
Runtime::Builder& Runtime::Builder::thread_stack_size(size_t bytes) {
  options_.thread_stack_size = bytes;
  return *this;
}
Runtime::Builder& Runtime::Builder::on_thread_park(std::function<void()> hook) {
  options_.on_thread_park = std::move(hook);
  return *this;
}
Runtime::Builder& Runtime::Builder::on_thread_unpark(
    std::function<void()> hook) {
  options_.on_thread_unpark = std::move(hook);
  return *this;
}
Runtime::Builder& Runtime::Builder::event_interval(uint32_t ticks) {
  options_.event_interval = ticks;
  return *this;
}
Runtime::Builder& Runtime::Builder::global_queue_interval(uint32_t ticks) {
  options_.global_queue_interval = ticks;
  return *this;
}
Runtime::Builder& Runtime::Builder::slow_poll_threshold(
    std::chrono::nanoseconds threshold) {
  return slow_poll_threshold(threshold, nullptr);
}
Runtime::Builder& Runtime::Builder::slow_poll_threshold(
    std::chrono::nanoseconds threshold,
    std::function<void(const SlowPollReport&)> on_slow_poll) {
  options_.slow_poll_threshold = threshold;
  options_.on_slow_poll = std::move(on_slow_poll);
  slow_poll_threshold_set_ = true;
  return *this;
}
Runtime::Builder& Runtime::Builder::on_thread_start(
    std::function<void()> hook) {
  options_.on_thread_start = std::move(hook);
  return *this;
}
Runtime::Builder& Runtime::Builder::on_thread_stop(std::function<void()> hook) {
  options_.on_thread_stop = std::move(hook);
  return *this;
}
Runtime::Builder& Runtime::Builder::unhandled_panic(UnhandledPanic behavior) {
  options_.unhandled_panic = behavior;
  return *this;
}
Runtime::Builder& Runtime::Builder::backend(std::string name) {
  options_.backend = std::move(name);
  return *this;
}

Runtime::Builder& Runtime::Builder::start_paused(bool paused) {
  options_.start_paused = paused;
  return *this;
}

absl::StatusOr<Runtime> Runtime::Builder::build() {
  if (options_.start_paused && options_.multi_thread) {
    return absl::InvalidArgumentError(
        "Runtime::Builder::start_paused(true) on a multi_thread runtime: a "
        "paused clock needs the current_thread flavor (use "
        "Runtime::Builder::current_thread())");
  }
  if (worker_threads_set_ && options_.worker_threads == 0) {
    return absl::InvalidArgumentError(
        "Runtime::Builder::worker_threads(0): a multi_thread runtime needs at "
        "least one worker");
  }
  if (options_.max_blocking_threads == 0) {
    return absl::InvalidArgumentError(
        "Runtime::Builder::max_blocking_threads(0): the blocking pool needs "
        "at least one thread");
  }
  if (options_.event_interval == 0) {
    return absl::InvalidArgumentError(
        "Runtime::Builder::event_interval(0): the driver must be polled at "
        "least every tick; pass 1 or more (default 61)");
  }
  if (options_.global_queue_interval == 0) {
    return absl::InvalidArgumentError(
        "Runtime::Builder::global_queue_interval(0): the queue of work from "
        "outside the workers must be looked at; pass 1 or more (default 61)");
  }
  if (options_.thread_stack_size != 0 &&
      options_.thread_stack_size < internal::MinThreadStackSize()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Runtime::Builder::thread_stack_size(%d): below the minimum of %d "
        "bytes (PTHREAD_STACK_MIN) a thread cannot start; pass at least that",
        options_.thread_stack_size, internal::MinThreadStackSize()));
  }
  if (slow_poll_threshold_set_ &&
      options_.slow_poll_threshold <= std::chrono::nanoseconds(0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Runtime::Builder::slow_poll_threshold(%dns): the threshold must be "
        "positive; to leave slow-poll detection off, do not call it",
        options_.slow_poll_threshold.count()));
  }
  absl::StatusOr<std::shared_ptr<internal::RuntimeCore>> core =
      internal::RuntimeCore::Create(options_);
  if (!core.ok()) return core.status();
  return Runtime(*std::move(core));
}

Runtime& Runtime::operator=(Runtime&& other) noexcept {
  if (this != &other) {
    if (core_ != nullptr) core_->Shutdown(std::nullopt);
    core_ = std::move(other.core_);
  }
  return *this;
}

Runtime::~Runtime() {
  if (core_ != nullptr) core_->Shutdown(std::nullopt);
}

Handle Runtime::handle() const {
  if (core_ == nullptr) {
    throw UsageError(
        "use of a moved-from Runtime: keep the Runtime that "
        "Builder::build returned");
  }
  return Handle(core_);
}

void Runtime::shutdown_timeout(std::chrono::nanoseconds timeout) {
  if (core_ != nullptr) core_->Shutdown(timeout);
}

void Runtime::shutdown_background() {
  if (core_ != nullptr) core_->Shutdown(std::chrono::nanoseconds(0));
}

}  // namespace weft
