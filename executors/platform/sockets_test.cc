// The platform layer's sockets, on every platform (Linux natively, Windows
// under Wine): each OS error users meet on sockets becomes the
// absl::StatusCode weft promises everywhere, with a message naming the
// operation, the subject and the cause; options, addresses and
// non-blocking datagrams behave the same.

#include "executors/platform/sockets.h"

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace weft::platform {
namespace {

struct Mapping {
  int error;
  absl::StatusCode code;
  const char* cause;
};

TEST(SocketsTest, ErrorsMapToTheSameCodesOnEveryPlatform) {
  const Mapping mappings[] = {
      {ECONNREFUSED, absl::StatusCode::kUnavailable, "refused"},
      {EADDRINUSE, absl::StatusCode::kFailedPrecondition, "in use"},
      {ECONNRESET, absl::StatusCode::kUnavailable, "reset"},
      {ETIMEDOUT, absl::StatusCode::kDeadlineExceeded, "timed out"},
      {EACCES, absl::StatusCode::kPermissionDenied, "denied"},
      {EPIPE, absl::StatusCode::kFailedPrecondition, "pipe"},
  };
  for (const Mapping& mapping : mappings) {
    absl::Status status = ErrorStatus(mapping.error, "connect to", "1.2.3.4:5");
    EXPECT_EQ(status.code(), mapping.code) << status;
    EXPECT_EQ(std::string(status.message()).rfind("connect to 1.2.3.4:5: ", 0),
              0u)
        << status;
    EXPECT_NE(std::string(status.message()).find(mapping.cause),
              std::string::npos)
        << status;
  }
  EXPECT_TRUE(IsAddressInUse(EADDRINUSE));
  EXPECT_FALSE(IsAddressInUse(ECONNREFUSED));
  EXPECT_EQ(ErrorName(ECONNREFUSED), "ECONNREFUSED");
}

TEST(SocketsTest, IpAddressesRoundTrip) {
  in6_addr v6{};
  ASSERT_TRUE(ParseIpAddress(AF_INET6, "::1", &v6));
  EXPECT_EQ(FormatIpAddress(AF_INET6, &v6), "::1");
  in_addr v4{};
  ASSERT_TRUE(ParseIpAddress(AF_INET, "10.0.0.7", &v4));
  EXPECT_EQ(FormatIpAddress(AF_INET, &v4), "10.0.0.7");
  EXPECT_FALSE(ParseIpAddress(AF_INET, "10.0.0.256", &v4));
}

TEST(SocketsTest, LingerOptionRoundTrips) {
  SocketHandle socket = kNoSocket;
  ASSERT_EQ(OpenSocket(AF_INET, SocketType::kStream, &socket), 0);
  int value = 0;
  ASSERT_EQ(GetOption(socket, SocketOption::kLinger, &value), 0);
  EXPECT_EQ(value, -1);
  ASSERT_EQ(SetOption(socket, SocketOption::kLinger, 0), 0);
  ASSERT_EQ(GetOption(socket, SocketOption::kLinger, &value), 0);
  EXPECT_EQ(value, 0);
  ASSERT_EQ(SetOption(socket, SocketOption::kNoDelay, 1), 0);
  ASSERT_EQ(GetOption(socket, SocketOption::kNoDelay, &value), 0);
  EXPECT_NE(value, 0);
  CloseSocket(socket);
}

// A socket bound to 127.0.0.1 on a port the OS picks, and that address.
SocketHandle BoundToLoopback(SocketType type, RawSocketAddress* address) {
  SocketHandle socket = kNoSocket;
  EXPECT_EQ(OpenSocket(AF_INET, type, &socket), 0);
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  EXPECT_TRUE(ParseIpAddress(AF_INET, "127.0.0.1", &loopback.sin_addr));
  EXPECT_EQ(Bind(socket, reinterpret_cast<const sockaddr*>(&loopback),
                 sizeof(loopback)),
            0);
  EXPECT_EQ(LocalAddress(socket, address), 0);
  return socket;
}

TEST(SocketsTest, ASecondListenerOnAPortInUseIsRefused) {
  RawSocketAddress address;
  SocketHandle first = kNoSocket;
  ASSERT_EQ(OpenSocket(AF_INET, SocketType::kStream, &first), 0);
  AllowRebindDuringTimeWait(first);
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  ASSERT_TRUE(ParseIpAddress(AF_INET, "127.0.0.1", &loopback.sin_addr));
  ASSERT_EQ(Bind(first, reinterpret_cast<const sockaddr*>(&loopback),
                 sizeof(loopback)),
            0);
  ASSERT_EQ(Listen(first, 16), 0);
  ASSERT_EQ(LocalAddress(first, &address), 0);

  // Set up as a listener is, and still refused (on Windows, SO_REUSEADDR
  // would have let it take the port).
  SocketHandle second = kNoSocket;
  ASSERT_EQ(OpenSocket(AF_INET, SocketType::kStream, &second), 0);
  AllowRebindDuringTimeWait(second);
  int error = Bind(second, address.get(), address.length);
  EXPECT_TRUE(IsAddressInUse(error)) << ErrorName(error);
  CloseSocket(second);
  CloseSocket(first);
}

TEST(SocketsTest, AnEmptyDatagramSocketWouldBlock) {
  RawSocketAddress address[2];
  SocketHandle sockets[2] = {
      BoundToLoopback(SocketType::kDatagram, &address[0]),
      BoundToLoopback(SocketType::kDatagram, &address[1])};
  ASSERT_EQ(ConnectDatagram(sockets[0], address[1].get(), address[1].length),
            0);
  ASSERT_EQ(ConnectDatagram(sockets[1], address[0].get(), address[0].length),
            0);
  char buffer[4];
  int64_t got = TryReceive(sockets[0], buffer, sizeof(buffer), nullptr);
  ASSERT_LT(got, 0);
  EXPECT_TRUE(WouldBlock(static_cast<int>(-got))) << ErrorName(-got);
  EXPECT_EQ(TrySend(sockets[1], "ab", 2, nullptr, 0), 2);
  // Loopback delivers at once on Linux, not necessarily elsewhere: wait for
  // the datagram (with a deadline, so that a lost one fails the test).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  RawSocketAddress from;
  do {
    got = TryReceive(sockets[0], buffer, sizeof(buffer), &from);
    if (got >= 0 || !WouldBlock(static_cast<int>(-got))) break;
    std::this_thread::yield();
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(got, 2);
  EXPECT_EQ(from.length, address[1].length);
  CloseSocket(sockets[0]);
  CloseSocket(sockets[1]);
}

}  // namespace
}  // namespace weft::platform
