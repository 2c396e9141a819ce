// A libFuzzer target for weft::net::SocketAddress: Parse() of any text, and
// FromRaw() of any bytes. Besides not crashing, a successful Parse() must
// round-trip: its ToString() parses again to the same address (family,
// port, length and address bytes), and prints the same; a failed one is an
// InvalidArgument error that says what was wrong.
//
// Built two ways: by clang++-14 with -fsanitize=fuzzer for real fuzzing
// (fuzz/fuzz_test.sh), and by Bazel's g++ into
// :socket_address_corpus_test, which replays the checked-in corpus
// (fuzz/corpus/socket_address).

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/net/socket_address.h"

namespace {

using weft::net::SocketAddress;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "socket_address_fuzzer: broken promise: %s\n", what);
  std::abort();
}

bool SameAddress(const SocketAddress& a, const SocketAddress& b) {
  return a.family() == b.family() && a.port() == b.port() &&
         a.length() == b.length() &&
         std::memcmp(a.raw(), b.raw(), a.length()) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<SocketAddress> parsed = SocketAddress::Parse(text);
  if (parsed.ok()) {
    Check(parsed->family() == AF_INET || parsed->family() == AF_INET6,
          "parsed an address of another family");
    Check(parsed->length() == (parsed->family() == AF_INET
                                   ? sizeof(sockaddr_in)
                                   : sizeof(sockaddr_in6)),
          "length does not match the family");
    std::string printed = parsed->ToString();
    absl::StatusOr<SocketAddress> again = SocketAddress::Parse(printed);
    Check(again.ok(), "ToString() of a parsed address does not parse");
    Check(SameAddress(*parsed, *again), "round trip changed the address");
    Check(again->ToString() == printed, "round trip changed the text");
    Check(*again == *parsed, "operator== disagrees with the round trip");
  } else {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "parse error is not InvalidArgument");
    Check(parsed.status().message().find("invalid socket address") !=
              std::string_view::npos,
          "parse error does not say what is wrong");
  }

  // Any bytes as a raw address (as accept() or getsockname() could return).
  SocketAddress raw = SocketAddress::FromRaw(
      reinterpret_cast<const sockaddr*>(data), static_cast<socklen_t>(size));
  Check(raw.length() <= sizeof(sockaddr_storage), "FromRaw overran");
  std::string printed = raw.ToString();
  if (raw.family() == AF_INET || raw.family() == AF_INET6) {
    (void)raw.port();
  }
  Check(!printed.empty(), "ToString() printed nothing");
  return 0;
}
