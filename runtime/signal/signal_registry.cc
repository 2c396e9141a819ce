#include "runtime/signal/signal_registry.h"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "executors/platform/errors.h"
#include "executors/platform/signals.h"

namespace weft::signal::internal {
namespace {

constexpr int kMaxSignal = platform::kSignalNumberLimit;

struct Slot {
  std::atomic<uint64_t> pending{0};  // deliveries not yet published
  std::atomic<bool> installed{false};
  uint64_t published = 0;  // dispatcher thread only
  std::optional<watch::Sender<uint64_t>> sender;
  std::optional<watch::Receiver<uint64_t>> first_receiver;
};

// Leaked on purpose: the handler and the dispatcher may run during and after
// static destruction.
struct Registry {
  std::mutex mu;  // installs and subscriptions
  std::array<Slot, kMaxSignal> slots;
  std::atomic<platform::SignalWakeup*> wakeup{nullptr};  // set under mu
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

void OnSignal(int signum) {
  Registry& registry = TheRegistry();
  if (signum > 0 && signum < kMaxSignal) {
    registry.slots[signum].pending.fetch_add(1, std::memory_order_release);
  }
  if (platform::SignalWakeup* wakeup =
          registry.wakeup.load(std::memory_order_acquire);
      wakeup != nullptr) {
    wakeup->Notify();
  }
}

void Dispatch(Registry* registry, platform::SignalWakeup* wakeup) {
  // Wait fails only if the wake-up is destroyed, and it is leaked.
  while (wakeup->Wait()) {
    std::lock_guard lock(registry->mu);
    for (int signum = 1; signum < kMaxSignal; ++signum) {
      Slot& slot = registry->slots[signum];
      uint64_t pending = slot.pending.exchange(0, std::memory_order_acquire);
      if (pending == 0 || !slot.sender.has_value()) continue;
      slot.published += pending;
      slot.sender->send_replace(slot.published);
    }
  }
}

absl::Status StartDispatcherLocked(Registry& registry) {
  if (registry.wakeup.load(std::memory_order_relaxed) != nullptr) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<platform::SignalWakeup>> created =
      platform::SignalWakeup::Create();
  if (!created.ok()) {
    return absl::InternalError(
        absl::StrCat("weft::signal: ", created.status().message()));
  }
  platform::SignalWakeup* wakeup = created->release();
  registry.wakeup.store(wakeup, std::memory_order_release);
  // Kept from taking signals so that its wait is never interrupted
  // needlessly.
  platform::StartThreadWithoutSignals([&registry, wakeup] {
    Dispatch(&registry, wakeup);
  }).detach();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<watch::Receiver<uint64_t>> Listen(int signum) {
  if (absl::Status listenable = platform::CheckSignal(signum);
      !listenable.ok()) {
    return absl::Status(listenable.code(),
                        absl::StrCat("weft::signal: ", listenable.message()));
  }
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mu);
  Slot& slot = registry.slots[signum];
  if (!slot.installed.load(std::memory_order_relaxed)) {
    if (absl::Status started = StartDispatcherLocked(registry); !started.ok()) {
      return started;
    }
    auto [sender, receiver] = watch::channel<uint64_t>(0);
    slot.sender.emplace(std::move(sender));
    // Kept so that send_replace always has a receiver to publish to.
    slot.first_receiver.emplace(std::move(receiver));
    if (int error = platform::InstallSignalHandler(signum, OnSignal);
        error != 0) {
      return absl::InternalError(
          absl::StrCat("weft::signal: cannot install a handler for signal ",
                       signum, ": ", platform::ErrorDescription(error)));
    }
    slot.installed.store(true, std::memory_order_relaxed);
  }
  watch::Receiver<uint64_t> receiver = slot.sender->subscribe();
  receiver.mark_unchanged();
  return receiver;
}

}  // namespace weft::signal::internal
