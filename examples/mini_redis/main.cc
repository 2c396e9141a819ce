// mini_redis: a Redis server for real Redis clients (redis-cli,
// redis-benchmark), one weft task per connection.
//
//   bazel run //examples/mini_redis -- --address=127.0.0.1:6379
//   redis-cli -p 6379 SET greeting hello
//
// Flags: --address (port 0 picks a free port; the line "mini_redis
// listening on <address>" on stdout gives the real one), --workers (worker
// threads; 0: one per CPU), --flavor (multi_thread or current_thread),
// --backend (one of the weft backends linked into the binary; empty: the
// build's default, or WEFT_BACKEND), --query_buffer_limit (Redis's
// client-query-buffer-limit, in bytes: the most memory one connection may
// hold for the command it is receiving; at least 1 MB, as in Redis), --dir
// (where SAVE writes mini_redis.dump, and from where it is loaded at start
// if it exists; default: the current directory).

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "examples/mini_redis/dump.h"
#include "examples/mini_redis/resp_parser.h"
#include "examples/mini_redis/server.h"
#include "examples/mini_redis/store.h"
#include "runtime/weft.h"

ABSL_FLAG(std::string, address, "127.0.0.1:6379",
          "address to listen on, e.g. 127.0.0.1:6379 or [::1]:0");
ABSL_FLAG(int, workers, 0,
          "worker threads of the multi_thread runtime (0: one per CPU)");
ABSL_FLAG(std::string, flavor, "multi_thread",
          "runtime flavor: multi_thread or current_thread");
ABSL_FLAG(std::string, backend, "",
          "weft backend (uring, epoll, uv); empty: the build's default");
ABSL_FLAG(int64_t, query_buffer_limit,
          mini_redis::RespParser::Limits().query_buffer_limit,
          "bytes one connection may hold for the command it is receiving, "
          "parsed arguments included (Redis's client-query-buffer-limit; at "
          "least 1 MB)");

ABSL_FLAG(std::string, dir, ".",
          "directory of the dump file: SAVE writes mini_redis.dump there, "
          "and it is loaded at start if it exists");

namespace {

absl::StatusOr<weft::Runtime> BuildRuntime() {
  std::string flavor = absl::GetFlag(FLAGS_flavor);
  if (flavor != "multi_thread" && flavor != "current_thread") {
    return absl::InvalidArgumentError(
        "--flavor must be multi_thread or current_thread, not '" + flavor +
        "'");
  }
  weft::Runtime::Builder builder =
      flavor == "multi_thread" ? weft::Runtime::Builder::multi_thread()
                               : weft::Runtime::Builder::current_thread();
  if (absl::GetFlag(FLAGS_workers) < 0) {
    return absl::InvalidArgumentError("--workers must not be negative");
  }
  if (absl::GetFlag(FLAGS_workers) > 0) {
    builder.worker_threads(static_cast<size_t>(absl::GetFlag(FLAGS_workers)));
  }
  if (!absl::GetFlag(FLAGS_backend).empty()) {
    builder.backend(absl::GetFlag(FLAGS_backend));
  }
  return builder.build();
}

absl::StatusOr<mini_redis::ServerOptions> ServerOptionsFromFlags() {
  mini_redis::ServerOptions options;
  int64_t limit = absl::GetFlag(FLAGS_query_buffer_limit);
  if (limit < 1024 * 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--query_buffer_limit must be at least 1048576 (1 MB), "
                     "not ",
                     limit));
  }
  options.limits.query_buffer_limit = limit;
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) dir = ".";
  options.dump_path = dir + "/" + std::string(mini_redis::kDumpFileName);
  return options;
}

weft::Task<int> Serve(std::string address, mini_redis::ServerOptions options) {
  auto store = std::make_shared<mini_redis::Store>();
  absl::StatusOr<bool> loaded =
      co_await mini_redis::LoadDump(options.dump_path, *store);
  if (!loaded.ok()) {
    // Serving an empty store would let the next SAVE overwrite the data.
    std::fprintf(stderr, "mini_redis: %s\n",
                 loaded.status().ToString().c_str());
    co_return 1;
  }
  if (*loaded) {
    std::fprintf(stderr, "mini_redis: loaded %zu keys from %s\n", store->Size(),
                 options.dump_path.c_str());
  }
  absl::StatusOr<mini_redis::Server> server =
      mini_redis::Server::Bind(address, std::move(store), std::move(options));
  if (!server.ok()) {
    std::fprintf(stderr, "mini_redis: %s\n",
                 server.status().ToString().c_str());
    co_return 1;
  }
  std::printf("mini_redis listening on %s\n",
              server->local_addr().ToString().c_str());
  // Whoever started us (a test, a script) waits for this line.
  std::fflush(stdout);
  co_await server->Run();
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<mini_redis::ServerOptions> options = ServerOptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "mini_redis: %s\n",
                 options.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<weft::Runtime> runtime = BuildRuntime();
  if (!runtime.ok()) {
    std::fprintf(stderr, "mini_redis: %s\n",
                 runtime.status().ToString().c_str());
    return 1;
  }
  weft::BackendInfo backend = runtime->handle().backend();
  std::fprintf(stderr, "mini_redis: weft backend %s%s%s\n",
               backend.running.c_str(),
               backend.fallback_reason.empty() ? "" : ", fallback: ",
               backend.fallback_reason.c_str());
  return runtime->block_on(
      Serve(absl::GetFlag(FLAGS_address), *std::move(options)));
}
