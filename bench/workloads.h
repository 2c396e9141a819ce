// The benchmark workloads of docs/BENCH.md, written on weft's public
// API. bench/workloads.cc registers each one with Google Benchmark; the
// bench_<backend> binaries (bench/bench.bzl) link that registration once per
// backend so that every backend runs the same list.
//
// Every body is a weft::Task<void> that checks its own results (sums, counts,
// cancellation, echoed bytes) and throws std::runtime_error on a mismatch.
// The sizes are the ones docs/BENCH.md defines and the tokio peer
// (bench/peers/tokio/src/main.rs) uses.

#ifndef WEFT_BENCH_WORKLOADS_H_
#define WEFT_BENCH_WORKLOADS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/net/socket_address.h"
#include "runtime/task.h"

namespace weft_bench {

inline constexpr uint64_t kSpawnTasks = 100'000;       // spawn/joinset_many
inline constexpr uint64_t kYieldTasks = 200;           // yield_many
inline constexpr uint64_t kYieldsPerTask = 1'000;      // yield_many
inline constexpr uint64_t kChainDepth = 1'000;         // chained_spawn
inline constexpr uint64_t kChains = 100;               // chained_spawn
inline constexpr uint64_t kPingPongPairs = 1'000;      // ping_pong
inline constexpr uint64_t kPingPongHops = 100;         // per pair, even
inline constexpr uint64_t kBlockingClosures = 10'000;  // spawn_blocking_many
inline constexpr uint64_t kSleepTasks = 100'000;       // sleep_many
inline constexpr uint64_t kSleepSeed = 42;             // SplitMix64 seed
inline constexpr uint64_t kAbortTasks = 100'000;       // abort_many
inline constexpr uint64_t kEchoConnections = 64;       // tcp_echo
inline constexpr uint64_t kEchoRoundTrips = 2'000;     // per connection
inline constexpr uint64_t kEchoMessageBytes = 64;      // tcp_echo
inline constexpr uint64_t kParkedTasks = 1'000'000;    // memory_per_task
inline constexpr uint64_t kMpscProducers = 8;          // mpsc_unbounded
inline constexpr uint64_t kMpscMessages = 100'000;     // in all, n
inline constexpr uint64_t kFanoutReceivers = 16;       // broadcast_fanout
inline constexpr uint64_t kFanoutMessages = 10'000;    // broadcast_fanout, n
inline constexpr uint64_t kFanoutCapacity = 16'384;    // >= n: nobody lags
inline constexpr uint64_t kFsFileBytes = 64ULL << 20;  // fs_read's file
inline constexpr uint64_t kFsBlockBytes = 4'096;  // fs_read, fs_write_fsync
inline constexpr uint64_t kFsReads = 20'000;      // fs_read, n
inline constexpr uint64_t kFsReadsInFlight = 16;  // fs_read's tasks
inline constexpr uint64_t kFsReadSeed = 7;        // SplitMix64 seed
inline constexpr uint64_t kFsWrites = 100;        // fs_write_fsync, n

// spawn_blocking_burst, weft's own (not in BENCH.md, no tokio peer): the
// reliability issue's burst of closures queued at once, far more than the
// pool's 512 threads.
inline constexpr uint64_t kBlockingBurstClosures = 100'000;

// SplitMix64 (the tokio peer's generator, so both draw the same sequence).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// sleep_many's durations in milliseconds: SplitMix64(42).Next() % 11, n times.
std::shared_ptr<const std::vector<uint64_t>> SleepDurationsMs(uint64_t n);

// The bodies. Each runs inside one spawned root task.
weft::Task<void> SpawnMany(uint64_t n);
weft::Task<void> JoinSetMany(uint64_t n);
weft::Task<void> YieldMany(uint64_t tasks, uint64_t yields);
weft::Task<void> ChainedSpawn(uint64_t depth, uint64_t chains);
weft::Task<void> PingPong(uint64_t pairs, uint64_t hops);
weft::Task<void> SpawnBlockingMany(uint64_t n);
weft::Task<void> SleepMany(std::shared_ptr<const std::vector<uint64_t>> ms);
weft::Task<void> AbortMany(uint64_t n);
weft::Task<void> MpscUnbounded(uint64_t producers, uint64_t n);
weft::Task<void> BroadcastFanout(uint64_t receivers, uint64_t n);

// fs_read's and fs_write_fsync's scratch directory: a fresh one under
// $TMPDIR (or /tmp), removed with everything in it when the process exits.
const std::string& FsScratchDir();
// fs_read's file (kFsFileBytes, every aligned 64-bit word holding its own
// offset, little-endian), written once per process, untimed. Returns its path.
std::string FsReadFile();
// fs_read's offsets: n block-aligned offsets drawn from SplitMix64(7).
std::shared_ptr<const std::vector<uint64_t>> FsReadOffsets(uint64_t n);
// fs_read: `in_flight` tasks share one open file and read the blocks at
// `offsets` (task t takes t, t + in_flight, ...), checking each block.
weft::Task<void> FsRead(std::shared_ptr<const std::vector<uint64_t>> offsets,
                        uint64_t in_flight);
// fs_write_fsync: creates `path` (truncating it), then n times writes one
// block at the end of the file and waits for fdatasync; checks the length.
weft::Task<void> FsWriteFsync(std::string path, uint64_t n);
// Binds 127.0.0.1:0 and spawns the echo server's accept loop (detached; it
// runs until the runtime is dropped). Returns the bound address.
weft::Task<weft::net::SocketAddress> StartEchoServer();
weft::Task<void> EchoClients(weft::net::SocketAddress server, uint64_t conns,
                             uint64_t rounds);

}  // namespace weft_bench

#endif  // WEFT_BENCH_WORKLOADS_H_
