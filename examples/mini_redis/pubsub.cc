#include "examples/mini_redis/pubsub.h"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/string_view.h"
#include "examples/mini_redis/glob.h"
#include "examples/mini_redis/resp_writer.h"
#include "runtime/sync/broadcast.h"

namespace mini_redis {
namespace {

// Debian's Abseil has its own absl::string_view, which the maps' lookups
// take.
absl::string_view Key(std::string_view key) {
  return absl::string_view(key.data(), key.size());
}

}  // namespace

weft::broadcast::Receiver<std::string> PubSub::Join(Topics& topics,
                                                    std::string_view name) {
  auto it = topics.find(Key(name));
  if (it == topics.end()) {
    // The channel's own first receiver is dropped: each subscription
    // subscribes, so all of them start at the same place.
    auto [sender, receiver] = weft::broadcast::channel<std::string>(capacity_);
    it = topics.emplace(std::string(name), Topic{std::move(sender), 0}).first;
  }
  ++it->second.subscriptions;
  return it->second.sender.subscribe();
}

void PubSub::Leave(Topics& topics, std::string_view name) {
  auto it = topics.find(Key(name));
  if (it == topics.end()) return;
  if (--it->second.subscriptions == 0) topics.erase(it);
}

weft::broadcast::Receiver<std::string> PubSub::Subscribe(
    std::string_view channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  return Join(channels_, channel);
}

void PubSub::Unsubscribe(std::string_view channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  Leave(channels_, channel);
}

weft::broadcast::Receiver<std::string> PubSub::PSubscribe(
    std::string_view pattern) {
  std::lock_guard<std::mutex> lock(mutex_);
  return Join(patterns_, pattern);
}

void PubSub::PUnsubscribe(std::string_view pattern) {
  std::lock_guard<std::mutex> lock(mutex_);
  Leave(patterns_, pattern);
}

int64_t PubSub::Publish(std::string_view channel, std::string_view message) {
  int64_t receivers = 0;
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = channels_.find(Key(channel)); it != channels_.end()) {
    std::string frame;
    resp::AppendArrayHeader(frame, 3);
    resp::AppendBulkString(frame, "message");
    resp::AppendBulkString(frame, channel);
    resp::AppendBulkString(frame, message);
    auto sent = it->second.sender.send(std::move(frame));
    if (sent.has_value()) receivers += static_cast<int64_t>(*sent);
  }
  for (const auto& [pattern, topic] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    std::string frame;
    resp::AppendArrayHeader(frame, 4);
    resp::AppendBulkString(frame, "pmessage");
    resp::AppendBulkString(frame, pattern);
    resp::AppendBulkString(frame, channel);
    resp::AppendBulkString(frame, message);
    auto sent = topic.sender.send(std::move(frame));
    if (sent.has_value()) receivers += static_cast<int64_t>(*sent);
  }
  return receivers;
}

size_t PubSub::ChannelCount() {
  std::lock_guard<std::mutex> lock(mutex_);
  return channels_.size();
}

size_t PubSub::PatternCount() {
  std::lock_guard<std::mutex> lock(mutex_);
  return patterns_.size();
}

}  // namespace mini_redis
