#!/bin/bash
# Fails, naming the file and line, when a source of runtime/ (tests aside)
# includes an OS socket header or makes an OS socket call itself. Those go
# through the platform layer (executors/platform/sockets.h) or the backend's
# Reactor, so that a platform whose sockets are not POSIX fds needs a new
# platform file, not a change in runtime/.
#
# The test reads the source tree itself (it is tagged local and external:
# unsandboxed, never cached), found through the real path of this script.
# It first checks itself on a made-up tree that must fail.
set -euo pipefail

headers='sys/socket\.h|sys/un\.h|netinet/[a-z_]+\.h|arpa/inet\.h|netdb\.h|poll\.h|winsock2\.h|ws2tcpip\.h'
# `::bind(` (global scope) but not `TcpListener::bind(`; the unambiguous
# names also unqualified.
qualified='socket|socketpair|bind|listen|connect|accept|accept4|shutdown|send|sendto|recv|recvfrom|closesocket'
unqualified='socketpair|accept4|setsockopt|getsockopt|getsockname|getpeername|sendto|recvfrom|getaddrinfo|freeaddrinfo|inet_pton|inet_ntop|strerrordesc_np|WSAGetLastError'
pattern="^\s*#\s*include\s*<(${headers})>|(?<![\w:])::(${qualified})\s*\(|(?<![\w:.>])(${unqualified})\s*\("

# Prints file:line of every offence under $1/runtime/net and the socket
# parts of $1/runtime (the files that handle sockets); returns 1 if any.
offenders() {
  local root=$1
  find "$root/runtime" -name 'bazel-*' -prune -o -type f \
    \( -name '*.h' -o -name '*.cc' \) ! -name '*_test.cc' \
    ! -path "$root/runtime/fs/*" ! -path "$root/runtime/signal/*" \
    ! -name 'file_syscall.cc' ! -name 'signal*.cc' -print0 |
    xargs -0 --no-run-if-empty grep -nP "$pattern" || true
}

check() {
  local found
  found=$(offenders "$1")
  if [ -n "$found" ]; then
    echo "runtime/ makes these OS socket calls or includes these OS socket"
    echo "headers itself:"
    echo "$found"
    echo "Call the platform layer (executors/platform/sockets.h; add what is"
    echo "missing there, for every platform) or submit an IoOperation."
    return 1
  fi
}

# Self-check: one offence of each kind must be named; a member function
# called bind and the platform layer's own calls must not.
fake="${TEST_TMPDIR:-$(mktemp -d)}/fake_workspace"
mkdir -p "$fake/runtime/net"
printf '#include <sys/socket.h>\n' >"$fake/runtime/net/a.h"
printf 'int f() { return ::bind(3, nullptr, 0); }\n' >"$fake/runtime/net/b.cc"
printf 'void g() { inet_pton(2, "x", nullptr); }\n' >"$fake/runtime/net/c.cc"
printf 'S T::bind(int) { return platform::Bind(1, p, 2); }\n' \
  >"$fake/runtime/net/fine.cc"
if self=$(check "$fake"); then
  echo "self-check failed: a tree with three offences passed"
  exit 1
fi
if [[ "$self" != *a.h:1* || "$self" != *b.cc:1* || "$self" != *c.cc:1* ||
  "$self" == *fine.cc* ]]; then
  echo "self-check failed: wrong files named: $self"
  exit 1
fi

# shellcheck source=runtime/source_tree.sh
source "$(dirname "$(readlink -f "$0")")/source_tree.sh"
workspace=$(source_tree runtime/socket_seam_test.sh runtime/net) || exit 1
check "$workspace"
echo "runtime/ makes no OS socket call itself ($workspace)"
