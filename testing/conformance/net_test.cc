// Networking: TCP and UDP over every backend — data integrity, EOF,
// half-close, connection refused, peer reset, many connections, IPv6, and
// tasks aborted in the middle of an operation.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "executors/platform/host.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

using net::SocketAddress;
using net::TcpListener;
using net::TcpStream;
using net::UdpSocket;

class NetTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(NetTest);

absl::StatusOr<TcpListener> Listen() {
  return TcpListener::bind(SocketAddress::Ipv4Loopback(0));
}

// Echoes every connection until EOF.
Task<void> EchoServer(TcpListener* listener, int connections) {
  JoinSet<void> handlers;
  for (int i = 0; i < connections; ++i) {
    auto accepted = co_await listener->accept();
    if (!accepted.ok()) {
      ADD_FAILURE() << accepted.status();
      co_return;
    }
    handlers.spawn([stream =
                        std::move(accepted->first)]() mutable -> Task<void> {
      char buffer[1024];
      while (true) {
        auto got = co_await stream.read(buffer, sizeof(buffer));
        if (!got.ok() || *got == 0) co_return;
        auto sent = co_await stream.write_all(std::string_view(buffer, *got));
        if (!sent.ok()) co_return;
      }
    });
  }
  co_await handlers.join_all();
}

TEST_P(NetTest, EchoRoundTripsKeepTheData) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    EXPECT_TRUE(listener.ok()) << listener.status();
    if (!listener.ok()) co_return;
    auto server = spawn(EchoServer(&*listener, 1));
    auto stream = co_await TcpStream::connect(listener->local_addr());
    EXPECT_TRUE(stream.ok()) << stream.status();
    if (!stream.ok()) co_return;
    EXPECT_TRUE(stream->set_nodelay(true).ok());
    for (int round = 0; round < 100; ++round) {
      std::string message(64, static_cast<char>('a' + round % 26));
      EXPECT_TRUE((co_await stream->write_all(message)).ok());
      std::string reply(64, '\0');
      EXPECT_TRUE(
          (co_await stream->read_exact(reply.data(), reply.size())).ok());
      EXPECT_EQ(reply, message);
    }
    EXPECT_TRUE(stream->shutdown_write().ok());
    char byte;
    auto eof = co_await stream->read(&byte, 1);
    EXPECT_TRUE(eof.ok() && *eof == 0) << "expected EOF after half-close";
    EXPECT_TRUE((co_await server).has_value());
  });
}

TEST_P(NetTest, LargeTransferIsComplete) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    if (!listener.ok()) co_return;
    std::string payload(1 << 20, '\0');
    for (size_t i = 0; i < payload.size(); ++i)
      payload[i] = static_cast<char>(i * 31);
    auto writer = spawn([&]() -> Task<void> {
      auto accepted = co_await listener->accept();
      EXPECT_TRUE(accepted.ok());
      if (!accepted.ok()) co_return;
      EXPECT_TRUE((co_await accepted->first.write_all(payload)).ok());
    });
    auto stream = co_await TcpStream::connect(listener->local_addr());
    EXPECT_TRUE(stream.ok());
    if (!stream.ok()) co_return;
    std::string received;
    char buffer[8192];
    while (true) {
      auto got = co_await stream->read(buffer, sizeof(buffer));
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok() || *got == 0) break;
      received.append(buffer, *got);
    }
    EXPECT_EQ(received.size(), payload.size());
    EXPECT_TRUE(received == payload);
    (void)co_await writer;
  });
}

TEST_P(NetTest, ConnectionRefusedNamesTheAddress) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    // A port that was just free: bind, note it, close.
    uint16_t port;
    {
      auto probe = Listen();
      if (!probe.ok()) co_return;
      port = probe->local_addr().port();
    }
    auto stream =
        co_await TcpStream::connect(SocketAddress::Ipv4Loopback(port));
    EXPECT_FALSE(stream.ok());
    EXPECT_TRUE(Contains(stream.status().ToString(),
                         "connect to 127.0.0.1:" + std::to_string(port)));
    EXPECT_TRUE(Contains(stream.status().ToString(), "refused"));
  });
}

TEST_P(NetTest, BadAddressIsAClearError) {
  auto parsed = SocketAddress::Parse("localhost");
  EXPECT_FALSE(parsed.ok());
  EXPECT_TRUE(Contains(parsed.status().ToString(), "localhost"));
  auto listener = TcpListener::bind("999.1.1.1:80");
  EXPECT_FALSE(listener.ok());
}

TEST_P(NetTest, PeerResetIsAnErrorNamingThePeer) {
  if (std::optional<std::string> layer = platform::CompatibilityLayer()) {
    GTEST_SKIP() << *layer
                 << " reports a connection reset by the peer as the end of "
                    "the stream on recv (Windows itself: WSAECONNRESET)";
  }
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    if (!listener.ok()) co_return;
    auto resetter = spawn([&]() -> Task<void> {
      auto accepted = co_await listener->accept();
      if (!accepted.ok()) co_return;
      // SO_LINGER 0: close sends RST instead of FIN.
      EXPECT_TRUE(accepted->first.set_linger(std::chrono::seconds(0)).ok());
      char byte;
      (void)co_await accepted->first.read(&byte, 1);
    });
    auto stream = co_await TcpStream::connect(listener->local_addr());
    if (!stream.ok()) co_return;
    EXPECT_TRUE((co_await stream->write_all("x")).ok());
    (void)co_await resetter;  // the accepted stream is closed with RST here
    absl::Status failure;
    for (int i = 0; i < 100 && failure.ok(); ++i) {
      char buffer[16];
      auto got = co_await stream->read(buffer, sizeof(buffer));
      if (!got.ok())
        failure = got.status();
      else if (*got == 0)
        break;
      auto sent = co_await stream->write_all("more");
      if (!sent.ok()) failure = sent;
    }
    EXPECT_FALSE(failure.ok()) << "a reset connection must report an error";
    EXPECT_TRUE(Contains(failure.ToString(), "127.0.0.1"));
  });
}

TEST_P(NetTest, ManyConcurrentConnections) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    if (!listener.ok()) co_return;
    constexpr int kConnections = 64;
    auto server = spawn(EchoServer(&*listener, kConnections));
    JoinSet<bool> clients;
    for (int c = 0; c < kConnections; ++c) {
      clients.spawn([&, c]() -> Task<bool> {
        auto stream = co_await TcpStream::connect(listener->local_addr());
        if (!stream.ok()) co_return false;
        for (int round = 0; round < 20; ++round) {
          std::string message = std::to_string(c) + ":" + std::to_string(round);
          message.resize(32, '.');
          if (!(co_await stream->write_all(message)).ok()) co_return false;
          std::string reply(message.size(), '\0');
          if (!(co_await stream->read_exact(reply.data(), reply.size())).ok()) {
            co_return false;
          }
          if (reply != message) co_return false;
        }
        co_return true;
      });
    }
    int ok = 0;
    while (auto done = co_await clients.join_next())
      ok += done->value_or(false);
    EXPECT_EQ(ok, kConnections);
    EXPECT_TRUE((co_await server).has_value());
  });
}

TEST_P(NetTest, AbortingAReadCancelsItAndTheStreamStaysUsable) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    if (!listener.ok()) co_return;
    auto server = spawn(EchoServer(&*listener, 1));
    auto stream = co_await TcpStream::connect(listener->local_addr());
    if (!stream.ok()) co_return;
    auto buffer = std::make_unique<char[]>(64);
    auto reader = spawn([&]() -> Task<void> {
      (void)co_await stream->read(buffer.get(), 64);
      ADD_FAILURE() << "the read was not cancelled";
    });
    co_await sleep(5ms);
    reader.abort();
    EXPECT_TRUE((co_await reader).error().is_cancelled());
    buffer.reset();  // ASan: nothing may write here any more
    EXPECT_TRUE((co_await stream->write_all("ping")).ok());
    char reply[4];
    EXPECT_TRUE((co_await stream->read_exact(reply, 4)).ok());
    EXPECT_EQ(std::string(reply, 4), "ping");
    EXPECT_TRUE(stream->shutdown_write().ok());
    (void)co_await server;
  });
}

TEST_P(NetTest, AbortingAnAcceptCancelsIt) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    if (!listener.ok()) co_return;
    auto acceptor = spawn([&]() -> Task<void> {
      (void)co_await listener->accept();
      ADD_FAILURE() << "accept was not cancelled";
    });
    co_await sleep(5ms);
    acceptor.abort();
    EXPECT_TRUE((co_await acceptor).error().is_cancelled());
    // The listener still accepts.
    auto connect = spawn(TcpStream::connect(listener->local_addr()));
    auto accepted = co_await listener->accept();
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    EXPECT_TRUE((co_await connect).has_value());
  });
}

// tokio lets several tasks wait on one socket in the same direction (its
// ScheduledIo keeps a list of waiters): each accept gets a connection.
TEST_P(NetTest, TwoTasksAcceptOnOneListener) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    if (!listener.ok()) co_return;
    auto accept_one = [&]() -> Task<bool> {
      auto accepted = co_await listener->accept();
      co_return accepted.ok();
    };
    JoinSet<bool> acceptors;
    acceptors.spawn(accept_one());
    acceptors.spawn(accept_one());
    // Both are waiting in accept before anyone connects.
    co_await sleep(5ms);
    auto first = co_await TcpStream::connect(listener->local_addr());
    auto second = co_await TcpStream::connect(listener->local_addr());
    EXPECT_TRUE(first.ok() && second.ok());
    int accepted = 0;
    while (auto done = co_await acceptors.join_next()) {
      accepted += done->value_or(false);
    }
    EXPECT_EQ(accepted, 2);
  });
}

// The same for datagrams: two tasks receiving on one UdpSocket (tokio's
// recv_from takes &self) each get one of two datagrams.
TEST_P(NetTest, TwoTasksReceiveOnOneUdpSocket) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto a = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    auto b = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    if (!a.ok() || !b.ok()) {
      ADD_FAILURE() << "bind failed";
      co_return;
    }
    auto receive_one = [&]() -> Task<size_t> {
      char buffer[64];
      auto got = co_await b->recv_from(buffer, sizeof(buffer));
      co_return got.ok() ? got->first : 0;
    };
    JoinSet<size_t> receivers;
    receivers.spawn(receive_one());
    receivers.spawn(receive_one());
    co_await sleep(5ms);
    auto first = co_await a->send_to("one", b->local_addr());
    auto second = co_await a->send_to("two", b->local_addr());
    EXPECT_TRUE(first.ok() && second.ok());
    size_t total = 0;
    while (auto done = co_await receivers.join_next()) {
      total += done->value_or(0);
    }
    EXPECT_EQ(total, 6u);
  });
}

TEST_P(NetTest, TimeoutAroundAReadCancelsIt) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    if (!listener.ok()) co_return;
    auto server = spawn(EchoServer(&*listener, 1));
    auto stream = co_await TcpStream::connect(listener->local_addr());
    if (!stream.ok()) co_return;
    char byte;
    auto read_one = [&]() -> Task<absl::StatusOr<size_t>> {
      co_return co_await stream->read(&byte, 1);
    };
    auto timed = co_await timeout(5ms, read_one());
    EXPECT_FALSE(timed.has_value());
    EXPECT_TRUE(stream->shutdown_write().ok());
    (void)co_await server;
  });
}

TEST_P(NetTest, Ipv6Loopback) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = TcpListener::bind(SocketAddress::Ipv6Loopback(0));
    if (!listener.ok()) {
      // No IPv6 on this machine: nothing to test (reported, not passed).
      ADD_FAILURE() << "IPv6 loopback unavailable: " << listener.status();
      co_return;
    }
    EXPECT_TRUE(Contains(listener->local_addr().ToString(), "[::1]:"));
    auto server = spawn(EchoServer(&*listener, 1));
    auto stream = co_await TcpStream::connect(listener->local_addr());
    EXPECT_TRUE(stream.ok()) << stream.status();
    if (!stream.ok()) co_return;
    EXPECT_TRUE((co_await stream->write_all("six")).ok());
    char reply[3];
    EXPECT_TRUE((co_await stream->read_exact(reply, 3)).ok());
    EXPECT_EQ(std::string(reply, 3), "six");
    auto peer = stream->peer_addr();
    EXPECT_TRUE(peer.ok() && peer->family() == AF_INET6);
    EXPECT_TRUE(stream->shutdown_write().ok());
    (void)co_await server;
  });
}

TEST_P(NetTest, UdpSendToAndRecvFrom) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto a = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    auto b = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    if (!a.ok() || !b.ok()) {
      ADD_FAILURE() << "bind failed";
      co_return;
    }
    auto receiver = spawn([&]() -> Task<std::string> {
      char buffer[64];
      auto got = co_await b->recv_from(buffer, sizeof(buffer));
      EXPECT_TRUE(got.ok());
      if (!got.ok()) co_return "";
      EXPECT_EQ(got->second.port(), a->local_addr().port());
      co_return std::string(buffer, got->first);
    });
    co_await sleep(2ms);
    auto sent = co_await a->send_to("datagram", b->local_addr());
    EXPECT_TRUE(sent.ok() && *sent == 8);
    auto received = co_await receiver;
    EXPECT_EQ(received.value_or(""), "datagram");
  });
}

TEST_P(NetTest, AbortingARecvFromCancelsIt) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto socket = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    if (!socket.ok()) co_return;
    auto buffer = std::make_unique<char[]>(32);
    auto receiver = spawn([&]() -> Task<void> {
      (void)co_await socket->recv_from(buffer.get(), 32);
    });
    co_await sleep(5ms);
    receiver.abort();
    EXPECT_TRUE((co_await receiver).error().is_cancelled());
  });
}

// After block_in_place has given its worker to another thread, the task
// finishes its poll on a thread without a worker; connecting, writing,
// reading and closing there must still work (the I/O reaches the backend
// through the worker's new thread).
TEST_P(NetTest, IoStartedRightAfterBlockInPlace) {
  if (current_thread()) {
    GTEST_SKIP() << "block_in_place is a UsageError on current_thread "
                    "(BlockingTest checks it)";
  }
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    EXPECT_TRUE(listener.ok()) << listener.status();
    if (!listener.ok()) co_return;
    constexpr int kClients = 8;
    auto server = spawn(EchoServer(&*listener, kClients));
    JoinSet<bool> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.spawn([&listener, c]() -> Task<bool> {
        block_in_place([] {});
        auto stream = co_await TcpStream::connect(listener->local_addr());
        EXPECT_TRUE(stream.ok()) << stream.status();
        if (!stream.ok()) co_return false;
        for (int round = 0; round < 10; ++round) {
          std::string message = std::to_string(c) + "/" + std::to_string(round);
          message.resize(24, '.');
          block_in_place([] {});
          absl::Status sent = co_await stream->write_all(message);
          EXPECT_TRUE(sent.ok()) << sent;
          if (!sent.ok()) co_return false;
          std::string reply(message.size(), '\0');
          block_in_place([] {});
          absl::Status got =
              co_await stream->read_exact(reply.data(), reply.size());
          EXPECT_TRUE(got.ok()) << got;
          if (!got.ok()) co_return false;
          EXPECT_EQ(reply, message);
          if (reply != message) co_return false;
        }
        block_in_place([] {});
        TcpStream closed_here = *std::move(stream);
        co_return true;
      });
    }
    int ok = 0;
    while (auto done = co_await clients.join_next()) {
      ok += done->value_or(false);
    }
    EXPECT_EQ(ok, kClients);
    EXPECT_TRUE((co_await server).has_value());
  });
}

// Several threads in block_on at once, each body doing its own network
// round trips (on current_thread only one of them holds the core at a time;
// the others' I/O goes through the core's driver).
TEST_P(NetTest, BlockOnBodiesOnSeveralThreadsDoIo) {
  Runtime runtime = MakeRuntime();
  constexpr int kThreads = 3;
  auto listener = runtime.block_on(
      []() -> Task<absl::StatusOr<TcpListener>> { co_return Listen(); });
  ASSERT_TRUE(listener.ok()) << listener.status();
  JoinHandle<void> server =
      runtime.handle().spawn(EchoServer(&*listener, kThreads));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&runtime, &listener, &ok, t] {
      runtime.block_on([&listener, &ok, t]() -> Task<void> {
        auto stream = co_await TcpStream::connect(listener->local_addr());
        EXPECT_TRUE(stream.ok()) << stream.status();
        if (!stream.ok()) co_return;
        for (int round = 0; round < 50; ++round) {
          std::string message = std::to_string(t) + "/" + std::to_string(round);
          message.resize(16, '.');
          absl::Status sent = co_await stream->write_all(message);
          EXPECT_TRUE(sent.ok()) << sent;
          std::string reply(message.size(), '\0');
          absl::Status got =
              co_await stream->read_exact(reply.data(), reply.size());
          EXPECT_TRUE(got.ok()) << got;
          if (reply != message) {
            ADD_FAILURE() << "thread " << t << " round " << round << " got '"
                          << reply << "'";
            co_return;
          }
        }
        ok.fetch_add(1);
      });
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads);
  runtime.block_on([&server]() -> Task<void> {
    EXPECT_TRUE((co_await server).has_value());
  });
}

}  // namespace
}  // namespace weft::conformance
