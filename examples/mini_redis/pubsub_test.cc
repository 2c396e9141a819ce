// PUBLISH, SUBSCRIBE, PSUBSCRIBE and their UNSUBSCRIBEs through the server
// over loopback, with several connections: what subscribers receive, the
// counts in confirmations and PUBLISH's replies, the commands allowed in
// subscribe mode, and subscriptions ending with their connection. Every
// expected reply was checked against redis-server 7.0.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "examples/mini_redis/server_test_util.h"
#include "executors/platform/socket_types.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"

namespace mini_redis {
namespace {

using weft::Task;
using weft::net::TcpStream;

std::string Confirmation(const std::string& kind, const std::string& name,
                         int count) {
  return absl::StrCat("*3\r\n$", kind.size(), "\r\n", kind, "\r\n$",
                      name.size(), "\r\n", name, "\r\n:", count, "\r\n");
}

std::string Message(const std::string& channel, const std::string& payload) {
  return absl::StrCat("*3\r\n$7\r\nmessage\r\n$", channel.size(), "\r\n",
                      channel, "\r\n$", payload.size(), "\r\n", payload,
                      "\r\n");
}

// Sends `request` and expects exactly `expected` back.
Task<void> Expect(TcpStream& client, std::string request,
                  std::string expected) {
  EXPECT_TRUE((co_await client.write_all(request)).ok());
  EXPECT_EQ(co_await ReadBytes(client, expected.size()), expected)
      << "after " << request;
}

TEST(PubSubTest, SubscriberReceivesWhatIsPublished) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream subscriber = co_await Connect(address);
    TcpStream publisher = co_await Connect(address);
    co_await Expect(subscriber, "SUBSCRIBE news\r\n",
                    Confirmation("subscribe", "news", 1));
    co_await Expect(publisher, "PUBLISH news hello\r\n", ":1\r\n");
    EXPECT_EQ(co_await ReadBytes(subscriber, Message("news", "hello").size()),
              Message("news", "hello"));
    // Nobody listens to other channels.
    co_await Expect(publisher, "PUBLISH other x\r\n", ":0\r\n");
    // Binary payloads pass untouched.
    std::string payload("a\r\nb\0c", 6);
    co_await Expect(publisher,
                    absl::StrCat("*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$",
                                 payload.size(), "\r\n", payload, "\r\n"),
                    ":1\r\n");
    EXPECT_EQ(co_await ReadBytes(subscriber, Message("news", payload).size()),
              Message("news", payload));
  });
}

TEST(PubSubTest, EverySubscriberGetsEveryMessageInOrder) {
  WithServer([](std::string address) -> Task<void> {
    constexpr int kSubscribers = 4;
    constexpr int kMessages = 300;
    std::vector<TcpStream> subscribers;
    for (int i = 0; i < kSubscribers; ++i) {
      subscribers.push_back(co_await Connect(address));
      co_await Expect(subscribers.back(), "SUBSCRIBE ch\r\n",
                      Confirmation("subscribe", "ch", 1));
    }
    TcpStream publisher = co_await Connect(address);
    std::string request;
    std::string replies;
    std::string messages;
    for (int i = 0; i < kMessages; ++i) {
      absl::StrAppend(&request, "PUBLISH ch m", i, "\r\n");
      absl::StrAppend(&replies, ":", kSubscribers, "\r\n");
      messages += Message("ch", absl::StrCat("m", i));
    }
    co_await Expect(publisher, request, replies);
    for (TcpStream& subscriber : subscribers) {
      EXPECT_TRUE(co_await ReadBytes(subscriber, messages.size()) == messages);
    }
  });
}

// A client that does not read while 20 MB are published to it: once the
// socket buffers (the client's receive buffer is made small), the writer's
// queue and the channel's 1024 kept messages are full, the oldest are
// skipped, and the client then receives what was kept, in order, up to the
// last message.
TEST(PubSubTest, ASlowSubscriberSkipsAheadAndKeepsReceiving) {
  WithServer([](std::string address) -> Task<void> {
    constexpr int kMessages = 20000;
    TcpStream subscriber = co_await Connect(address);
    int small = 64 * 1024;
    // Winsock's setsockopt takes the value as const char*, POSIX's as const
    // void*: a char pointer suits both.
    EXPECT_EQ(setsockopt(subscriber.native_handle(), SOL_SOCKET, SO_RCVBUF,
                         reinterpret_cast<const char*>(&small), sizeof(small)),
              0);
    co_await Expect(subscriber, "SUBSCRIBE ch\r\n",
                    Confirmation("subscribe", "ch", 1));
    TcpStream publisher = co_await Connect(address);
    std::string request;
    for (int i = 0; i < kMessages; ++i) {
      absl::StrAppend(&request, "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1024\r\n",
                      absl::StrFormat("%08d", i), std::string(1016, 'x'),
                      "\r\n");
    }
    request += "PUBLISH ch last\r\n";
    weft::JoinHandle<absl::Status> writer =
        weft::spawn([&publisher, &request]() -> Task<absl::Status> {
          co_return co_await publisher.write_all(request);
        });
    std::string replies;
    for (int i = 0; i <= kMessages; ++i) replies += ":1\r\n";
    // Slow under sanitizers on a loaded machine: a longer deadline.
    EXPECT_TRUE(co_await ReadBytes(publisher, replies.size(),
                                   std::chrono::seconds(120)) == replies);
    EXPECT_TRUE((co_await writer).value().ok());

    // Now read everything that was kept.
    std::string got;
    const std::string last = Message("ch", "last");
    auto read_all = [&]() -> Task<void> {
      char buffer[64 * 1024];
      while (!got.ends_with(last)) {
        absl::StatusOr<size_t> n =
            co_await subscriber.read(buffer, sizeof(buffer));
        if (!n.ok() || *n == 0) co_return;
        got.append(buffer, *n);
      }
    };
    (void)co_await weft::timeout(std::chrono::seconds(120), read_all());
    EXPECT_TRUE(got.ends_with(last)) << got.size();
    if (!got.ends_with(last)) co_return;
    got.resize(got.size() - last.size());
    const std::string prefix = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1024\r\n";
    const size_t frame = prefix.size() + 1024 + 2;
    EXPECT_EQ(got.size() % frame, 0u);
    int received = 0;
    int previous = -1;
    bool skipped = false;
    for (size_t at = 0; at + frame <= got.size(); at += frame) {
      if (got.compare(at, prefix.size(), prefix) != 0) {
        ADD_FAILURE() << "no message frame at " << at;
        co_return;
      }
      int sequence = std::stoi(got.substr(at + prefix.size(), 8));
      EXPECT_GT(sequence, previous);
      if (sequence != previous + 1) skipped = true;
      previous = sequence;
      ++received;
    }
    EXPECT_TRUE(skipped);
    EXPECT_LT(received, kMessages);
    // The newest messages were kept.
    EXPECT_EQ(previous, kMessages - 1);
  });
}

TEST(PubSubTest, SubscribeModeAllowsOnlyItsCommands) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    TcpStream publisher = co_await Connect(address);
    co_await Expect(
        client, "SUBSCRIBE a b\r\n",
        Confirmation("subscribe", "a", 1) + Confirmation("subscribe", "b", 2));
    co_await Expect(client, "GET k\r\n",
                    "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / "
                    "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                    "this context\r\n");
    co_await Expect(client, "PING\r\nPING hi\r\n",
                    "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
                    "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
    // Unknown commands and wrong arities are reported as such first.
    co_await Expect(client, "NOSUCH\r\nSUBSCRIBE\r\n",
                    "-ERR unknown command 'NOSUCH', with args beginning "
                    "with: \r\n"
                    "-ERR wrong number of arguments for 'subscribe' "
                    "command\r\n");
    // Subscribing again changes nothing.
    co_await Expect(client, "SUBSCRIBE a\r\n",
                    Confirmation("subscribe", "a", 2));
    co_await Expect(publisher, "PUBLISH a x\r\n", ":1\r\n");
    EXPECT_EQ(co_await ReadBytes(client, Message("a", "x").size()),
              Message("a", "x"));

    co_await Expect(client, "UNSUBSCRIBE a x\r\n",
                    Confirmation("unsubscribe", "a", 1) +
                        Confirmation("unsubscribe", "x", 1));
    // Once the confirmation is out, the subscriber no longer counts.
    co_await Expect(publisher, "PUBLISH a y\r\n", ":0\r\n");
    co_await Expect(client, "UNSUBSCRIBE\r\nUNSUBSCRIBE\r\n",
                    Confirmation("unsubscribe", "b", 0) +
                        "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    // Out of subscribe mode: every command again.
    co_await Expect(client, "SET k v\r\nGET k\r\nPING\r\n",
                    "+OK\r\n$1\r\nv\r\n+PONG\r\n");
    // RESET leaves subscribe mode too.
    co_await Expect(
        client, "SUBSCRIBE c\r\nRESET\r\nGET k\r\n",
        Confirmation("subscribe", "c", 1) + "+RESET\r\n$1\r\nv\r\n");
    co_await Expect(publisher, "PUBLISH c z\r\n", ":0\r\n");
  });
}

TEST(PubSubTest, PatternSubscriptions) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    TcpStream publisher = co_await Connect(address);
    co_await Expect(client, "PSUBSCRIBE h* news.?\r\nSUBSCRIBE hello\r\n",
                    Confirmation("psubscribe", "h*", 1) +
                        Confirmation("psubscribe", "news.?", 2) +
                        Confirmation("subscribe", "hello", 3));
    // The channel and the pattern both match: two receivers.
    co_await Expect(publisher, "PUBLISH hello x\r\n", ":2\r\n");
    std::string pmessage =
        "*4\r\n$8\r\npmessage\r\n$2\r\nh*\r\n$5\r\nhello\r\n$1\r\nx\r\n";
    std::string both = Message("hello", "x") + pmessage;
    std::string got = co_await ReadBytes(client, both.size());
    // Their order is not fixed (two forwarders).
    EXPECT_TRUE(got == both || got == pmessage + Message("hello", "x")) << got;
    co_await Expect(publisher, "PUBLISH news.1 y\r\nPUBLISH news.12 y\r\n",
                    ":1\r\n:0\r\n");
    std::string news =
        "*4\r\n$8\r\npmessage\r\n$6\r\nnews.?\r\n$6\r\nnews.1\r\n$1\r\ny\r\n";
    EXPECT_EQ(co_await ReadBytes(client, news.size()), news);
    co_await Expect(client, "PUNSUBSCRIBE\r\n",
                    Confirmation("punsubscribe", "h*", 2) +
                        Confirmation("punsubscribe", "news.?", 1));
    co_await Expect(publisher, "PUBLISH hello x\r\n", ":1\r\n");
  });
}

TEST(PubSubTest, ClosingTheSubscriberEndsItsSubscriptions) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream publisher = co_await Connect(address);
    {
      TcpStream subscriber = co_await Connect(address);
      co_await Expect(subscriber, "SUBSCRIBE ch\r\nPSUBSCRIBE c*\r\n",
                      Confirmation("subscribe", "ch", 1) +
                          Confirmation("psubscribe", "c*", 2));
      co_await Expect(publisher, "PUBLISH ch x\r\n", ":2\r\n");
      // The server ends the subscriptions before it closes its side, so
      // its EOF means they are gone.
      EXPECT_TRUE(subscriber.shutdown_write().ok());
      std::string messages =
          Message("ch", "x") +
          "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n";
      EXPECT_EQ((co_await ReadBytes(subscriber, messages.size() + 1)).size(),
                messages.size());
    }
    co_await Expect(publisher, "PUBLISH ch x\r\n", ":0\r\n");

    // A subscriber that just drops its socket: the count falls once the
    // server sees it gone.
    {
      TcpStream subscriber = co_await Connect(address);
      co_await Expect(subscriber, "SUBSCRIBE ch\r\n",
                      Confirmation("subscribe", "ch", 1));
    }
    bool dropped = false;
    auto deadline = weft::time::now() + std::chrono::seconds(10);
    while (!dropped && weft::time::now() < deadline) {
      EXPECT_TRUE((co_await publisher.write_all("PUBLISH ch x\r\n")).ok());
      std::string reply = co_await ReadBytes(publisher, 4);
      dropped = reply == ":0\r\n";
      if (!dropped) {
        EXPECT_EQ(reply, ":1\r\n");
        co_await weft::sleep(std::chrono::milliseconds(1));
      }
    }
    EXPECT_TRUE(dropped);
  });
}

TEST(PubSubTest, QuitInSubscribeModeRepliesThenCloses) {
  WithServer([](std::string address) -> Task<void> {
    TcpStream client = co_await Connect(address);
    TcpStream publisher = co_await Connect(address);
    co_await Expect(client, "SUBSCRIBE ch\r\nQUIT\r\n",
                    Confirmation("subscribe", "ch", 1) + "+OK\r\n");
    EXPECT_TRUE(co_await ReadsEof(client));
    co_await Expect(publisher, "PUBLISH ch x\r\n", ":0\r\n");
  });
}

}  // namespace
}  // namespace mini_redis
