// PubSub: the channels and patterns of PUBLISH, SUBSCRIBE and PSUBSCRIBE,
// shared by every connection of one server.
//
// Each channel (and each pattern) that has subscribers owns one weft
// broadcast channel; every subscription holds one of its receivers. The
// broadcast channel is created by the first subscription and dropped with
// the last, so the hub holds nothing for a channel nobody listens to (a
// receiver still draining then sees Closed). PUBLISH formats the RESP frame
// once ("message" for a channel, "pmessage" for each matching pattern) and
// broadcasts it, so each subscriber's connection only copies bytes.
//
// A broadcast channel keeps the last `capacity` frames: a subscriber whose
// client reads slower than messages arrive falls behind and loses the
// oldest ones (its receiver reports Lagged), instead of the server
// buffering without bound. Redis disconnects such a client instead
// (client-output-buffer-limit pubsub).
//
// Locking: one std::mutex over the two maps, held for one call; sends happen
// under it, which is safe because a broadcast channel never calls back into
// the hub.

#ifndef WEFT_EXAMPLES_MINI_REDIS_PUBSUB_H_
#define WEFT_EXAMPLES_MINI_REDIS_PUBSUB_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "runtime/sync/broadcast.h"

namespace mini_redis {

class PubSub {
 public:
  // Frames kept per channel for subscribers that fall behind.
  static constexpr size_t kDefaultCapacity = 1024;

  explicit PubSub(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // A subscription to `channel`: the receiver of the "message" frames
  // published to it from now on. Each call must be paired with one
  // Unsubscribe(channel), after the receiver is gone.
  weft::broadcast::Receiver<std::string> Subscribe(std::string_view channel);
  void Unsubscribe(std::string_view channel);

  // The same for a glob pattern (glob.h): the receiver of the "pmessage"
  // frames of every channel that matches it.
  weft::broadcast::Receiver<std::string> PSubscribe(std::string_view pattern);
  void PUnsubscribe(std::string_view pattern);

  // PUBLISH: sends `message` to the subscribers of `channel` and of every
  // pattern matching it; returns how many receivers it was queued for.
  int64_t Publish(std::string_view channel, std::string_view message);

  // How many channels / patterns have at least one subscription.
  size_t ChannelCount();
  size_t PatternCount();

 private:
  struct Topic {
    weft::broadcast::Sender<std::string> sender;
    size_t subscriptions = 0;
  };
  using Topics = absl::flat_hash_map<std::string, Topic>;

  weft::broadcast::Receiver<std::string> Join(Topics& topics,
                                              std::string_view name);
  void Leave(Topics& topics, std::string_view name);

  const size_t capacity_;
  std::mutex mutex_;
  Topics channels_;  // guarded by mutex_
  Topics patterns_;  // guarded by mutex_
};

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_PUBSUB_H_
