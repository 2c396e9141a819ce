#include "runtime/net/unix_stream.h"

#include <cstring>
#include <memory>

#include "runtime/errors.h"

namespace weft::net {
namespace {

using weft::internal::IoAwaiter;
using weft::internal::IoRequest;

absl::StatusOr<UnixSocketAddress> ToUnix(
    const absl::StatusOr<internal::RawAddress>& raw) {
  if (!raw.ok()) return raw.status();
  return UnixSocketAddress::FromRaw(raw->get(), raw->length);
}

}  // namespace

Task<absl::StatusOr<UnixStream>> UnixStream::connect(std::string path) {
  absl::StatusOr<UnixSocketAddress> address = UnixSocketAddress::FromPath(path);
  if (!address.ok()) co_return address.status();
  absl::StatusOr<internal::Socket> socket =
      internal::Socket::Open(AF_UNIX, platform::SocketType::kStream, path);
  if (!socket.ok()) co_return socket.status();
  IoRequest* request = IoRequest::New(IoOpcode::kConnect, socket->fd(), 0);
  std::memcpy(&request->address(), address->raw(), address->length());
  request->op().address = reinterpret_cast<sockaddr*>(&request->address());
  request->op().address_length = address->length();
  IoAwaiter awaiter("UnixStream::connect", request);
  int32_t result = co_await awaiter;
  if (result < 0) co_return internal::ErrorStatus(-result, "connect to", path);
  co_return UnixStream(TcpStream(*std::move(socket), path));
}

absl::StatusOr<std::pair<UnixStream, UnixStream>> UnixStream::pair() {
  absl::StatusOr<std::pair<internal::Socket, internal::Socket>> sockets =
      internal::Socket::Pair(platform::SocketType::kStream);
  if (!sockets.ok()) return sockets.status();
  return std::pair<UnixStream, UnixStream>(
      UnixStream(TcpStream(std::move(sockets->first), "(socketpair)")),
      UnixStream(TcpStream(std::move(sockets->second), "(socketpair)")));
}

std::pair<UnixOwnedReadHalf, UnixOwnedWriteHalf> UnixStream::into_split() && {
  auto shared = std::make_shared<UnixStream>(std::move(*this));
  return {UnixOwnedReadHalf(shared), UnixOwnedWriteHalf(shared)};
}

UnixStream UnixStream::reunite(UnixOwnedReadHalf&& read,
                               UnixOwnedWriteHalf&& write) {
  if (!read.is_pair_of(write)) {
    throw UsageError(
        "UnixStream::reunite: the halves come from two different "
        "into_split() calls; pass the read and write half of one stream");
  }
  std::shared_ptr<UnixStream> shared = std::move(read.stream_);
  write.stream_.reset();
  return std::move(*shared);
}

absl::StatusOr<UnixSocketAddress> UnixStream::peer_addr() const {
  return ToUnix(stream_.socket_.RawPeerAddress());
}

absl::StatusOr<UnixSocketAddress> UnixStream::local_addr() const {
  return ToUnix(stream_.socket_.RawLocalAddress());
}

absl::StatusOr<UnixListener> UnixListener::bind(std::string_view path,
                                                int backlog) {
  absl::StatusOr<UnixSocketAddress> address = UnixSocketAddress::FromPath(path);
  if (!address.ok()) return address.status();
  std::string name(path);
  absl::StatusOr<internal::Socket> socket =
      internal::Socket::Open(AF_UNIX, platform::SocketType::kStream, name);
  if (!socket.ok()) return socket.status();
  if (int error =
          platform::Bind(socket->fd(), address->raw(), address->length());
      error != 0) {
    absl::Status status = internal::ErrorStatus(error, "bind", name);
    // For a path, "in use" means a file is there (tokio: AddrInUse).
    if (platform::IsAddressInUse(error)) {
      return absl::AlreadyExistsError(status.message());
    }
    return status;
  }
  if (int error = platform::Listen(socket->fd(), backlog); error != 0) {
    return internal::ErrorStatus(error, "listen on", name);
  }
  return UnixListener(*std::move(socket), *std::move(address));
}

UnixListener::Accept::Accept(UnixListener& listener)
    : listener_(listener),
      awaiter_("UnixListener::accept",
               IoRequest::New(IoOpcode::kAccept, listener.socket_.fd(), 0)) {
  IoRequest& request = awaiter_.request();
  request.op().address = reinterpret_cast<sockaddr*>(&request.address());
  request.op().address_length = sizeof(sockaddr_storage);
}

absl::StatusOr<std::pair<UnixStream, UnixSocketAddress>>
UnixListener::Accept::await_resume() {
  int32_t result = awaiter_.await_resume();
  const std::string name = listener_.local_.ToString();
  if (result < 0) return internal::ErrorStatus(-result, "accept on", name);
  IoRequest& request = awaiter_.request();
  UnixSocketAddress peer = UnixSocketAddress::FromRaw(
      reinterpret_cast<sockaddr*>(&request.address()),
      request.op().address_length);
  // The peer is usually unnamed: errors name the listener's path instead.
  return std::pair<UnixStream, UnixSocketAddress>(
      UnixStream(TcpStream(internal::Socket(result),
                           peer.is_unnamed() ? name : peer.ToString())),
      peer);
}

}  // namespace weft::net
