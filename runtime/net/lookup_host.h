/// \file
/// lookup_host: resolves "host:port" to socket addresses, as tokio's
/// net::lookup_host.
///
/// Name resolution (getaddrinfo) blocks, so it runs on the runtime's blocking
/// pool and the calling task just waits; a numeric address ("1.2.3.4:80",
/// "[::1]:80") is parsed at once without touching the pool.

#ifndef WEFT_RUNTIME_NET_LOOKUP_HOST_H_
#define WEFT_RUNTIME_NET_LOOKUP_HOST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/net/socket_address.h"
#include "runtime/task.h"

namespace weft::net {

/// The addresses `host_port` ("localhost:6379", "example.com:80",
/// "[::1]:80") resolves to, in the resolver's order. The port must be
/// numeric. A host that does not resolve is NotFound (Unavailable when the
/// resolver failed temporarily, EAI_AGAIN); the message names the host.
/// Must run inside a runtime (it uses weft::spawn_blocking).
Task<absl::StatusOr<std::vector<SocketAddress>>> lookup_host(
    std::string host_port);

}  // namespace weft::net

#endif  // WEFT_RUNTIME_NET_LOOKUP_HOST_H_
