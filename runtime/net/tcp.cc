#include "runtime/net/tcp.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "runtime/errors.h"
#include "runtime/net/lookup_host.h"

namespace weft::net {
namespace {

using weft::internal::IoAwaiter;
using weft::internal::IoRequest;

IoRequest* NewRequest(IoOpcode opcode, platform::SocketHandle fd,
                      size_t buffer_size) {
  return IoRequest::New(opcode, fd, buffer_size);
}

}  // namespace

Task<absl::StatusOr<TcpStream>> TcpStream::connect(SocketAddress address) {
  absl::StatusOr<internal::Socket> socket = internal::Socket::Open(
      address.family(), platform::SocketType::kStream, address);
  if (!socket.ok()) co_return socket.status();
  IoRequest* request = NewRequest(IoOpcode::kConnect, socket->fd(), 0);
  std::memcpy(&request->address(), address.raw(), address.length());
  request->op().address = reinterpret_cast<sockaddr*>(&request->address());
  request->op().address_length = address.length();
  int32_t result = co_await IoAwaiter("TcpStream::connect", request);
  if (result < 0) {
    co_return internal::ErrorStatus(-result, "connect to", address.ToString());
  }
  co_return TcpStream(*std::move(socket), address.ToString());
}

Task<absl::StatusOr<TcpStream>> TcpStream::connect(std::string address) {
  absl::StatusOr<SocketAddress> parsed = SocketAddress::Parse(address);
  if (parsed.ok()) co_return co_await connect(*parsed);
  absl::StatusOr<std::vector<SocketAddress>> resolved =
      co_await lookup_host(address);
  if (!resolved.ok()) co_return resolved.status();
  absl::Status last_error;
  for (const SocketAddress& candidate : *resolved) {
    absl::StatusOr<TcpStream> stream = co_await connect(candidate);
    if (stream.ok()) co_return stream;
    last_error = stream.status();
  }
  // lookup_host never yields an empty list.
  co_return last_error;
}

TcpStream::Read::Read(TcpStream& stream, void* buffer, size_t length, int flags)
    : stream_(stream),
      buffer_(buffer),
      peek_((flags & MSG_PEEK) != 0),
      awaiter_("TcpStream::read",
               NewRequest(IoOpcode::kRecv, stream.socket_.fd(), length)) {
  awaiter_.request().op().flags = flags;
}

absl::StatusOr<size_t> TcpStream::Read::await_resume() {
  int32_t result = awaiter_.await_resume();
  if (result < 0) {
    return internal::ErrorStatus(-result, peek_ ? "peek from" : "read from",
                                 stream_.peer_);
  }
  std::memcpy(buffer_, awaiter_.request().buffer(),
              static_cast<size_t>(result));
  return static_cast<size_t>(result);
}

TcpStream::Write::Write(TcpStream& stream, const void* data, size_t length)
    : stream_(stream),
      awaiter_("TcpStream::write",
               NewRequest(IoOpcode::kSend, stream.socket_.fd(), length)) {
  if (length > 0) std::memcpy(awaiter_.request().buffer(), data, length);
}

absl::StatusOr<size_t> TcpStream::Write::await_resume() {
  int32_t result = awaiter_.await_resume();
  if (result < 0) {
    return internal::ErrorStatus(-result, "write to", stream_.peer_);
  }
  return static_cast<size_t>(result);
}

Task<absl::Status> TcpStream::write_all(std::string_view data) {
  // Each write copies its bytes into the operation's own buffer; capping a
  // write keeps a large write_all linear instead of re-copying the rest after
  // every partial write.
  constexpr size_t kMaxWrite = 256 * 1024;
  while (!data.empty()) {
    absl::StatusOr<size_t> written =
        co_await write(data.substr(0, std::min(data.size(), kMaxWrite)));
    if (!written.ok()) co_return written.status();
    data.remove_prefix(*written);
  }
  co_return absl::OkStatus();
}

Task<absl::Status> TcpStream::read_exact(void* buffer, size_t length) {
  size_t filled = 0;
  while (filled < length) {
    absl::StatusOr<size_t> got =
        co_await read(static_cast<char*>(buffer) + filled, length - filled);
    if (!got.ok()) co_return got.status();
    if (*got == 0) {
      co_return absl::OutOfRangeError(
          absl::StrCat("read_exact from ", peer_, ": unexpected EOF after ",
                       filled, " of ", length, " bytes"));
    }
    filled += *got;
  }
  co_return absl::OkStatus();
}

absl::Status TcpStream::shutdown_write() {
  if (int error = platform::ShutdownWrite(socket_.fd()); error != 0) {
    return internal::ErrorStatus(error, "shutdown_write to", peer_);
  }
  return absl::OkStatus();
}

absl::Status TcpStream::SetOption(platform::SocketOption option, int value,
                                  const char* operation) {
  if (int error = platform::SetOption(socket_.fd(), option, value);
      error != 0) {
    return internal::ErrorStatus(error, operation, peer_);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> TcpStream::GetOption(platform::SocketOption option,
                                         const char* operation) const {
  int value = 0;
  if (int error = platform::GetOption(socket_.fd(), option, &value);
      error != 0) {
    return internal::ErrorStatus(error, operation, peer_);
  }
  return value;
}

absl::Status TcpStream::set_nodelay(bool enabled) {
  return SetOption(platform::SocketOption::kNoDelay, enabled ? 1 : 0,
                   "set_nodelay on");
}

absl::StatusOr<bool> TcpStream::nodelay() const {
  absl::StatusOr<int> value =
      GetOption(platform::SocketOption::kNoDelay, "nodelay of");
  if (!value.ok()) return value.status();
  return *value != 0;
}

absl::Status TcpStream::set_keepalive(bool enabled) {
  return SetOption(platform::SocketOption::kKeepAlive, enabled ? 1 : 0,
                   "set_keepalive on");
}

absl::StatusOr<bool> TcpStream::keepalive() const {
  absl::StatusOr<int> value =
      GetOption(platform::SocketOption::kKeepAlive, "keepalive of");
  if (!value.ok()) return value.status();
  return *value != 0;
}

absl::Status TcpStream::set_linger(
    std::optional<std::chrono::nanoseconds> duration) {
  int seconds = -1;
  if (duration.has_value()) {
    if (*duration < std::chrono::nanoseconds::zero()) {
      return absl::InvalidArgumentError(
          "set_linger on " + peer_ +
          ": negative duration; pass zero (reset on drop) or std::nullopt");
    }
    seconds = static_cast<int>(std::min<int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(*duration).count(),
        std::numeric_limits<int>::max()));
  }
  return SetOption(platform::SocketOption::kLinger, seconds, "set_linger on");
}

absl::StatusOr<std::optional<std::chrono::nanoseconds>> TcpStream::linger()
    const {
  absl::StatusOr<int> seconds =
      GetOption(platform::SocketOption::kLinger, "linger of");
  if (!seconds.ok()) return seconds.status();
  if (*seconds < 0) return std::nullopt;
  return std::chrono::nanoseconds(std::chrono::seconds(*seconds));
}

absl::Status TcpStream::set_ttl(uint32_t ttl) {
  return SetOption(platform::SocketOption::kTtl, static_cast<int>(ttl),
                   "set_ttl on");
}

absl::StatusOr<uint32_t> TcpStream::ttl() const {
  absl::StatusOr<int> value = GetOption(platform::SocketOption::kTtl, "ttl of");
  if (!value.ok()) return value.status();
  return static_cast<uint32_t>(*value);
}

std::pair<OwnedReadHalf, OwnedWriteHalf> TcpStream::into_split() && {
  auto shared = std::make_shared<TcpStream>(std::move(*this));
  return {OwnedReadHalf(shared), OwnedWriteHalf(shared)};
}

TcpStream TcpStream::reunite(OwnedReadHalf&& read, OwnedWriteHalf&& write) {
  if (!read.is_pair_of(write)) {
    throw UsageError(
        "TcpStream::reunite: the halves come from two different "
        "into_split() calls; pass the read and write half of one stream");
  }
  std::shared_ptr<TcpStream> shared = std::move(read.stream_);
  write.stream_.reset();
  return std::move(*shared);
}

absl::StatusOr<SocketAddress> TcpStream::peer_addr() const {
  return socket_.PeerAddress();
}

absl::StatusOr<SocketAddress> TcpStream::local_addr() const {
  return socket_.LocalAddress();
}

absl::StatusOr<TcpListener> TcpListener::bind(const SocketAddress& address,
                                              int backlog) {
  absl::StatusOr<internal::Socket> socket = internal::Socket::Open(
      address.family(), platform::SocketType::kStream, address);
  if (!socket.ok()) return socket.status();
  platform::AllowRebindDuringTimeWait(socket->fd());
  if (int error = platform::Bind(socket->fd(), address.raw(), address.length());
      error != 0) {
    return internal::ErrorStatus(error, "bind", address.ToString());
  }
  if (int error = platform::Listen(socket->fd(), backlog); error != 0) {
    return internal::ErrorStatus(error, "listen on", address.ToString());
  }
  absl::StatusOr<SocketAddress> local = socket->LocalAddress();
  if (!local.ok()) return local.status();
  return TcpListener(*std::move(socket), *local);
}

absl::StatusOr<TcpListener> TcpListener::bind(std::string_view address,
                                              int backlog) {
  absl::StatusOr<SocketAddress> parsed = SocketAddress::Parse(address);
  if (!parsed.ok()) return parsed.status();
  return bind(*parsed, backlog);
}

TcpListener::Accept::Accept(TcpListener& listener)
    : listener_(listener),
      awaiter_("TcpListener::accept",
               NewRequest(IoOpcode::kAccept, listener.socket_.fd(), 0)) {
  IoRequest& request = awaiter_.request();
  request.op().address = reinterpret_cast<sockaddr*>(&request.address());
  request.op().address_length = sizeof(sockaddr_storage);
}

absl::StatusOr<std::pair<TcpStream, SocketAddress>>
TcpListener::Accept::await_resume() {
  int32_t result = awaiter_.await_resume();
  if (result < 0) {
    return internal::ErrorStatus(-result, "accept on",
                                 listener_.local_.ToString());
  }
  IoRequest& request = awaiter_.request();
  SocketAddress peer =
      SocketAddress::FromRaw(reinterpret_cast<sockaddr*>(&request.address()),
                             request.op().address_length);
  return std::pair<TcpStream, SocketAddress>(
      TcpStream(internal::Socket(result), peer.ToString()), peer);
}

}  // namespace weft::net
