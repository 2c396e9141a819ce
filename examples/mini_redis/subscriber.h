// Subscriber: one connection's subscriptions (SUBSCRIBE, PSUBSCRIBE) and
// the commands that change them, in subscribe mode.
//
// Each subscription is a forwarder task that receives the frames of one
// channel or pattern from the PubSub hub (a weft broadcast receiver) and
// queues them to the connection's writer, the single task that owns the
// socket's write half; the connection's reader queues its replies to the
// same writer. So replies and messages reach the client whole and in the
// order they were queued, and the reader never waits for a publisher.
//
// The queue to the writer is bounded: a client that stops reading blocks
// its forwarders, and their broadcast receivers then fall behind and skip
// the oldest messages (Lagged) rather than the server buffering for it
// without bound.
//
// Ending a subscription (UNSUBSCRIBE, RESET, the connection's end) aborts
// its forwarder and waits for it, then leaves the hub: once the reply is
// queued, PUBLISH no longer counts that subscriber. Destroying the
// Subscriber (the connection task aborted) aborts the forwarders without
// waiting and leaves the hub.

#ifndef WEFT_EXAMPLES_MINI_REDIS_SUBSCRIBER_H_
#define WEFT_EXAMPLES_MINI_REDIS_SUBSCRIBER_H_

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "examples/mini_redis/pubsub.h"
#include "runtime/weft.h"

namespace mini_redis {

class Subscriber {
 public:
  // Frames queued to the writer before a forwarder waits.
  static constexpr size_t kQueuedFrames = 256;

  // `out` is the writer's queue.
  Subscriber(std::shared_ptr<PubSub> hub, weft::mpsc::Sender<std::string> out)
      : hub_(std::move(hub)), out_(std::move(out)) {}
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;
  ~Subscriber();

  // Runs SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE or PUNSUBSCRIBE (`name` in lower
  // case; args[0] is the command), appending Redis's confirmations to
  // `replies`. A new subscription first queues `replies` (everything before
  // its confirmation included) to the writer and clears it, so that its
  // confirmation reaches the client before its first message. False when
  // the writer is gone (the client left).
  weft::Task<bool> Execute(std::string_view name,
                           std::span<const std::string> args,
                           std::string& replies);

  // Ends every subscription, without replies (RESET, the connection's end).
  weft::Task<void> UnsubscribeAll();

  // Channels plus patterns: the count Redis's confirmations carry.
  size_t count() const { return channels_.size() + patterns_.size(); }

 private:
  // Channel or pattern name -> its forwarder (none while the confirmation
  // is being queued). Ordered, so that UNSUBSCRIBE without arguments
  // confirms in a stable order.
  using Forwarders =
      std::map<std::string, std::optional<weft::JoinHandle<void>>, std::less<>>;

  weft::Task<bool> Subscribe(bool pattern, std::span<const std::string> names,
                             std::string& replies);
  weft::Task<void> Unsubscribe(bool pattern, std::span<const std::string> names,
                               std::string& replies);
  weft::Task<void> End(bool pattern, Forwarders::iterator it);
  void AppendConfirmation(std::string& replies, std::string_view kind,
                          const std::string* name) const;

  std::shared_ptr<PubSub> hub_;
  weft::mpsc::Sender<std::string> out_;
  Forwarders channels_;
  Forwarders patterns_;
};

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_SUBSCRIBER_H_
