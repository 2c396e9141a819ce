// TCP on loopback: accept (with and without the peer's address) and
// connect, refused or not.

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"

namespace weft::reactor_testing {
namespace {

// A kConnect of `fd` to 127.0.0.1:`port`, which holds the address it
// points the operation at.
struct ConnectOp : TestOp {
  ConnectOp(int fd, uint16_t port)
      : TestOp(IoOpcode::kConnect, fd), server(Loopback(port)) {
    address = reinterpret_cast<sockaddr*>(&server);
    address_length = sizeof server;
  }

  sockaddr_in server;
};

// A blocking client connected to `listener`'s port (the connection waits in
// the backlog until accepted).
Fd ConnectedClient(const Fd& listener) {
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in server = Loopback(LocalPort(listener.get()));
  EXPECT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&server),
                      sizeof server),
            0)
      << strerror(errno);
  return client;
}

TEST_F(ReactorTest, AcceptAndConnectOnLoopback) {
  Fd listener = BoundSocket(/*listening=*/true);
  sockaddr_storage peer{};
  TestOp accept(IoOpcode::kAccept, listener.get());
  accept.address = reinterpret_cast<sockaddr*>(&peer);
  accept.address_length = sizeof peer;
  reactor_->Submit(&accept);
  EXPECT_EQ(RunOnce(Clock::now()), 0);  // no connection yet

  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));  // blocking
  ConnectOp connect(client.get(), LocalPort(listener.get()));
  reactor_->Submit(&connect);
  RunUntil([&] { return accept.calls == 1 && connect.calls == 1; });

  EXPECT_EQ(connect.result, 0);
  ASSERT_GE(accept.result, 0) << strerror(-accept.result);
  Fd accepted(accept.result);
  EXPECT_EQ(accept.address_length, sizeof(sockaddr_in));
  EXPECT_EQ(peer.ss_family, AF_INET);
  EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port),
            LocalPort(client.get()));
  EXPECT_NE(fcntl(accepted.get(), F_GETFD) & FD_CLOEXEC, 0);
  // executor.h: the accepted socket is non-blocking, whatever the listener
  // (created blocking here) is.
  EXPECT_NE(fcntl(accepted.get(), F_GETFL) & O_NONBLOCK, 0);

  char ping[] = "ping";
  TestOp send(IoOpcode::kSend, client.get(), ping, 4);
  char buffer[8] = {};
  TestOp recv(IoOpcode::kRecv, accepted.get(), buffer, sizeof buffer);
  reactor_->Submit(&recv);
  reactor_->Submit(&send);
  RunUntil([&] { return send.calls == 1 && recv.calls == 1; });
  EXPECT_EQ(send.result, 4);
  ASSERT_EQ(recv.result, 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");
}

// executor.h's SubmitEager: a backend may finish I/O that does not have to
// wait at once (the result returned, `complete` never called), or submit
// it; either way the operation completes exactly once, and data sent after
// a read went back to waiting still reaches it.
TEST_F(ReactorTest, SubmitEagerCompletesExactlyOnce) {
  Fd listener = BoundSocket(/*listening=*/true);
  Fd client = ConnectedClient(listener);
  Fd accepted(::accept(listener.get(), nullptr, nullptr));
  ASSERT_GE(accepted.get(), 0);

  // Ready at once: two bytes wait in the socket; the read asks for more,
  // so it comes back short.
  ASSERT_EQ(::send(client.get(), "hi", 2, 0), 2);
  char buffer[16] = {};
  TestOp ready(IoOpcode::kRecv, accepted.get(), buffer, sizeof buffer);
  std::optional<int32_t> at_once = reactor_->SubmitEager(&ready);
  if (at_once.has_value()) {
    EXPECT_EQ(*at_once, 2);
    EXPECT_EQ(RunOnce(Clock::now()), 0);  // nothing to deliver
    EXPECT_EQ(ready.calls, 0);
  } else {
    RunUntil([&] { return ready.calls == 1; });
    EXPECT_EQ(ready.result, 2);
  }
  EXPECT_EQ(std::string(buffer, 2), "hi");

  // Not ready: the read waits, and the bytes sent afterwards complete it.
  TestOp later(IoOpcode::kRecv, accepted.get(), buffer, sizeof buffer);
  EXPECT_EQ(reactor_->SubmitEager(&later), std::nullopt);
  EXPECT_EQ(RunOnce(Clock::now()), 0);
  EXPECT_EQ(later.calls, 0);
  ASSERT_EQ(::send(client.get(), "there", 5, 0), 5);
  RunUntil([&] { return later.calls == 1; });
  EXPECT_EQ(later.result, 5);
  EXPECT_EQ(std::string(buffer, 5), "there");
}

TEST_F(ReactorTest, AcceptWithoutAddress) {
  Fd listener = BoundSocket(/*listening=*/true);
  Fd client = ConnectedClient(listener);
  TestOp accept(IoOpcode::kAccept, listener.get());
  reactor_->Submit(&accept);
  RunUntil([&] { return accept.calls == 1; });
  ASSERT_GE(accept.result, 0) << strerror(-accept.result);
  close(accept.result);
}

TEST_F(ReactorTest, ConnectToAClosedPortIsRefused) {
  Fd not_listening = BoundSocket(/*listening=*/false);  // holds the port
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ConnectOp connect(client.get(), LocalPort(not_listening.get()));
  EXPECT_EQ(SubmitAndWait(connect), -ECONNREFUSED) << strerror(-connect.result);
}

TEST_F(ReactorTest, NonBlockingConnectToAJustClosedListenerIsRefused) {
  // As weft's TcpStream::connect does it: a SOCK_NONBLOCK socket, and a port
  // whose listener was just closed.
  uint16_t port;
  {
    Fd listener = BoundSocket(/*listening=*/true);
    port = LocalPort(listener.get());
  }
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  ConnectOp connect(client.get(), port);
  EXPECT_EQ(SubmitAndWait(connect), -ECONNREFUSED) << strerror(-connect.result);
}

TEST_F(ReactorTest, ConnectAfterAClosedListenersCloseIsRefused) {
  // The close and the connect are submitted back to back, as a runtime
  // dropping a listener and connecting to its port does: the listener must
  // be gone before the connect runs.
  Fd listener = BoundSocket(/*listening=*/true);
  const uint16_t port = LocalPort(listener.get());
  TestOp close_op(IoOpcode::kClose, listener.release());
  Fd client(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  ConnectOp connect(client.get(), port);
  reactor_->Submit(&close_op);
  reactor_->Submit(&connect);
  RunUntil([&] { return close_op.calls == 1 && connect.calls == 1; });
  EXPECT_EQ(close_op.result, 0);
  EXPECT_EQ(connect.result, -ECONNREFUSED) << strerror(-connect.result);
}

}  // namespace
}  // namespace weft::reactor_testing
