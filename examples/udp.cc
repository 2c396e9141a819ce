// UDP: two sockets on loopback exchange a ping and a pong. Port 0 asks the
// system for a free port; local_addr() tells which one it gave.

#include <cstdio>
#include <string>

#include "runtime/weft.h"

weft::Task<int> PingPong() {
  auto server = weft::net::UdpSocket::bind("127.0.0.1:0");
  auto client = weft::net::UdpSocket::bind("127.0.0.1:0");
  if (!server.ok() || !client.ok()) co_return 1;

  weft::JoinHandle<bool> responder =
      weft::spawn([&server]() -> weft::Task<bool> {
        char buffer[64];
        auto received = co_await server->recv_from(buffer, sizeof(buffer));
        if (!received.ok()) co_return false;
        auto [size, sender] = *received;
        std::printf("server got: %s\n", std::string(buffer, size).c_str());
        auto sent = co_await server->send_to("pong", sender);
        co_return sent.ok();
      });

  auto sent = co_await client->send_to("ping", server->local_addr());
  if (!sent.ok()) co_return 1;
  char buffer[64];
  auto reply = co_await client->recv_from(buffer, sizeof(buffer));
  if (!reply.ok()) {
    std::printf("recv_from failed: %s\n", reply.status().ToString().c_str());
    co_return 1;
  }
  std::printf("client got: %s\n", std::string(buffer, reply->first).c_str());
  weft::JoinResult<bool> served = co_await responder;
  co_return served.value_or(false) ? 0 : 1;
}

int main() {
  auto runtime = weft::Runtime::Builder::multi_thread().build();
  if (!runtime.ok()) return 1;
  return runtime->block_on(PingPong());
}
