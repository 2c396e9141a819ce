#include "executors/uv/waker.h"

#include <uv.h>

#include <utility>

namespace weft::uv {

int Waker::Init(uv_loop_t* loop) {
  async_.data = this;
  return uv_async_init(loop, &async_, &Waker::OnAsync);
}

void Waker::Close() {
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

void Waker::Wake() {
  const uint8_t before =
      state_.fetch_or(kWakePending, std::memory_order_acq_rel);
  // Pending already, or the driving thread is not blocking and will see the
  // flag before it does.
  if ((before & kWakePending) != 0 || (before & kBlocking) == 0) return;
  // Fails only for a closed handle, which calling Wake after the reactor's
  // destruction began would be (a bug in the caller).
  uv_async_send(&async_);
}

bool Waker::BeginBlockingWait() {
  const uint8_t before = state_.fetch_or(kBlocking, std::memory_order_acq_rel);
  if ((before & kWakePending) == 0) return true;
  // The wake-up is answered by not blocking. Every Wake() until this store
  // returns at the flag, so the state can be reset whole. (A send made
  // while the last wait was ending may still run the callback: a spurious
  // wake-up.)
  state_.store(0, std::memory_order_release);
  return false;
}

bool Waker::TakeWoken() { return std::exchange(woken_, false); }

void Waker::OnAsync(uv_async_t* handle) {
  auto* self = static_cast<Waker*>(handle->data);
  self->state_.fetch_and(~kWakePending, std::memory_order_acq_rel);
  self->woken_ = true;
}

}  // namespace weft::uv
