#include "runtime/internal/driver/timer_queue.h"

#include <utility>

namespace weft::internal {

bool TimerQueue::Insert(TimerEntry* entry) {
  std::lock_guard lock(mu_);
  entry->queue = this;
  entry->fired.store(false, std::memory_order_relaxed);
  entry->heap_index = heap_.size();
  heap_.push_back(entry);
  SiftUp(entry->heap_index);
  return parked_ && entry->heap_index == 0 &&
         (!parked_until_.has_value() || entry->deadline < *parked_until_);
}

void TimerQueue::Cancel(TimerEntry* entry) {
  std::lock_guard lock(mu_);
  if (entry->heap_index != TimerEntry::kNotQueued) RemoveAt(entry->heap_index);
}

size_t TimerQueue::FireExpired(Clock::time_point now) {
  std::vector<Waker> due;
  {
    std::lock_guard lock(mu_);
    while (!heap_.empty() && heap_.front()->deadline <= now) {
      TimerEntry* entry = heap_.front();
      RemoveAt(0);
      due.push_back(std::move(entry->waker));
      entry->fired.store(true, std::memory_order_release);
    }
  }
  for (Waker& waker : due) std::move(waker).wake_and_drop();
  return due.size();
}

std::optional<Clock::time_point> TimerQueue::NextDeadline() {
  std::lock_guard lock(mu_);
  if (heap_.empty()) return std::nullopt;
  return heap_.front()->deadline;
}

size_t TimerQueue::Size() {
  std::lock_guard lock(mu_);
  return heap_.size();
}

std::optional<Clock::time_point> TimerQueue::BeginPark() {
  std::lock_guard lock(mu_);
  parked_ = true;
  parked_until_ =
      heap_.empty() ? std::nullopt : std::optional(heap_.front()->deadline);
  return parked_until_;
}

void TimerQueue::EndPark() {
  std::lock_guard lock(mu_);
  parked_ = false;
}

void TimerQueue::SiftUp(size_t index) {
  while (index > 0) {
    size_t parent = (index - 1) / 2;
    if (heap_[parent]->deadline <= heap_[index]->deadline) return;
    Swap(parent, index);
    index = parent;
  }
}

void TimerQueue::SiftDown(size_t index) {
  while (true) {
    size_t smallest = index;
    size_t left = 2 * index + 1;
    size_t right = left + 1;
    if (left < heap_.size() &&
        heap_[left]->deadline < heap_[smallest]->deadline) {
      smallest = left;
    }
    if (right < heap_.size() &&
        heap_[right]->deadline < heap_[smallest]->deadline) {
      smallest = right;
    }
    if (smallest == index) return;
    Swap(smallest, index);
    index = smallest;
  }
}

void TimerQueue::Swap(size_t a, size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a]->heap_index = a;
  heap_[b]->heap_index = b;
}

void TimerQueue::RemoveAt(size_t index) {
  TimerEntry* removed = heap_[index];
  size_t last = heap_.size() - 1;
  if (index != last) {
    Swap(index, last);
  }
  heap_.pop_back();
  removed->heap_index = TimerEntry::kNotQueued;
  if (index < heap_.size()) {
    SiftDown(index);
    SiftUp(index);
  }
}

}  // namespace weft::internal
