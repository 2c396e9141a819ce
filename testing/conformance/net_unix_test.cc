// Unix domain sockets: UnixListener/UnixStream (connect by path, pair,
// into_split, shutdown_write) and UnixDatagram (bound, unbound, connected,
// pair), the errors a missing, taken or too long path gives, and aborting a
// task that waits in accept, read or recv.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "executors/platform/sockets.h"
#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"

namespace weft::conformance {
namespace {

using net::UnixDatagram;
using net::UnixListener;
using net::UnixOwnedReadHalf;
using net::UnixOwnedWriteHalf;
using net::UnixSocketAddress;
using net::UnixStream;

class NetUnixTest : public RuntimeTest {
 protected:
  void SetUp() override {
    if (!platform::kHasUnixDomainSockets) {
      GTEST_SKIP() << "Unix-domain sockets: Windows has no socketpair and no "
                      "AF_UNIX datagrams, and weft offers none there (tokio "
                      "neither)";
    }
  }
};
WEFT_CONFORMANCE_INSTANTIATE(NetUnixTest);

// A fresh directory for one test's socket files, removed with them on
// destruction: under TEST_TMPDIR when its paths fit in sun_path (108 bytes),
// else under /tmp. Tests declare it before the runtime, so that it is
// removed once the runtime's threads are gone: removing it opens a directory
// fd, which may take the number of a socket a reactor thread has just closed
// through libuv's raw close syscall, which ThreadSanitizer does not see (it
// then reports the reactor's earlier use of that number as a race).
class SocketDir {
 public:
  SocketDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string parent = base != nullptr && std::string(base).size() < 60
                             ? std::string(base)
                             : std::string("/tmp");
    // mkdtemp's job, portably: a name nobody has, created atomically.
    std::random_device random;
    for (int attempt = 0; attempt < 100 && dir_.empty(); ++attempt) {
      std::string candidate =
          parent + "/weft-unix-" + std::to_string(random() % 1000000000);
      std::error_code error;
      if (std::filesystem::create_directory(candidate, error)) {
        dir_ = candidate;
      }
    }
  }
  ~SocketDir() {
    if (dir_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  bool ok() const { return !dir_.empty(); }
  // The path of the socket file `name` in this directory.
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

// Echoes one connection until EOF, then closes it.
Task<void> EchoOne(UnixListener* listener) {
  auto accepted = co_await listener->accept();
  if (!accepted.ok()) {
    ADD_FAILURE() << accepted.status();
    co_return;
  }
  UnixStream& stream = accepted->first;
  char buffer[4096];
  while (true) {
    auto got = co_await stream.read(buffer, sizeof(buffer));
    if (!got.ok() || *got == 0) co_return;
    auto sent = co_await stream.write_all(std::string_view(buffer, *got));
    if (!sent.ok()) co_return;
  }
}

// Payload of `size` bytes whose content depends on the position.
std::string Pattern(size_t size) {
  std::string payload(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    payload[i] = static_cast<char>((i * 131) ^ (i >> 9));
  }
  return payload;
}

TEST_P(NetUnixTest, StreamEchoOverAPath) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    const std::string path = dir.Path("echo.sock");
    auto listener = UnixListener::bind(path);
    EXPECT_TRUE(listener.ok()) << listener.status();
    if (!listener.ok()) co_return;
    EXPECT_EQ(listener->local_addr().path(), path);
    EXPECT_FALSE(listener->local_addr().is_unnamed());
    auto server = spawn([&]() -> Task<void> {
      auto accepted = co_await listener->accept();
      EXPECT_TRUE(accepted.ok()) << accepted.status();
      if (!accepted.ok()) co_return;
      // The connecting socket is not bound: its address is unnamed.
      EXPECT_TRUE(accepted->second.is_unnamed()) << accepted->second;
      UnixStream& stream = accepted->first;
      auto local = stream.local_addr();
      EXPECT_TRUE(local.ok() && local->path() == path);
      char buffer[256];
      while (true) {
        auto got = co_await stream.read(buffer, sizeof(buffer));
        if (!got.ok() || *got == 0) co_return;
        auto sent = co_await stream.write_all(std::string_view(buffer, *got));
        if (!sent.ok()) co_return;
      }
    });
    std::string target = path;
    auto stream = co_await UnixStream::connect(target);
    EXPECT_TRUE(stream.ok()) << stream.status();
    if (!stream.ok()) co_return;
    auto peer = stream->peer_addr();
    EXPECT_TRUE(peer.ok() && peer->path() == path);
    auto local = stream->local_addr();
    EXPECT_TRUE(local.ok() && local->is_unnamed());
    for (int round = 0; round < 20; ++round) {
      std::string message = "round " + std::to_string(round);
      EXPECT_TRUE((co_await stream->write_all(message)).ok());
      std::string reply(message.size(), '\0');
      EXPECT_TRUE(
          (co_await stream->read_exact(reply.data(), reply.size())).ok());
      EXPECT_EQ(reply, message);
    }
    // Half-close: the server reads EOF, ends, and closes; this side reads
    // EOF in turn.
    EXPECT_TRUE(stream->shutdown_write().ok());
    char byte;
    auto eof = co_await stream->read(&byte, 1);
    EXPECT_TRUE(eof.ok() && *eof == 0);
    EXPECT_TRUE((co_await server).has_value());
  });
}

TEST_P(NetUnixTest, ShutdownWriteGivesThePeerEofAndKeepsTheOtherWay) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto pair = UnixStream::pair();
    WEFT_CO_ASSERT_TRUE(pair.ok());
    UnixStream& left = pair->first;
    UnixStream& right = pair->second;
    EXPECT_TRUE((co_await left.write_all("last words")).ok());
    EXPECT_TRUE(left.shutdown_write().ok());
    char got[10];
    EXPECT_TRUE((co_await right.read_exact(got, 10)).ok());
    EXPECT_EQ(std::string(got, 10), "last words");
    char byte;
    auto eof = co_await right.read(&byte, 1);
    EXPECT_TRUE(eof.ok() && *eof == 0) << "expected EOF after shutdown_write";
    // A read past the end is EOF again, and read_exact says how far it got.
    absl::Status short_read = co_await right.read_exact(got, 1);
    EXPECT_TRUE(absl::IsOutOfRange(short_read)) << short_read;
    // The other direction still works.
    EXPECT_TRUE((co_await right.write_all("reply")).ok());
    char reply[5];
    EXPECT_TRUE((co_await left.read_exact(reply, 5)).ok());
    EXPECT_EQ(std::string(reply, 5), "reply");
  });
}

TEST_P(NetUnixTest, StreamPairTalksBothWays) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto pair = UnixStream::pair();
    WEFT_CO_ASSERT_TRUE(pair.ok());
    UnixStream& left = pair->first;
    UnixStream& right = pair->second;
    auto reader = spawn([&]() -> Task<std::string> {
      std::string all;
      char buffer[64];
      while (true) {
        auto got = co_await right.read(buffer, sizeof(buffer));
        EXPECT_TRUE(got.ok()) << got.status();
        if (!got.ok() || *got == 0) co_return all;
        all.append(buffer, *got);
      }
    });
    EXPECT_TRUE((co_await left.write_all("to the right")).ok());
    EXPECT_TRUE(left.shutdown_write().ok());
    EXPECT_EQ((co_await reader).value_or(""), "to the right");
    EXPECT_TRUE((co_await right.write_all("back")).ok());
    char peeked[4];
    auto peek = co_await left.peek(peeked, 4);
    EXPECT_TRUE(peek.ok() && *peek > 0 && peeked[0] == 'b');
    char reply[4];
    EXPECT_TRUE((co_await left.read_exact(reply, 4)).ok());
    EXPECT_EQ(std::string(reply, 4), "back");
    auto local = left.local_addr();
    EXPECT_TRUE(local.ok() && local->is_unnamed());
    auto peer = left.peer_addr();
    EXPECT_TRUE(peer.ok() && peer->is_unnamed());
    EXPECT_EQ(peer.value_or(UnixSocketAddress()).ToString(), "(unnamed)");
  });
}

TEST_P(NetUnixTest, SplitHalvesReadAndWriteAtOnce) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    const std::string path = dir.Path("split.sock");
    auto listener = UnixListener::bind(path);
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto server = spawn(EchoOne(&*listener));
    std::string target = path;
    auto stream = co_await UnixStream::connect(target);
    WEFT_CO_ASSERT_TRUE(stream.ok());
    auto [read_half, write_half] = std::move(*stream).into_split();
    EXPECT_FALSE(stream->is_open());
    EXPECT_TRUE(read_half.is_pair_of(write_half));
    EXPECT_EQ(write_half.peer_addr().value_or(UnixSocketAddress()).path(),
              path);
    // Larger than the socket buffers in both directions: the echo stalls
    // unless the reader drains while the writer still writes.
    const std::string payload = Pattern(4 << 20);
    auto writer = spawn(
        [&payload, write = std::move(write_half)]() mutable -> Task<bool> {
          absl::Status sent = co_await write.write_all(payload);
          EXPECT_TRUE(sent.ok()) << sent;
          co_return sent.ok();
          // Destroying `write` shuts the write side down: the echo server
          // sees EOF and closes, so the reader sees EOF.
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

TEST_P(NetUnixTest, ReuniteGivesBackTheStream) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto first = UnixStream::pair();
    auto second = UnixStream::pair();
    WEFT_CO_ASSERT_TRUE(first.ok() && second.ok());
    auto [read_half, write_half] = std::move(first->first).into_split();
    auto [other_read, other_write] = std::move(second->first).into_split();
    bool threw = false;
    try {
      (void)UnixStream::reunite(std::move(read_half), std::move(other_write));
    } catch (const UsageError& error) {
      threw = Contains(error.what(), "UnixStream::reunite");
    }
    EXPECT_TRUE(threw) << "mismatched halves must be a UsageError";
    EXPECT_TRUE(read_half.is_pair_of(write_half));
    UnixStream whole =
        UnixStream::reunite(std::move(read_half), std::move(write_half));
    EXPECT_TRUE(whole.is_open());
    // Reuniting did not shut the write side down.
    EXPECT_TRUE((co_await whole.write_all("again")).ok());
    char got[5];
    EXPECT_TRUE((co_await first->second.read_exact(got, 5)).ok());
    EXPECT_EQ(std::string(got, 5), "again");
  });
}

TEST_P(NetUnixTest, ConnectToAMissingPathIsNotFound) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    std::string target = dir.Path("missing.sock");
    auto stream = co_await UnixStream::connect(target);
    EXPECT_FALSE(stream.ok());
    EXPECT_TRUE(absl::IsNotFound(stream.status())) << stream.status();
    EXPECT_TRUE(Contains(stream.status().ToString(), "connect to " + target))
        << stream.status();
  });
}

TEST_P(NetUnixTest, ConnectToASocketNobodyListensOnIsRefused) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    std::string target = dir.Path("refused.sock");
    // Bound but not listening (made outside weft, so its state is certain).
    int raw = ::socket(AF_UNIX, SOCK_STREAM, 0);
    WEFT_CO_ASSERT_TRUE(raw >= 0);
    auto address = UnixSocketAddress::FromPath(target);
    WEFT_CO_ASSERT_TRUE(address.ok());
    WEFT_CO_ASSERT_TRUE(::bind(raw, address->raw(), address->length()) == 0);
    auto stream = co_await UnixStream::connect(target);
    EXPECT_FALSE(stream.ok());
    EXPECT_TRUE(absl::IsUnavailable(stream.status())) << stream.status();
    EXPECT_TRUE(Contains(stream.status().ToString(), "refused"))
        << stream.status();
    EXPECT_TRUE(Contains(stream.status().ToString(), target));
    ::close(raw);
  });
}

TEST_P(NetUnixTest, BindToATakenPathIsAlreadyExistsNamingIt) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.Path("twice.sock");
  auto first = UnixListener::bind(path);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = UnixListener::bind(path);
  EXPECT_TRUE(absl::IsAlreadyExists(second.status())) << second.status();
  EXPECT_TRUE(Contains(second.status().ToString(), "bind " + path));
  EXPECT_TRUE(Contains(second.status().ToString(), "in use"));
  // The file stays after the listener is gone (as in tokio): still taken.
  *first = UnixListener();
  auto third = UnixDatagram::bind(path);
  EXPECT_TRUE(absl::IsAlreadyExists(third.status())) << third.status();
  EXPECT_TRUE(Contains(third.status().ToString(), path));
  // Removing it frees the path.
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_TRUE(UnixListener::bind(path).ok());
}

TEST_P(NetUnixTest, TooLongOrEmptyPathIsInvalidArgumentNamingTheLimit) {
  const std::string too_long = "/tmp/" + std::string(103, 'x');  // 108 bytes
  ASSERT_EQ(too_long.size(), UnixSocketAddress::kMaxPathLength + 1);
  auto listener = UnixListener::bind(too_long);
  EXPECT_TRUE(absl::IsInvalidArgument(listener.status())) << listener.status();
  EXPECT_TRUE(Contains(listener.status().ToString(), too_long));
  EXPECT_TRUE(Contains(listener.status().ToString(), "at most 107"))
      << listener.status();
  auto datagram = UnixDatagram::bind(too_long);
  EXPECT_TRUE(absl::IsInvalidArgument(datagram.status()));
  EXPECT_TRUE(absl::IsInvalidArgument(UnixListener::bind("").status()));
  // 107 bytes fit (the bind may still fail for other reasons, not this one).
  auto longest = UnixSocketAddress::FromPath(too_long.substr(1));
  EXPECT_TRUE(longest.ok()) << longest.status();

  Runtime runtime = MakeRuntime();
  runtime.block_on([&too_long]() -> Task<void> {
    std::string target = too_long;
    auto stream = co_await UnixStream::connect(target);
    EXPECT_TRUE(absl::IsInvalidArgument(stream.status())) << stream.status();
    EXPECT_TRUE(Contains(stream.status().ToString(), "107"));
    auto socket = UnixDatagram::unbound();
    WEFT_CO_ASSERT_TRUE(socket.ok());
    auto sent = co_await socket->send_to("x", target);
    EXPECT_TRUE(absl::IsInvalidArgument(sent.status())) << sent.status();
    EXPECT_TRUE(absl::IsInvalidArgument(socket->connect(too_long)));
  });
}

TEST_P(NetUnixTest, ClosedSocketsGiveErrorsNotCrashes) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    UnixStream stream;
    EXPECT_FALSE(stream.is_open());
    char byte;
    auto got = co_await stream.read(&byte, 1);
    EXPECT_FALSE(got.ok());
    auto sent = co_await stream.write("x");
    EXPECT_FALSE(sent.ok());
    EXPECT_FALSE(stream.shutdown_write().ok());
    EXPECT_FALSE(stream.peer_addr().ok());
    UnixListener listener;
    auto accepted = co_await listener.accept();
    EXPECT_FALSE(accepted.ok());
    UnixDatagram datagram;
    auto received = co_await datagram.recv(&byte, 1);
    EXPECT_FALSE(received.ok());
    auto sent_to = co_await datagram.send("x");
    EXPECT_FALSE(sent_to.ok());
    EXPECT_FALSE(datagram.local_addr().ok());
    // A datagram socket that is not connected cannot send().
    auto unbound = UnixDatagram::unbound();
    WEFT_CO_ASSERT_TRUE(unbound.ok());
    auto nowhere = co_await unbound->send("x");
    EXPECT_FALSE(nowhere.ok());
    EXPECT_TRUE(Contains(nowhere.status().ToString(), "send to"))
        << nowhere.status();
  });
}

TEST_P(NetUnixTest, DatagramSendToAndRecvFrom) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    const std::string a_path = dir.Path("a.sock");
    const std::string b_path = dir.Path("b.sock");
    auto a = UnixDatagram::bind(a_path);
    auto b = UnixDatagram::bind(b_path);
    auto anonymous = UnixDatagram::unbound();
    WEFT_CO_ASSERT_TRUE(a.ok() && b.ok() && anonymous.ok());
    EXPECT_EQ(a->local_addr().value_or(UnixSocketAddress()).path(), a_path);
    EXPECT_TRUE(
        anonymous->local_addr().value_or(UnixSocketAddress()).is_unnamed());
    auto receiver = spawn([&]() -> Task<void> {
      char buffer[64];
      auto first = co_await b->recv_from(buffer, sizeof(buffer));
      EXPECT_TRUE(first.ok()) << first.status();
      if (!first.ok()) co_return;
      EXPECT_EQ(std::string(buffer, first->first), "from a");
      EXPECT_EQ(first->second.path(), a_path);
      auto second = co_await b->recv_from(buffer, sizeof(buffer));
      EXPECT_TRUE(second.ok()) << second.status();
      if (!second.ok()) co_return;
      EXPECT_EQ(std::string(buffer, second->first), "from nobody");
      EXPECT_TRUE(second->second.is_unnamed());
      // Answer a by the address recv_from gave.
      auto reply = co_await b->send_to("reply", first->second.path());
      EXPECT_TRUE(reply.ok()) << reply.status();
    });
    EXPECT_TRUE(co_await UntilWaiting(receiver.id()));
    std::string to_b = b_path;
    auto sent = co_await a->send_to("from a", to_b);
    EXPECT_TRUE(sent.ok() && *sent == 6) << sent.status();
    auto sent_anonymously = co_await anonymous->send_to("from nobody", to_b);
    EXPECT_TRUE(sent_anonymously.ok()) << sent_anonymously.status();
    char buffer[16];
    auto reply = co_await a->recv_from(buffer, sizeof(buffer));
    EXPECT_TRUE(reply.ok() && std::string(buffer, reply->first) == "reply");
    EXPECT_EQ(
        reply.value_or(std::pair<size_t, UnixSocketAddress>()).second,
        UnixSocketAddress::FromPath(b_path).value_or(UnixSocketAddress()));
    EXPECT_TRUE((co_await receiver).has_value());
  });
}

TEST_P(NetUnixTest, DatagramToAMissingPathIsNotFound) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    auto socket = UnixDatagram::unbound();
    WEFT_CO_ASSERT_TRUE(socket.ok());
    std::string target = dir.Path("missing.sock");
    auto sent = co_await socket->send_to("lost", target);
    EXPECT_FALSE(sent.ok());
    EXPECT_TRUE(absl::IsNotFound(sent.status())) << sent.status();
    EXPECT_TRUE(Contains(sent.status().ToString(), target));
    absl::Status connected = socket->connect(target);
    EXPECT_TRUE(absl::IsNotFound(connected)) << connected;
    EXPECT_TRUE(Contains(connected.ToString(), "connect to " + target));
  });
}

TEST_P(NetUnixTest, ConnectedAndPairedDatagrams) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    auto pair = UnixDatagram::pair();
    WEFT_CO_ASSERT_TRUE(pair.ok());
    auto receiver = spawn([&]() -> Task<std::string> {
      char buffer[32];
      auto got = co_await pair->second.recv(buffer, sizeof(buffer));
      EXPECT_TRUE(got.ok()) << got.status();
      co_return got.ok() ? std::string(buffer, *got) : "";
    });
    EXPECT_TRUE((co_await pair->first.send("paired")).ok());
    EXPECT_EQ((co_await receiver).value_or(""), "paired");
    EXPECT_TRUE((co_await pair->second.send("and back")).ok());
    char back[32];
    auto got_back = co_await pair->first.recv(back, sizeof(back));
    EXPECT_TRUE(got_back.ok() && std::string(back, *got_back) == "and back");
    EXPECT_TRUE(
        pair->first.peer_addr().value_or(UnixSocketAddress()).is_unnamed());

    const std::string server_path = dir.Path("server.sock");
    const std::string stranger_path = dir.Path("stranger.sock");
    auto server = UnixDatagram::bind(server_path);
    auto client = UnixDatagram::unbound();
    auto stranger = UnixDatagram::bind(stranger_path);
    WEFT_CO_ASSERT_TRUE(server.ok() && client.ok() && stranger.ok());
    EXPECT_FALSE(client->peer_addr().ok());
    EXPECT_TRUE(client->connect(server_path).ok());
    EXPECT_EQ(client->peer_addr().value_or(UnixSocketAddress()).path(),
              server_path);
    EXPECT_TRUE((co_await client->send("connected")).ok());
    char buffer[32];
    auto got = co_await server->recv(buffer, sizeof(buffer));
    EXPECT_TRUE(got.ok() && std::string(buffer, *got) == "connected");
    // A connected datagram socket takes nothing from anyone else.
    EXPECT_TRUE(server->connect(stranger_path).ok());
    std::string to_server = server_path;
    auto refused = co_await client->send_to("not you", to_server);
    EXPECT_FALSE(refused.ok());
    EXPECT_TRUE(Contains(refused.status().ToString(), server_path))
        << refused.status();
  });
}

TEST_P(NetUnixTest, AbortingAnAcceptLeavesTheListenerUsable) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    const std::string path = dir.Path("abort-accept.sock");
    auto listener = UnixListener::bind(path);
    WEFT_CO_ASSERT_TRUE(listener.ok());
    auto acceptor = spawn([&]() -> Task<void> {
      (void)co_await listener->accept();
      ADD_FAILURE() << "accept was not cancelled";
    });
    EXPECT_TRUE(co_await UntilWaiting(acceptor.id()));
    acceptor.abort();
    EXPECT_TRUE((co_await acceptor).error().is_cancelled());
    // The listener still accepts, and the connection reaches this accept.
    std::string target = path;
    auto connect = spawn(UnixStream::connect(target));
    auto accepted = co_await listener->accept();
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    auto connected = co_await connect;
    EXPECT_TRUE(connected.has_value() && connected->ok());
    if (!accepted.ok() || !connected.has_value() || !connected->ok()) {
      co_return;
    }
    EXPECT_TRUE((co_await (*connected)->write_all("hi")).ok());
    char got[2];
    EXPECT_TRUE((co_await accepted->first.read_exact(got, 2)).ok());
    EXPECT_EQ(std::string(got, 2), "hi");
  });
}

TEST_P(NetUnixTest, AbortingAReadLosesNoData) {
  Runtime runtime = MakeRuntime();
  runtime.block_on([]() -> Task<void> {
    auto pair = UnixStream::pair();
    WEFT_CO_ASSERT_TRUE(pair.ok());
    UnixStream& left = pair->first;
    UnixStream& right = pair->second;
    auto buffer = std::make_unique<char[]>(64);
    auto reader = spawn([&]() -> Task<void> {
      (void)co_await right.read(buffer.get(), 64);
      ADD_FAILURE() << "the read was not cancelled";
    });
    EXPECT_TRUE(co_await UntilWaiting(reader.id()));
    reader.abort();
    EXPECT_TRUE((co_await reader).error().is_cancelled());
    buffer.reset();  // ASan: nothing may write here any more
    // What is written now reaches the next read, whole.
    EXPECT_TRUE((co_await left.write_all("kept")).ok());
    char got[4];
    EXPECT_TRUE((co_await right.read_exact(got, 4)).ok());
    EXPECT_EQ(std::string(got, 4), "kept");
  });
}

TEST_P(NetUnixTest, AbortingARecvLosesNoDatagram) {
  SocketDir dir;
  ASSERT_TRUE(dir.ok());
  Runtime runtime = MakeRuntime();
  runtime.block_on([&dir]() -> Task<void> {
    const std::string path = dir.Path("abort-recv.sock");
    auto server = UnixDatagram::bind(path);
    auto client = UnixDatagram::unbound();
    WEFT_CO_ASSERT_TRUE(server.ok() && client.ok());
    auto buffer = std::make_unique<char[]>(32);
    auto receiver = spawn([&]() -> Task<void> {
      (void)co_await server->recv_from(buffer.get(), 32);
      ADD_FAILURE() << "recv_from was not cancelled";
    });
    EXPECT_TRUE(co_await UntilWaiting(receiver.id()));
    receiver.abort();
    EXPECT_TRUE((co_await receiver).error().is_cancelled());
    buffer.reset();
    std::string target = path;
    EXPECT_TRUE((co_await client->send_to("one", target)).ok());
    EXPECT_TRUE((co_await client->send_to("two", target)).ok());
    char got[8];
    auto first = co_await server->recv(got, sizeof(got));
    EXPECT_TRUE(first.ok() && std::string(got, *first) == "one");
    auto second = co_await server->recv(got, sizeof(got));
    EXPECT_TRUE(second.ok() && std::string(got, *second) == "two");
  });
}

}  // namespace
}  // namespace weft::conformance
