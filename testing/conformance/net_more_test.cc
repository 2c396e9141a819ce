// Networking beyond the basics: name resolution (lookup_host, connect by
// host name), peek and socket options, into_split with a reader and a writer
// task at once, and connected UDP sockets.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "executors/platform/host.h"
#include "executors/platform/sockets.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

using net::OwnedReadHalf;
using net::OwnedWriteHalf;
using net::SocketAddress;
using net::TcpListener;
using net::TcpStream;
using net::UdpSocket;

class NetMoreTest : public RuntimeTest {};
WEFT_CONFORMANCE_INSTANTIATE(NetMoreTest);

absl::StatusOr<TcpListener> Listen() {
  return TcpListener::bind(SocketAddress::Ipv4Loopback(0));
}

// A port nothing listens on: bound, noted, closed.
uint16_t FreedPort() {
  auto probe = Listen();
  return probe.ok() ? probe->local_addr().port() : 1;
}

// Whether this machine's own resolver knows "localhost" (a bare chroot or
// container may have no /etc/hosts): the tests that resolve it skip
// without it, since weft's answer can only be the system's.
bool SystemResolvesLocalhost() {
  return platform::ResolveHost("localhost", "0").ok();
}

constexpr char kNoLocalhost[] =
    "getaddrinfo(\"localhost\") fails on this machine (no /etc/hosts entry?): "
    "nothing to compare lookup_host with";

// Echoes one connection until EOF, then closes it.
Task<void> EchoOne(TcpListener* listener) {
  auto accepted = co_await listener->accept();
  if (!accepted.ok()) {
    ADD_FAILURE() << accepted.status();
    co_return;
  }
  TcpStream& stream = accepted->first;
  char buffer[4096];
  while (true) {
    auto got = co_await stream.read(buffer, sizeof(buffer));
    if (!got.ok() || *got == 0) co_return;
    auto sent = co_await stream.write_all(std::string_view(buffer, *got));
    if (!sent.ok()) co_return;
  }
}

TEST_P(NetMoreTest, LookupHostResolvesLocalhost) {
  if (!SystemResolvesLocalhost()) GTEST_SKIP() << kNoLocalhost;
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto addresses = co_await net::lookup_host("localhost:6379");
    EXPECT_TRUE(addresses.ok()) << addresses.status();
    if (!addresses.ok()) co_return;
    EXPECT_FALSE(addresses->empty());
    bool loopback = false;
    for (const SocketAddress& address : *addresses) {
      EXPECT_EQ(address.port(), 6379);
      loopback = loopback || address.ToString() == "127.0.0.1:6379" ||
                 address.ToString() == "[::1]:6379";
    }
    EXPECT_TRUE(loopback);
  });
}

TEST_P(NetMoreTest, LookupHostParsesNumericAddressesDirectly) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto v4 = co_await net::lookup_host("10.1.2.3:80");
    EXPECT_TRUE(v4.ok() && v4->size() == 1 &&
                (*v4)[0].ToString() == "10.1.2.3:80");
    auto v6 = co_await net::lookup_host("[::1]:81");
    EXPECT_TRUE(v6.ok() && v6->size() == 1 &&
                (*v6)[0].ToString() == "[::1]:81");
  });
}

TEST_P(NetMoreTest, LookupHostOfAnUnknownHostNamesIt) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto addresses = co_await net::lookup_host("no-such-host.invalid:80");
    EXPECT_FALSE(addresses.ok());
    EXPECT_TRUE(absl::IsNotFound(addresses.status()) ||
                absl::IsUnavailable(addresses.status()))
        << addresses.status();
    EXPECT_TRUE(Contains(addresses.status().ToString(), "no-such-host.invalid"))
        << addresses.status();
  });
}

TEST_P(NetMoreTest, LookupHostRejectsAMissingOrNamedPort) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto no_port = co_await net::lookup_host("localhost");
    EXPECT_TRUE(absl::IsInvalidArgument(no_port.status()));
    auto named = co_await net::lookup_host("localhost:http");
    EXPECT_TRUE(absl::IsInvalidArgument(named.status()));
    EXPECT_TRUE(Contains(named.status().ToString(), "localhost:http"));
  });
}

TEST_P(NetMoreTest, ConnectByHostName) {
  if (!SystemResolvesLocalhost()) GTEST_SKIP() << kNoLocalhost;
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    // Listens on 127.0.0.1 only: if localhost resolves to ::1 first, that
    // attempt is refused and the next address must be tried.
    auto listener = Listen();
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto server = spawn(EchoOne(&*listener));
    std::string target =
        "localhost:" + std::to_string(listener->local_addr().port());
    auto stream = co_await TcpStream::connect(target);
    EXPECT_TRUE(stream.ok()) << stream.status();
    if (!stream.ok()) co_return;
    EXPECT_TRUE((co_await stream->write_all("by name")).ok());
    char reply[7];
    EXPECT_TRUE((co_await stream->read_exact(reply, 7)).ok());
    EXPECT_EQ(std::string(reply, 7), "by name");
    auto peer = stream->peer_addr();
    EXPECT_TRUE(peer.ok() && *peer == listener->local_addr());
    EXPECT_TRUE(stream->shutdown_write().ok());
    EXPECT_TRUE((co_await server).has_value());
  });
}

TEST_P(NetMoreTest, ConnectToAnUnknownHostNamesIt) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto stream = co_await TcpStream::connect("no-such-host.invalid:80");
    EXPECT_FALSE(stream.ok());
    EXPECT_TRUE(Contains(stream.status().ToString(), "no-such-host.invalid"))
        << stream.status();
  });
}

TEST_P(NetMoreTest, ConnectByNameRefusedNamesTheAddress) {
  if (!SystemResolvesLocalhost()) GTEST_SKIP() << kNoLocalhost;
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    uint16_t port = FreedPort();
    std::string target = "localhost:" + std::to_string(port);
    auto stream = co_await TcpStream::connect(target);
    EXPECT_FALSE(stream.ok());
    EXPECT_TRUE(absl::IsUnavailable(stream.status())) << stream.status();
    EXPECT_TRUE(Contains(stream.status().ToString(), "refused"));
    EXPECT_TRUE(
        Contains(stream.status().ToString(), ":" + std::to_string(port)))
        << stream.status();
  });
}

// A read whose data is already there finishes without suspending the task
// (as tokio's does), but it spends the cooperative budget: a task reading
// a socket that is never empty still lets the others run.
TEST_P(NetMoreTest, ReadsThatNeverWaitStillLetOtherTasksRun) {
  if (multi_thread()) {
    GTEST_SKIP() << "on multi_thread the other task waits in the injection "
                    "queue, which a busy worker checks every 61 polls (as "
                    "tokio's does) or another worker takes when it wakes: "
                    "when it runs is the scheduler's, not the budget's";
  }
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto stream = co_await TcpStream::connect(listener->local_addr());
    WEFT_CO_ASSERT_TRUE(stream.ok());
    auto accepted = co_await listener->accept();
    WEFT_CO_ASSERT_TRUE(accepted.ok());
    static constexpr int kBytes = 4096;  // within loopback's socket buffers
    WEFT_CO_ASSERT_TRUE(
        (co_await stream->write_all(std::string(kBytes, 'x'))).ok());

    auto other_ran = std::make_shared<std::atomic<bool>>(false);
    // One byte per read: 4096 reads that never have to wait.
    auto reader =
        spawn([](TcpStream server,
                 std::shared_ptr<std::atomic<bool>> other_ran) -> Task<int> {
          for (int i = 0; i < kBytes; ++i) {
            if (other_ran->load()) co_return i;
            char byte;
            auto got = co_await server.read(&byte, 1);
            if (!got.ok() || *got != 1) co_return -1;
          }
          co_return kBytes;
        }(std::move(accepted->first), other_ran));
    auto other =
        spawn([](std::shared_ptr<std::atomic<bool>> flag) -> Task<void> {
          flag->store(true);
          co_return;
        }(other_ran));
    auto reads_before = co_await reader;
    (void)co_await other;
    WEFT_CO_ASSERT_TRUE(reads_before.has_value());
    EXPECT_GE(*reads_before, 0) << "a read failed";
    EXPECT_LT(*reads_before, kBytes)
        << "the reader never let the other task run";
  });
}

TEST_P(NetMoreTest, PeekLeavesTheBytesForTheNextRead) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto sender = spawn([&]() -> Task<void> {
      auto accepted = co_await listener->accept();
      EXPECT_TRUE(accepted.ok());
      if (!accepted.ok()) co_return;
      EXPECT_TRUE((co_await accepted->first.write_all("hello")).ok());
    });
    auto stream = co_await TcpStream::connect(listener->local_addr());
    WEFT_CO_ASSERT_TRUE(stream.ok());
    char peeked[16] = {};
    auto first = co_await stream->peek(peeked, sizeof(peeked));
    EXPECT_TRUE(first.ok() && *first > 0) << first.status();
    if (!first.ok()) co_return;
    EXPECT_EQ(std::string(peeked, *first), std::string("hello", *first));
    // Peeking again sees the same bytes; reading consumes them.
    auto again = co_await stream->peek(peeked, 1);
    EXPECT_TRUE(again.ok() && *again == 1 && peeked[0] == 'h');
    char read[5];
    EXPECT_TRUE((co_await stream->read_exact(read, 5)).ok());
    EXPECT_EQ(std::string(read, 5), "hello");
    (void)co_await sender;
    // The sender closed: a peek now sees EOF.
    auto eof = co_await stream->peek(peeked, sizeof(peeked));
    EXPECT_TRUE(eof.ok() && *eof == 0);
  });
}

TEST_P(NetMoreTest, SocketOptionsRoundTrip) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto server = spawn(EchoOne(&*listener));
    auto stream = co_await TcpStream::connect(listener->local_addr());
    WEFT_CO_ASSERT_TRUE(stream.ok());
    EXPECT_TRUE(stream->set_nodelay(true).ok());
    EXPECT_EQ(stream->nodelay().value_or(false), true);
    EXPECT_TRUE(stream->set_nodelay(false).ok());
    EXPECT_EQ(stream->nodelay().value_or(true), false);
    EXPECT_TRUE(stream->set_keepalive(true).ok());
    EXPECT_EQ(stream->keepalive().value_or(false), true);
    EXPECT_TRUE(stream->set_keepalive(false).ok());
    EXPECT_EQ(stream->keepalive().value_or(true), false);
    EXPECT_TRUE(stream->set_ttl(42).ok());
    EXPECT_EQ(stream->ttl().value_or(0), 42u);
    absl::Status bad_ttl = stream->set_ttl(1000);
    EXPECT_FALSE(bad_ttl.ok());
    EXPECT_TRUE(Contains(bad_ttl.ToString(), "set_ttl on 127.0.0.1:"))
        << bad_ttl;
    // A closed stream's option calls are errors, not crashes.
    TcpStream closed;
    EXPECT_FALSE(closed.nodelay().ok());
    EXPECT_TRUE(stream->shutdown_write().ok());
    (void)co_await server;
  });
}

// Payload of `size` bytes whose content depends on the position.
std::string Pattern(size_t size) {
  std::string payload(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    payload[i] = static_cast<char>((i * 131) ^ (i >> 9));
  }
  return payload;
}

TEST_P(NetMoreTest, SplitHalvesReadAndWriteAtOnce) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto server = spawn(EchoOne(&*listener));
    auto stream = co_await TcpStream::connect(listener->local_addr());
    WEFT_CO_ASSERT_TRUE(stream.ok());
    auto [read_half, write_half] = std::move(*stream).into_split();
    EXPECT_FALSE(stream->is_open());
    EXPECT_TRUE(read_half.is_pair_of(write_half));
    // Larger than the socket buffers in both directions: the echo stalls
    // unless the reader drains while the writer still writes.
    const std::string payload = Pattern(4 << 20);
    auto writer = spawn(
        [&payload, write = std::move(write_half)]() mutable -> Task<bool> {
          absl::Status sent = co_await write.write_all(payload);
          EXPECT_TRUE(sent.ok()) << sent;
          co_return sent.ok();
          // Destroying `write` shuts the write side down: the echo server sees
          // EOF and closes, so the reader sees EOF.
        });
    auto reader =
        spawn([read = std::move(read_half)]() mutable -> Task<std::string> {
          std::string received;
          std::vector<char> buffer(64 * 1024);
          while (true) {
            auto got = co_await read.read(buffer.data(), buffer.size());
            EXPECT_TRUE(got.ok()) << got.status();
            if (!got.ok() || *got == 0) break;
            received.append(buffer.data(), *got);
          }
          co_return received;
        });
    EXPECT_TRUE((co_await writer).value_or(false));
    auto received = co_await reader;
    EXPECT_TRUE(received.has_value());
    if (!received.has_value()) co_return;
    EXPECT_EQ(received->size(), payload.size());
    EXPECT_TRUE(*received == payload);
    EXPECT_TRUE((co_await server).has_value());
  });
}

TEST_P(NetMoreTest, SplitStreamClosesWhenBothHalvesAreGone) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto connect = spawn(TcpStream::connect(listener->local_addr()));
    auto accepted = co_await listener->accept();
    WEFT_CO_ASSERT_TRUE(accepted.ok());
    auto client = co_await connect;
    WEFT_CO_ASSERT_TRUE(client.has_value() && client->ok());
    TcpStream& server = accepted->first;
    auto halves = std::move(**client).into_split();
    {
      // The read half goes first: the write half still works.
      OwnedReadHalf dropped = std::move(halves.first);
    }
    EXPECT_TRUE((co_await halves.second.write_all("still open")).ok());
    char got[10];
    EXPECT_TRUE((co_await server.read_exact(got, 10)).ok());
    EXPECT_EQ(std::string(got, 10), "still open");
    { OwnedWriteHalf dropped = std::move(halves.second); }
    char byte;
    auto eof = co_await server.read(&byte, 1);
    EXPECT_TRUE(eof.ok() && *eof == 0) << "expected EOF once both are gone";
    // Closed, not just shut down: what the server sends now is answered
    // with a reset, which its next write or read reports.
    absl::Status failure;
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (failure.ok() && std::chrono::steady_clock::now() < deadline) {
      failure = co_await server.write_all("x");
      if (!failure.ok()) break;
      auto after = co_await server.read(&byte, 1);
      if (!after.ok()) failure = after.status();
      if (failure.ok()) co_await sleep(1ms);
    }
    EXPECT_FALSE(failure.ok()) << "the client socket was never closed";
  });
}

TEST_P(NetMoreTest, ReuniteGivesBackTheStream) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto listener = Listen();
    WEFT_CO_ASSERT_TRUE(listener.ok());
    // One accept at a time on the listener.
    auto server = spawn(EchoOne(&*listener));
    auto stream = co_await TcpStream::connect(listener->local_addr());
    WEFT_CO_ASSERT_TRUE(stream.ok());
    EXPECT_TRUE((co_await stream->write_all("x")).ok());
    char first[1];
    EXPECT_TRUE((co_await stream->read_exact(first, 1)).ok());
    auto other_server = spawn(EchoOne(&*listener));
    auto other = co_await TcpStream::connect(listener->local_addr());
    WEFT_CO_ASSERT_TRUE(other.ok());
    auto [read_half, write_half] = std::move(*stream).into_split();
    auto [other_read, other_write] = std::move(*other).into_split();
    EXPECT_FALSE(read_half.is_pair_of(other_write));
    bool threw = false;
    try {
      (void)TcpStream::reunite(std::move(read_half), std::move(other_write));
    } catch (const UsageError& error) {
      threw = Contains(error.what(), "reunite");
    }
    EXPECT_TRUE(threw) << "mismatched halves must be a UsageError";
    // The failed reunite left the halves usable.
    EXPECT_TRUE(read_half.is_pair_of(write_half));
    TcpStream whole =
        TcpStream::reunite(std::move(read_half), std::move(write_half));
    EXPECT_TRUE(whole.is_open());
    // Reuniting did not shut the write side down.
    EXPECT_TRUE((co_await whole.write_all("again")).ok());
    char reply[5];
    EXPECT_TRUE((co_await whole.read_exact(reply, 5)).ok());
    EXPECT_EQ(std::string(reply, 5), "again");
    EXPECT_TRUE(whole.shutdown_write().ok());
    EXPECT_TRUE((co_await server).has_value());
    { OwnedWriteHalf done = std::move(other_write); }
    EXPECT_TRUE((co_await other_server).has_value());
  });
}

TEST_P(NetMoreTest, ConnectedUdpSendAndRecv) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto a = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    auto b = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    auto stranger = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    WEFT_CO_ASSERT_TRUE(a.ok() && b.ok() && stranger.ok());
    EXPECT_FALSE(a->peer_addr().ok());
    EXPECT_TRUE(a->connect(b->local_addr()).ok());
    EXPECT_TRUE(b->connect(a->local_addr().ToString()).ok());
    EXPECT_EQ(a->peer_addr().value_or(SocketAddress()), b->local_addr());
    auto receiver = spawn([&]() -> Task<std::string> {
      char buffer[64];
      auto got = co_await b->recv(buffer, sizeof(buffer));
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok()) co_return "";
      co_return std::string(buffer, *got);
    });
    // A connected socket drops datagrams from anyone else.
    auto from_stranger = co_await stranger->send_to("noise", b->local_addr());
    EXPECT_TRUE(from_stranger.ok());
    auto sent = co_await a->send("connected");
    EXPECT_TRUE(sent.ok() && *sent == 9);
    EXPECT_EQ((co_await receiver).value_or(""), "connected");
    // And the other way.
    EXPECT_TRUE((co_await b->send("back")).ok());
    char buffer[16];
    auto back = co_await a->recv(buffer, sizeof(buffer));
    EXPECT_TRUE(back.ok() && std::string(buffer, *back) == "back");
  });
}

TEST_P(NetMoreTest, UdpSendWithoutConnectIsAnError) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto socket = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    WEFT_CO_ASSERT_TRUE(socket.ok());
    auto sent = co_await socket->send("nowhere");
    EXPECT_FALSE(sent.ok());
    EXPECT_TRUE(Contains(sent.status().ToString(), "send to")) << sent.status();
    EXPECT_TRUE(
        Contains(sent.status().ToString(), socket->local_addr().ToString()))
        << sent.status();
  });
}

TEST_P(NetMoreTest, ConnectedUdpReportsARefusedPeer) {
  if (std::optional<std::string> layer = platform::CompatibilityLayer()) {
    GTEST_SKIP() << *layer
                 << " does not report an ICMP port unreachable on a connected "
                    "UDP socket (poll says nothing, recv would block); "
                    "Windows itself does (WSAECONNRESET)";
  }
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto socket = UdpSocket::bind(SocketAddress::Ipv4Loopback(0));
    WEFT_CO_ASSERT_TRUE(socket.ok());
    // A port that was just bound and closed (synchronously, outside weft)
    // receives nothing: the ICMP port unreachable comes back as
    // ECONNREFUSED on the connected socket.
    platform::SocketHandle raw = platform::kNoSocket;
    WEFT_CO_ASSERT_TRUE(platform::OpenSocket(AF_INET,
                                             platform::SocketType::kDatagram,
                                             &raw) == 0);
    SocketAddress any = SocketAddress::Ipv4Loopback(0);
    WEFT_CO_ASSERT_TRUE(platform::Bind(raw, any.raw(), any.length()) == 0);
    platform::RawSocketAddress bound;
    platform::LocalAddress(raw, &bound);
    platform::CloseSocket(raw);
    SocketAddress target = SocketAddress::FromRaw(bound.get(), bound.length);
    EXPECT_TRUE(socket->connect(target).ok());
    EXPECT_TRUE((co_await socket->send("anyone?")).ok());
    char buffer[16];
    auto got = co_await socket->recv(buffer, sizeof(buffer));
    EXPECT_FALSE(got.ok());
    EXPECT_TRUE(Contains(got.status().ToString(), "refused")) << got.status();
    EXPECT_TRUE(Contains(got.status().ToString(), target.ToString()))
        << got.status();
  });
}

}  // namespace
}  // namespace weft::conformance
