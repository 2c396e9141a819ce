/// \file
/// OwnedReadHalfOf and OwnedWriteHalfOf: the two halves a stream's
/// into_split() yields (TcpStream's are OwnedReadHalf and OwnedWriteHalf,
/// UnixStream's UnixOwnedReadHalf and UnixOwnedWriteHalf), so that one task
/// reads while another writes, possibly on two workers.

#ifndef WEFT_RUNTIME_NET_OWNED_HALVES_H_
#define WEFT_RUNTIME_NET_OWNED_HALVES_H_

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>

namespace weft::net {

template <typename Stream>
class OwnedWriteHalfOf;

/// The read half of `Stream::into_split()`: reads and peeks while another
/// task writes through the OwnedWriteHalfOf. The stream is closed when this
/// and its write half are gone.
template <typename Stream>
class OwnedReadHalfOf {
 public:
  /// Move-only.
  ///@{
  OwnedReadHalfOf(OwnedReadHalfOf&&) noexcept = default;
  OwnedReadHalfOf& operator=(OwnedReadHalfOf&&) noexcept = default;
  ///@}

  /// As the stream's read, read_exact and peek.
  ///@{
  auto read(void* buffer, size_t length) {
    return stream_->read(buffer, length);
  }
  auto read_exact(void* buffer, size_t length) {
    return stream_->read_exact(buffer, length);
  }
  auto peek(void* buffer, size_t length) {
    return stream_->peek(buffer, length);
  }
  ///@}
  /// As the stream's peer_addr and local_addr.
  ///@{
  auto peer_addr() const { return stream_->peer_addr(); }
  auto local_addr() const { return stream_->local_addr(); }
  ///@}
  /// Whether `write` is the other half of the same stream.
  bool is_pair_of(const OwnedWriteHalfOf<Stream>& write) const {
    return stream_ != nullptr && stream_ == write.stream_;
  }

 private:
  friend Stream;
  template <typename>
  friend class OwnedWriteHalfOf;
  explicit OwnedReadHalfOf(std::shared_ptr<Stream> stream)
      : stream_(std::move(stream)) {}
  std::shared_ptr<Stream> stream_;
};

/// The write half of `Stream::into_split()`. As in tokio, destroying it
/// shuts the write side down (the peer reads EOF) even while the read half
/// lives on. The stream is closed when this and its read half are gone.
template <typename Stream>
class OwnedWriteHalfOf {
 public:
  /// Move-only; assigning over a half shuts that half's write side down
  /// (see the class comment).
  ///@{
  OwnedWriteHalfOf(OwnedWriteHalfOf&&) noexcept = default;
  OwnedWriteHalfOf& operator=(OwnedWriteHalfOf&& other) noexcept {
    if (this != &other) {
      ShutdownWrite();
      stream_ = std::move(other.stream_);
    }
    return *this;
  }
  ///@}
  /// Shuts the write side down (see the class comment).
  ~OwnedWriteHalfOf() { ShutdownWrite(); }

  /// As the stream's write, write_all and shutdown_write.
  ///@{
  auto write(const void* data, size_t length) {
    return stream_->write(data, length);
  }
  auto write(std::string_view data) { return stream_->write(data); }
  auto write_all(std::string_view data) { return stream_->write_all(data); }
  auto shutdown_write() { return stream_->shutdown_write(); }
  ///@}
  /// As the stream's peer_addr and local_addr.
  ///@{
  auto peer_addr() const { return stream_->peer_addr(); }
  auto local_addr() const { return stream_->local_addr(); }
  ///@}
  /// Whether `read` is the other half of the same stream.
  bool is_pair_of(const OwnedReadHalfOf<Stream>& read) const {
    return read.is_pair_of(*this);
  }

 private:
  friend Stream;
  template <typename>
  friend class OwnedReadHalfOf;
  explicit OwnedWriteHalfOf(std::shared_ptr<Stream> stream)
      : stream_(std::move(stream)) {}
  void ShutdownWrite() {
    // Not when moved from or reunited (stream_ is null then).
    if (stream_ != nullptr && stream_->is_open()) {
      (void)stream_->shutdown_write();
    }
  }
  std::shared_ptr<Stream> stream_;
};

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_OWNED_HALVES_H_
