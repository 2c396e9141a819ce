#include "examples/mini_redis/subscriber.h"

#include <cstdint>
#include <cstdio>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "examples/mini_redis/resp_writer.h"
#include "runtime/weft.h"

namespace mini_redis {
namespace {

// One subscription: the hub's frames for one channel or pattern, queued to
// the writer until the hub drops the channel, the writer is gone, or the
// task is aborted.
weft::Task<void> Forward(weft::broadcast::Receiver<std::string> frames,
                         weft::mpsc::Sender<std::string> out) {
  while (true) {
    std::expected<std::string, weft::broadcast::RecvError> frame =
        co_await frames.recv();
    if (!frame.has_value()) {
      if (frame.error().kind != weft::broadcast::RecvError::Kind::kLagged) {
        co_return;  // closed
      }
      // The client reads slower than messages arrive: skip ahead to the
      // oldest message still kept.
      std::fprintf(stderr,
                   "mini_redis: a slow subscriber skipped %llu messages\n",
                   static_cast<unsigned long long>(frame.error().missed));
      continue;
    }
    auto sending = out.send(std::move(*frame));
    if (!(co_await sending).has_value()) co_return;  // the writer is gone
  }
}

}  // namespace

Subscriber::~Subscriber() {
  for (auto* forwarders : {&channels_, &patterns_}) {
    for (auto& [name, forwarder] : *forwarders) {
      if (forwarder.has_value()) forwarder->abort();
    }
  }
  for (const auto& [name, forwarder] : channels_) hub_->Unsubscribe(name);
  for (const auto& [name, forwarder] : patterns_) hub_->PUnsubscribe(name);
}

void Subscriber::AppendConfirmation(std::string& replies, std::string_view kind,
                                    const std::string* name) const {
  resp::AppendArrayHeader(replies, 3);
  resp::AppendBulkString(replies, kind);
  if (name == nullptr) {
    resp::AppendNullBulkString(replies);
  } else {
    resp::AppendBulkString(replies, *name);
  }
  resp::AppendInteger(replies, static_cast<int64_t>(count()));
}

weft::Task<bool> Subscriber::Execute(std::string_view name,
                                     std::span<const std::string> args,
                                     std::string& replies) {
  std::span<const std::string> names = args.subspan(1);
  if (name == "subscribe") co_return co_await Subscribe(false, names, replies);
  if (name == "psubscribe") co_return co_await Subscribe(true, names, replies);
  co_await Unsubscribe(name == "punsubscribe", names, replies);
  co_return true;
}

weft::Task<bool> Subscriber::Subscribe(bool pattern,
                                       std::span<const std::string> names,
                                       std::string& replies) {
  Forwarders& forwarders = pattern ? patterns_ : channels_;
  for (const std::string& name : names) {
    // Subscribing twice is confirmed again and changes nothing, as in
    // Redis.
    if (forwarders.contains(name)) {
      AppendConfirmation(replies, pattern ? "psubscribe" : "subscribe", &name);
      continue;
    }
    // The receiver exists before the confirmation is queued, so that every
    // message published after the client sees it is delivered; the
    // forwarder starts after, so that none arrives before it.
    weft::broadcast::Receiver<std::string> frames =
        pattern ? hub_->PSubscribe(name) : hub_->Subscribe(name);
    auto [it, inserted] = forwarders.try_emplace(name);
    AppendConfirmation(replies, pattern ? "psubscribe" : "subscribe", &name);
    auto sending = out_.send(std::move(replies));
    bool sent = (co_await sending).has_value();
    replies.clear();
    it->second = weft::spawn(Forward(std::move(frames), out_));
    if (!sent) co_return false;
  }
  co_return true;
}

weft::Task<void> Subscriber::End(bool pattern, Forwarders::iterator it) {
  if (it->second.has_value()) {
    it->second->abort();
    (void)co_await *it->second;
  }
  if (pattern) {
    hub_->PUnsubscribe(it->first);
    patterns_.erase(it);
  } else {
    hub_->Unsubscribe(it->first);
    channels_.erase(it);
  }
}

weft::Task<void> Subscriber::Unsubscribe(bool pattern,
                                         std::span<const std::string> names,
                                         std::string& replies) {
  Forwarders& forwarders = pattern ? patterns_ : channels_;
  std::string_view kind = pattern ? "punsubscribe" : "unsubscribe";
  if (names.empty()) {
    if (forwarders.empty()) AppendConfirmation(replies, kind, nullptr);
    while (!forwarders.empty()) {
      std::string name = forwarders.begin()->first;
      co_await End(pattern, forwarders.begin());
      AppendConfirmation(replies, kind, &name);
    }
    co_return;
  }
  for (const std::string& name : names) {
    auto it = forwarders.find(name);
    if (it != forwarders.end()) co_await End(pattern, it);
    AppendConfirmation(replies, kind, &name);
  }
}

weft::Task<void> Subscriber::UnsubscribeAll() {
  while (!channels_.empty()) co_await End(false, channels_.begin());
  while (!patterns_.empty()) co_await End(true, patterns_.begin());
}

}  // namespace mini_redis
