// Windows only: Winsock's error codes reach users as the POSIX error
// numbers, and so as the same absl::StatusCode and message, as on Linux.

#include "executors/platform/winsock_errors.h"

#include <winsock2.h>

#include <cerrno>
#include <string>

#include "absl/status/status.h"
#include "executors/platform/errors.h"
#include "gtest/gtest.h"

namespace weft::platform {
namespace {

TEST(WinsockErrorsTest, TheErrorsUsersMeetHaveTheirPosixNumbers) {
  EXPECT_EQ(ErrorFromWinsock(WSAECONNREFUSED), ECONNREFUSED);
  EXPECT_EQ(ErrorFromWinsock(WSAEADDRINUSE), EADDRINUSE);
  EXPECT_EQ(ErrorFromWinsock(WSAECONNRESET), ECONNRESET);
  EXPECT_EQ(ErrorFromWinsock(WSAETIMEDOUT), ETIMEDOUT);
  EXPECT_EQ(ErrorFromWinsock(WSAEACCES), EACCES);
  EXPECT_EQ(ErrorFromWinsock(WSAEWOULDBLOCK), EWOULDBLOCK);
  EXPECT_EQ(ErrorFromWinsock(WSAESHUTDOWN), EPIPE);
}

TEST(WinsockErrorsTest, MappedErrorsGetLinuxsCodesAndWording) {
  absl::Status refused =
      ErrorStatus(ErrorFromWinsock(WSAECONNREFUSED), "connect to", "a:1");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(refused.message()),
            "connect to a:1: Connection refused");
  absl::Status timed_out =
      ErrorStatus(ErrorFromWinsock(WSAETIMEDOUT), "connect to", "a:1");
  EXPECT_EQ(timed_out.code(), absl::StatusCode::kDeadlineExceeded);
}

// The system's text where it has one (Wine has none for most Winsock
// codes), else one that says it is Winsock's.
TEST(WinsockErrorsTest, ACodeWithoutAPosixNumberIsDescribedAsWinsocks) {
  EXPECT_EQ(ErrorFromWinsock(WSASYSNOTREADY), WSASYSNOTREADY);
  std::string description = ErrorDescription(WSASYSNOTREADY);
  EXPECT_FALSE(description.empty());
  EXPECT_NE(description, "error 10091");
}

}  // namespace
}  // namespace weft::platform
