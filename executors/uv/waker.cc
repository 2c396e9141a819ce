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
  if (!state_.Wake()) return;
  // Fails only for a closed handle, which calling Wake after the reactor's
  // destruction began would be (a bug in the caller).
  uv_async_send(&async_);
}

bool Waker::TakeWoken() { return std::exchange(woken_, false); }

void Waker::OnAsync(uv_async_t* handle) {
  auto* self = static_cast<Waker*>(handle->data);
  self->state_.Consume();
  self->woken_ = true;
}

}  // namespace weft::uv
