// An echo server: one task per connection, writing back what it reads.
//
//   bazel run //examples:echo_server -- 127.0.0.1:7000
//   (then: nc 127.0.0.1 7000)

#include <cstdio>
#include <string>

#include "runtime/weft.h"

namespace {

weft::Task<void> Echo(weft::net::TcpStream stream) {
  char buffer[4096];
  while (true) {
    absl::StatusOr<size_t> got = co_await stream.read(buffer, sizeof(buffer));
    if (!got.ok() || *got == 0) co_return;
    absl::Status sent =
        co_await stream.write_all(std::string_view(buffer, *got));
    if (!sent.ok()) co_return;
  }
}

weft::Task<int> Serve(std::string address) {
  absl::StatusOr<weft::net::TcpListener> listener =
      weft::net::TcpListener::bind(address);
  if (!listener.ok()) {
    std::fprintf(stderr, "%s\n", listener.status().ToString().c_str());
    co_return 1;
  }
  std::printf("echo server on %s\n", listener->local_addr().ToString().c_str());
  std::fflush(stdout);
  while (true) {
    auto accepted = co_await listener->accept();
    if (!accepted.ok()) {
      std::fprintf(stderr, "%s\n", accepted.status().ToString().c_str());
      continue;
    }
    (void)accepted->first.set_nodelay(true);
    weft::spawn(Echo(std::move(accepted->first)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = argc > 1 ? argv[1] : "127.0.0.1:7000";
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }
  return runtime->block_on(Serve(address));
}
