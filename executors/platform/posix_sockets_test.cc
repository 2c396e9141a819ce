// The POSIX platform layer: each OS error number users meet on sockets
// becomes the absl::StatusCode weft promises on every platform, with a
// message naming the operation, the subject and the cause.

#include <cerrno>
#include <string>

#include "absl/status/status.h"
#include "executors/platform/sockets.h"
#include "gtest/gtest.h"

namespace weft::platform {
namespace {

struct Mapping {
  int error;
  absl::StatusCode code;
  const char* cause;
};

TEST(PosixSocketsTest, ErrorsMapToTheSameCodesOnEveryPlatform) {
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
}

TEST(PosixSocketsTest, IpAddressesRoundTrip) {
  in6_addr v6{};
  ASSERT_TRUE(ParseIpAddress(AF_INET6, "::1", &v6));
  EXPECT_EQ(FormatIpAddress(AF_INET6, &v6), "::1");
  in_addr v4{};
  ASSERT_TRUE(ParseIpAddress(AF_INET, "10.0.0.7", &v4));
  EXPECT_EQ(FormatIpAddress(AF_INET, &v4), "10.0.0.7");
  EXPECT_FALSE(ParseIpAddress(AF_INET, "10.0.0.256", &v4));
}

TEST(PosixSocketsTest, LingerOptionRoundTrips) {
  SocketHandle socket = kNoSocket;
  ASSERT_EQ(OpenSocket(AF_INET, SocketType::kStream, &socket), 0);
  int value = 0;
  ASSERT_EQ(GetOption(socket, SocketOption::kLinger, &value), 0);
  EXPECT_EQ(value, -1);
  ASSERT_EQ(SetOption(socket, SocketOption::kLinger, 0), 0);
  ASSERT_EQ(GetOption(socket, SocketOption::kLinger, &value), 0);
  EXPECT_EQ(value, 0);
  CloseSocket(socket);
}

TEST(PosixSocketsTest, AnEmptyDatagramSocketWouldBlock) {
  SocketHandle sockets[2] = {kNoSocket, kNoSocket};
  ASSERT_EQ(OpenSocketPair(SocketType::kDatagram, sockets), 0);
  char buffer[4];
  int64_t got = TryReceive(sockets[0], buffer, sizeof(buffer), nullptr);
  ASSERT_LT(got, 0);
  EXPECT_TRUE(WouldBlock(static_cast<int>(-got)));
  EXPECT_EQ(TrySend(sockets[1], "ab", 2, nullptr, 0), 2);
  EXPECT_EQ(TryReceive(sockets[0], buffer, sizeof(buffer), nullptr), 2);
  CloseSocket(sockets[0]);
  CloseSocket(sockets[1]);
}

}  // namespace
}  // namespace weft::platform
