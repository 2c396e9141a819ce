//! tokio-peer: the workloads of weft's docs/BENCH.md, run on tokio.
//!
//! tools/compare --peers runs one workload per process:
//!
//!     tokio-peer WORKLOAD --workers N --in-task --reps R
//!
//! and reads the one JSON line it prints on stdout (the README lists every
//! key). Each workload below is the same program as weft's in
//! bench/workloads.cc, and it is measured the same way: one runtime per
//! process, built before any timing; one untimed warm-up run (not for
//! tcp_echo or memory_per_task); then R timed runs, each one `block_on`
//! whose body reads the clocks, spawns the workload as a root task, awaits
//! it and reads the clocks again. Only that is timed.
//!
//! Every workload checks what it computed (sums, counts, cancellations,
//! echoed bytes) and panics on a mismatch, so a wrong run exits non-zero
//! instead of printing a figure.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::{broadcast, mpsc};
use tokio::task::{JoinHandle, JoinSet};

/// The tokio this binary was built against (from Cargo.lock, see build.rs).
const TOKIO_VERSION: &str = env!("TOKIO_PEER_TOKIO");

// Sizes: the same constants as bench/workloads.h.
const SPAWN_TASKS: u64 = 100_000; // spawn_many, joinset_many
const YIELD_TASKS: u64 = 200; // yield_many
const YIELDS_PER_TASK: u64 = 1_000; // yield_many
const CHAIN_DEPTH: u64 = 1_000; // chained_spawn
const CHAINS: u64 = 100; // chained_spawn
const PING_PONG_PAIRS: u64 = 1_000; // ping_pong
const PING_PONG_HOPS: u64 = 100; // ping_pong, per pair, even
const BLOCKING_CLOSURES: u64 = 10_000; // spawn_blocking_many
const SLEEP_TASKS: u64 = 100_000; // sleep_many
const SLEEP_SEED: u64 = 42; // sleep_many's SplitMix64 seed
const ABORT_TASKS: u64 = 100_000; // abort_many
const ECHO_CONNECTIONS: u64 = 64; // tcp_echo
const ECHO_ROUND_TRIPS: u64 = 2_000; // tcp_echo, per connection
const ECHO_MESSAGE_BYTES: usize = 64; // tcp_echo
const PARKED_TASKS: u64 = 1_000_000; // memory_per_task
const MPSC_PRODUCERS: u64 = 8; // mpsc_unbounded
const MPSC_MESSAGES: u64 = 100_000; // mpsc_unbounded, in all
const FANOUT_RECEIVERS: u64 = 16; // broadcast_fanout
const FANOUT_MESSAGES: u64 = 10_000; // broadcast_fanout
const FANOUT_CAPACITY: usize = 16_384; // broadcast_fanout, >= n: nobody lags
const FS_FILE_BYTES: u64 = 64 << 20; // fs_read's file
const FS_BLOCK_BYTES: u64 = 4_096; // fs_read, fs_write_fsync
const FS_READS: u64 = 20_000; // fs_read, n
const FS_READS_IN_FLIGHT: u64 = 16; // fs_read's tasks
const FS_READ_SEED: u64 = 7; // fs_read's SplitMix64 seed
const FS_WRITES: u64 = 100; // fs_write_fsync, n

const WORKLOADS: [&str; 14] = [
    "spawn_many",
    "joinset_many",
    "yield_many",
    "chained_spawn",
    "ping_pong",
    "spawn_blocking_many",
    "sleep_many",
    "abort_many",
    "tcp_echo",
    "mpsc_unbounded",
    "broadcast_fanout",
    "fs_read",
    "fs_write_fsync",
    "memory_per_task",
];

// =============================================================================
// The workloads. Each is an async fn run as the root task; `n` is its main
// size (the README's table says which), the others are the secondary sizes.
// =============================================================================

/// spawn_many: n tasks each returning its index; the JoinHandles kept in a
/// Vec and awaited in spawn order.
async fn spawn_many(n: u64) {
    let handles: Vec<JoinHandle<u64>> = (0..n).map(|i| tokio::spawn(async move { i })).collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.expect("spawn_many: a task failed");
    }
    assert_eq!(sum, n * n.saturating_sub(1) / 2, "spawn_many: wrong sum");
}

/// joinset_many: the same n tasks, spawned into a JoinSet and reaped with
/// join_next until it is empty.
async fn joinset_many(n: u64) {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(async move { i });
    }
    let (mut sum, mut count) = (0, 0);
    while let Some(result) = set.join_next().await {
        sum += result.expect("joinset_many: a task failed");
        count += 1;
    }
    assert_eq!((count, sum), (n, n * n.saturating_sub(1) / 2), "joinset_many: wrong sum");
}

/// yield_many: `tasks` tasks, each calling yield_now `yields` times.
async fn yield_many(tasks: u64, yields: u64) {
    let handles: Vec<JoinHandle<u64>> = (0..tasks)
        .map(|_| {
            tokio::spawn(async move {
                for _ in 0..yields {
                    tokio::task::yield_now().await;
                }
                yields
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.expect("yield_many: a task failed"), yields);
    }
}

/// One link of chained_spawn: spawns the link of depth - 1, awaits its
/// JoinHandle and returns its result + 1; depth 1 returns 1.
///
/// A recursive `async fn` would need a Box per level on top of the task
/// (its future type would otherwise contain itself), so the link is a
/// small hand-written future: one hop costs one tokio task, as one hop
/// costs one weft task in bench/workloads.cc.
enum Link {
    Start { depth: u64 },
    AwaitingChild(JoinHandle<u64>),
}

impl Future for Link {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        if let Link::Start { depth } = *self {
            if depth <= 1 {
                return Poll::Ready(1);
            }
            *self = Link::AwaitingChild(tokio::spawn(Link::Start { depth: depth - 1 }));
        }
        match &mut *self {
            Link::AwaitingChild(child) => Pin::new(child)
                .poll(cx)
                .map(|result| result.expect("chained_spawn: a child failed") + 1),
            Link::Start { .. } => unreachable!(),
        }
    }
}

/// chained_spawn: `chains` chains one after another, each `depth` links deep.
async fn chained_spawn(depth: u64, chains: u64) {
    for _ in 0..chains {
        let reached = tokio::spawn(Link::Start { depth }).await.expect("chained_spawn: a chain failed");
        assert_eq!(reached, depth, "chained_spawn: wrong depth");
    }
}

/// ping_pong: `pairs` pairs of tasks; in each, the initiator sends a
/// counter, the responder sends it back incremented, `hops` one-way hops in
/// all, through two mpsc channels of capacity 1. Every task is spawned
/// before any handle is awaited.
async fn ping_pong(pairs: u64, hops: u64) {
    assert!(hops % 2 == 0, "ping_pong: hops per pair must be even");
    let mut handles: Vec<JoinHandle<u64>> = Vec::with_capacity(2 * pairs as usize);
    for _ in 0..pairs {
        let (to_responder, mut from_initiator) = mpsc::channel::<u64>(1);
        let (to_initiator, mut from_responder) = mpsc::channel::<u64>(1);
        // The responder answers until the initiator drops its sender.
        handles.push(tokio::spawn(async move {
            let mut last = 0;
            while let Some(value) = from_initiator.recv().await {
                last = value + 1;
                if to_initiator.send(last).await.is_err() {
                    break;
                }
            }
            last
        }));
        handles.push(tokio::spawn(async move {
            let mut value = 0;
            for _ in 0..hops / 2 {
                to_responder.send(value + 1).await.expect("ping_pong: responder gone");
                value = from_responder.recv().await.expect("ping_pong: responder gone");
            }
            value // dropping to_responder here hangs up on the responder
        }));
    }
    for handle in handles {
        assert_eq!(handle.await.expect("ping_pong: a task failed"), hops, "ping_pong: wrong count");
    }
}

/// mpsc_unbounded: `producers` tasks send n values in all (producer p sends
/// p·each .. (p+1)·each − 1) into one unbounded channel; the root task
/// receives until every sender is gone and checks the count and the sum.
async fn mpsc_unbounded(producers: u64, n: u64) {
    assert!(n % producers == 0, "mpsc_unbounded: n must divide among producers");
    let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
    let each = n / producers;
    let mut handles: Vec<JoinHandle<u64>> = Vec::with_capacity(producers as usize);
    for p in 0..producers {
        let tx = tx.clone();
        handles.push(tokio::spawn(async move {
            for value in p * each..(p + 1) * each {
                tx.send(value).expect("mpsc_unbounded: receiver gone");
            }
            each
        }));
    }
    drop(tx);
    let (mut sum, mut count) = (0u64, 0u64);
    while let Some(value) = rx.recv().await {
        sum += value;
        count += 1;
    }
    assert!(count == n && sum == n * (n - 1) / 2, "mpsc_unbounded: wrong sum");
    for handle in handles {
        assert_eq!(handle.await.expect("mpsc_unbounded: a producer failed"), each);
    }
}

/// broadcast_fanout: one broadcast channel (capacity 16,384, so nobody
/// lags), `receivers` receiver tasks that sum what they get until the
/// channel closes; the root task sends 0 .. n − 1 and drops the sender.
async fn broadcast_fanout(receivers: u64, n: u64) {
    let (tx, rx) = broadcast::channel::<u64>(FANOUT_CAPACITY);
    let mut rxs = vec![rx];
    for _ in 1..receivers {
        rxs.push(tx.subscribe());
    }
    let handles: Vec<JoinHandle<u64>> = rxs
        .into_iter()
        .map(|mut rx| {
            tokio::spawn(async move {
                let (mut sum, mut count) = (0u64, 0u64);
                loop {
                    match rx.recv().await {
                        Ok(value) => {
                            sum += value;
                            count += 1;
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            panic!("broadcast_fanout: a receiver lagged")
                        }
                    }
                }
                assert_eq!(count, n, "broadcast_fanout: wrong count");
                sum
            })
        })
        .collect();
    for value in 0..n {
        let sent = tx.send(value).expect("broadcast_fanout: no receiver");
        assert_eq!(sent as u64, receivers, "broadcast_fanout: a receiver is gone");
    }
    drop(tx);
    for handle in handles {
        let sum = handle.await.expect("broadcast_fanout: a receiver failed");
        assert_eq!(sum, n * (n - 1) / 2, "broadcast_fanout: wrong sum");
    }
}

/// fs_read's and fs_write_fsync's scratch directory: a fresh one under the
/// temporary directory, removed (with its files) when dropped.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn new() -> ScratchDir {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let path = base.join(format!("tokio-peer-{}-{attempt}", std::process::id()));
            if std::fs::create_dir(&path).is_ok() {
                return ScratchDir(path);
            }
        }
        panic!("fs workloads: cannot create a directory under {}", base.display());
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Block `offset` of the files: each aligned 64-bit word holds its own
/// offset, little-endian.
fn fill_block(block: &mut [u8], offset: u64) {
    for (i, word) in block.chunks_exact_mut(8).enumerate() {
        word.copy_from_slice(&(offset + 8 * i as u64).to_le_bytes());
    }
}

/// fs_read's file, written once, untimed.
fn write_fs_read_file(dir: &ScratchDir) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.0.join("fs_read.dat");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("fs_read: create"));
    let mut block = vec![0u8; 1 << 20];
    for offset in (0..FS_FILE_BYTES).step_by(block.len()) {
        fill_block(&mut block, offset);
        out.write_all(&block).expect("fs_read: write the file");
    }
    out.flush().expect("fs_read: write the file");
    path
}

/// fs_read's offsets: n block-aligned offsets drawn from SplitMix64(7).
fn fs_read_offsets(n: u64) -> Arc<Vec<u64>> {
    let mut random = SplitMix64 { state: FS_READ_SEED };
    Arc::new((0..n).map(|_| random.next() % (FS_FILE_BYTES / FS_BLOCK_BYTES) * FS_BLOCK_BYTES).collect())
}

/// fs_read: `in_flight` tasks share one open file and read the blocks at
/// `offsets` (task t takes t, t + in_flight, ...), checking each block.
/// tokio 1.24's File has no positional read and moves one operation at a
/// time, so each read is what tokio::fs does inside: one spawn_blocking of
/// a pread (FileExt::read_exact_at), the fastest tokio way to do it.
async fn fs_read(path: std::path::PathBuf, offsets: Arc<Vec<u64>>, in_flight: u64) {
    let file = Arc::new(
        tokio::task::spawn_blocking(move || std::fs::File::open(path))
            .await
            .expect("fs_read: open panicked")
            .expect("fs_read: open"),
    );
    let readers: Vec<JoinHandle<u64>> = (0..in_flight)
        .map(|t| {
            let (file, offsets) = (file.clone(), offsets.clone());
            tokio::spawn(async move {
                let mut buffer = vec![0u8; FS_BLOCK_BYTES as usize];
                let mut sum = 0u64;
                for i in (t as usize..offsets.len()).step_by(in_flight as usize) {
                    let offset = offsets[i];
                    let file = file.clone();
                    buffer = tokio::task::spawn_blocking(move || {
                        use std::os::unix::fs::FileExt;
                        file.read_exact_at(&mut buffer, offset).expect("fs_read: read");
                        buffer
                    })
                    .await
                    .expect("fs_read: a read panicked");
                    let word = |at: usize| u64::from_le_bytes(buffer[at..at + 8].try_into().unwrap());
                    assert!(
                        word(0) == offset && word(buffer.len() - 8) == offset + FS_BLOCK_BYTES - 8,
                        "fs_read: a block holds the wrong bytes"
                    );
                    sum += offset;
                }
                sum
            })
        })
        .collect();
    let mut sum = 0u64;
    for reader in readers {
        sum += reader.await.expect("fs_read: a reader failed");
    }
    assert_eq!(sum, offsets.iter().sum::<u64>(), "fs_read: wrong sum");
}

/// fs_write_fsync: creates the file (truncating it), then n times writes one
/// block at its end and waits for fdatasync (tokio::fs::File::sync_data);
/// checks the length.
async fn fs_write_fsync(path: std::path::PathBuf, n: u64) {
    let mut file = tokio::fs::File::create(path).await.expect("fs_write_fsync: create");
    let mut block = vec![0u8; FS_BLOCK_BYTES as usize];
    for i in 0..n {
        fill_block(&mut block, i * FS_BLOCK_BYTES);
        file.write_all(&block).await.expect("fs_write_fsync: write");
        file.sync_data().await.expect("fs_write_fsync: sync_data");
    }
    let len = file.metadata().await.expect("fs_write_fsync: metadata").len();
    assert_eq!(len, n * FS_BLOCK_BYTES, "fs_write_fsync: wrong length");
}

/// spawn_blocking_many: n closures on the blocking pool, each returning
/// 3·i, awaited in order. tokio's default pool (512 threads at most) is
/// used, as weft's default pool is.
async fn spawn_blocking_many(n: u64) {
    let handles: Vec<JoinHandle<u64>> =
        (0..n).map(|i| tokio::task::spawn_blocking(move || i * 3)).collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.expect("spawn_blocking_many: a closure failed");
    }
    assert_eq!(sum, 3 * (n * n.saturating_sub(1) / 2), "spawn_blocking_many: wrong sum");
}

/// SplitMix64 (Steele, Lea and Flood), the generator docs/BENCH.md fixes so
/// that weft and every peer draw the same sleep durations.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// sleep_many's durations in ms: the first n draws of SplitMix64(42), mod 11.
/// Made once, before any timing.
fn sleep_durations_ms(n: u64) -> Arc<Vec<u64>> {
    let mut random = SplitMix64 { state: SLEEP_SEED };
    Arc::new((0..n).map(|_| random.next() % 11).collect())
}

/// sleep_many: one task per duration, each sleeping that many ms and
/// returning it.
async fn sleep_many(durations_ms: Arc<Vec<u64>>) {
    let handles: Vec<JoinHandle<u64>> = durations_ms
        .iter()
        .map(|&ms| {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                ms
            })
        })
        .collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.expect("sleep_many: a task failed");
    }
    assert_eq!(sum, durations_ms.iter().sum::<u64>(), "sleep_many: wrong sum");
}

/// abort_many: n tasks that would sleep an hour, in a JoinSet; abort_all,
/// then reap every one, each of which must be a cancelled JoinError.
async fn abort_many(n: u64) {
    let mut set = JoinSet::new();
    for _ in 0..n {
        set.spawn(tokio::time::sleep(Duration::from_secs(3600)));
    }
    set.abort_all();
    let mut cancelled = 0;
    while let Some(result) = set.join_next().await {
        match result {
            Err(error) if error.is_cancelled() => cancelled += 1,
            Err(error) => panic!("abort_many: a task failed: {error}"),
            Ok(()) => panic!("abort_many: a one-hour sleeper completed"),
        }
    }
    assert_eq!(cancelled, n, "abort_many: wrong count");
}

/// tcp_echo's server: binds 127.0.0.1 on an ephemeral port and spawns its
/// accept loop, which runs until the runtime is dropped. Called once per
/// process, before the timed runs.
async fn start_echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("tcp_echo: bind failed");
    let address = listener.local_addr().expect("tcp_echo: local_addr failed");
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(echo_connection(stream));
                }
                Err(error) => eprintln!("tcp_echo: accept: {error}"),
            }
        }
    });
    address
}

/// One server connection: writes back whatever it reads (4 KiB buffer).
async fn echo_connection(mut stream: TcpStream) {
    let mut buffer = [0u8; 4096];
    loop {
        let got = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(got) => got,
        };
        if stream.write_all(&buffer[..got]).await.is_err() {
            return;
        }
    }
}

/// tcp_echo: `conns` client tasks, each connecting (inside the timed run),
/// setting TCP_NODELAY and doing `rounds` sequential round trips of a 64-byte
/// message: write it all, read exactly 64 bytes back.
async fn tcp_echo(server: SocketAddr, conns: u64, rounds: u64) {
    let handles: Vec<JoinHandle<u64>> = (0..conns)
        .map(|id| tokio::spawn(echo_client(server, id, rounds)))
        .collect();
    for handle in handles {
        assert_eq!(handle.await.expect("tcp_echo: a client failed"), rounds);
    }
}

async fn echo_client(server: SocketAddr, id: u64, rounds: u64) -> u64 {
    let mut stream = TcpStream::connect(server).await.expect("tcp_echo: connect failed");
    stream.set_nodelay(true).expect("tcp_echo: TCP_NODELAY failed");
    // Byte i of client id's message is (id + i) mod 256, as in weft's client.
    let message: [u8; ECHO_MESSAGE_BYTES] = std::array::from_fn(|i| (id as usize + i) as u8);
    let mut back = [0u8; ECHO_MESSAGE_BYTES];
    for _ in 0..rounds {
        stream.write_all(&message).await.expect("tcp_echo: write failed");
        stream.read_exact(&mut back).await.expect("tcp_echo: read failed");
    }
    assert_eq!(back, message, "tcp_echo: mismatch");
    rounds
}

/// What memory_per_task reads from /proc/self/status, in KiB.
struct MemoryFigures {
    rss_before_kib: u64,
    rss_after_kib: u64,
    hwm_after_kib: u64,
}

/// memory_per_task: n tasks that count themselves and then wait forever on
/// a never-ready future (std::future::pending, which allocates nothing, so
/// the growth is the task alone). Their JoinHandles are dropped at once, so
/// no handle vector is counted. Waits (1 ms sleeps) until every task has
/// been polled once, then reads VmRSS and VmHWM again.
async fn memory_per_task(n: u64) -> MemoryFigures {
    static PARKED: AtomicU64 = AtomicU64::new(0);
    let rss_before_kib = proc_status_kib("VmRSS");
    for _ in 0..n {
        drop(tokio::spawn(async {
            PARKED.fetch_add(1, Ordering::Relaxed);
            std::future::pending::<()>().await
        }));
    }
    while PARKED.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    MemoryFigures {
        rss_before_kib,
        rss_after_kib: proc_status_kib("VmRSS"),
        hwm_after_kib: proc_status_kib("VmHWM"),
    }
}

/// One field of /proc/self/status ("VmRSS", "VmHWM"), in KiB.
fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("cannot read /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

// =============================================================================
// Timing
// =============================================================================

/// Where the workload's body runs: in a spawned root task (weft's way, and
/// BENCH.md's), or directly in block_on's future, which tokio polls on the
/// calling thread: not a worker, so every spawn from it is a remote one.
#[derive(Clone, Copy, PartialEq)]
enum Root {
    Task,
    BlockOn,
}

struct Sample {
    wall: Duration,
    cpu: Duration,
}

/// CPU time of the whole process (all threads), the clock weft's benches
/// read (CLOCK_PROCESS_CPUTIME_ID).
fn process_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// One run: a block_on that reads both clocks, runs `body` (as a spawned
/// root task or in place), and reads them again. The body's future is made
/// before the clocks start, but an async fn does no work until polled.
fn timed_run<F, T>(runtime: &Runtime, root: Root, body: F) -> (Sample, T)
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    runtime.block_on(async move {
        let cpu0 = process_cpu_time();
        let wall0 = Instant::now();
        let output = match root {
            Root::Task => tokio::spawn(body).await.expect("the workload panicked"),
            Root::BlockOn => body.await,
        };
        let sample = Sample { wall: wall0.elapsed(), cpu: process_cpu_time().saturating_sub(cpu0) };
        (sample, output)
    })
}

/// `warmup` untimed runs, then `reps` timed ones, each with a fresh body
/// from `make_body`, all on the same runtime.
fn measure<F>(runtime: &Runtime, options: &Options, make_body: impl Fn() -> F) -> Vec<Sample>
where
    F: Future<Output = ()> + Send + 'static,
{
    for _ in 0..options.warmup {
        timed_run(runtime, options.root, make_body());
    }
    (0..options.reps).map(|_| timed_run(runtime, options.root, make_body()).0).collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// Prints the run's one JSON line: the median run's figures per op, the
/// spread, and `extra` members (already formatted, each starting with ',').
fn report(options: &Options, n: u64, ops: u64, samples: &[Sample], extra: &str) {
    let walls_ms: Vec<f64> = samples.iter().map(|s| s.wall.as_secs_f64() * 1e3).collect();
    let cpus_ms: Vec<f64> = samples.iter().map(|s| s.cpu.as_secs_f64() * 1e3).collect();
    let min_wall_ms = walls_ms.iter().copied().fold(f64::INFINITY, f64::min);
    let max_wall_ms = walls_ms.iter().copied().fold(0.0, f64::max);
    let wall_ms = median(walls_ms);
    let cpu_ms = median(cpus_ms);
    println!(
        "{{\"peer\":\"tokio\",\"workload\":\"{workload}\",\"workers\":{workers},\
         \"ns_per_op\":{ns_per_op:.2},\"ops_per_s\":{ops_per_s:.0},\"wall_ms\":{wall_ms:.3},\
         \"cpu_ms\":{cpu_ms:.3},\"n\":{n},\"ops\":{ops},\"reps\":{reps},\"warmup\":{warmup},\
         \"min_wall_ms\":{min_wall_ms:.3},\"max_wall_ms\":{max_wall_ms:.3},\"root\":\"{root}\",\
         \"tokio\":\"{TOKIO_VERSION}\"{extra}}}",
        workload = options.workload,
        workers = options.workers,
        ns_per_op = wall_ms * 1e6 / ops as f64,
        ops_per_s = ops as f64 / (wall_ms / 1e3),
        reps = samples.len(),
        warmup = options.warmup,
        root = if options.root == Root::Task { "task" } else { "block_on" },
    );
}

// =============================================================================
// Command line
// =============================================================================

const USAGE: &str = "\
usage: tokio-peer WORKLOAD [--workers N] [--reps R] [--warmup W] [--in-task | --in-block-on]
                           [--n COUNT] [--tasks T] [--chains C] [--pairs P] [--conns K]
       tokio-peer list

  --workers N    worker threads of the multi_thread runtime (default 2)
  --reps R       timed runs on one runtime; the median is reported (default 5;
                 memory_per_task always runs once)
  --warmup W     untimed runs first (default 1; 0 for tcp_echo, memory_per_task)
  --in-task      run the workload as a spawned root task (the default)
  --in-block-on  run it directly in block_on's future instead
  --n COUNT      the workload's main size (see README.md; default as docs/BENCH.md)
  --tasks T      yield_many's tasks (200)     --chains C  chained_spawn's chains (100)
  --pairs P      ping_pong's pairs (1000)     --conns K   tcp_echo's connections (64)";

struct Options {
    workload: String,
    workers: usize,
    reps: usize,
    warmup: usize,
    root: Root,
    n: Option<u64>,
    tasks: u64,
    chains: u64,
    pairs: u64,
    conns: u64,
}

fn usage_error(message: &str) -> ! {
    eprintln!("tokio-peer: {message}\n{USAGE}");
    std::process::exit(2);
}

fn parse_options() -> Options {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| usage_error("no workload given"));
    if workload == "-h" || workload == "--help" {
        println!("{USAGE}");
        std::process::exit(0);
    }
    let unwarmed = workload == "tcp_echo" || workload == "memory_per_task";
    let mut options = Options {
        workload,
        workers: 2,
        reps: 5,
        warmup: if unwarmed { 0 } else { 1 },
        root: Root::Task,
        n: None,
        tasks: YIELD_TASKS,
        chains: CHAINS,
        pairs: PING_PONG_PAIRS,
        conns: ECHO_CONNECTIONS,
    };
    while let Some(flag) = args.next() {
        let mut number = || -> u64 {
            args.next()
                .and_then(|value| value.parse().ok())
                .unwrap_or_else(|| usage_error(&format!("{flag} needs a number")))
        };
        match flag.as_str() {
            "--workers" => options.workers = number() as usize,
            "--reps" => options.reps = number() as usize,
            "--warmup" => options.warmup = number() as usize,
            "--n" => options.n = Some(number()),
            "--tasks" => options.tasks = number(),
            "--chains" => options.chains = number(),
            "--pairs" => options.pairs = number(),
            "--conns" => options.conns = number(),
            "--in-task" => options.root = Root::Task,
            "--in-block-on" => options.root = Root::BlockOn,
            _ => usage_error(&format!("unknown argument {flag:?}")),
        }
    }
    if options.workers == 0 || options.reps == 0 {
        usage_error("--workers and --reps must be at least 1");
    }
    options
}

fn build_runtime(workers: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("cannot build the tokio runtime")
}

/// Runs one workload and prints its JSON line. `n` is the main size; the
/// op count (what ns_per_op divides by) is docs/BENCH.md's op unit.
fn run(options: &Options) {
    let runtime = build_runtime(options.workers);
    let o = options;
    let size = |default: u64| o.n.unwrap_or(default);
    let (n, ops, samples) = match o.workload.as_str() {
        "spawn_many" => {
            let n = size(SPAWN_TASKS);
            (n, n, measure(&runtime, o, || spawn_many(n)))
        }
        "joinset_many" => {
            let n = size(SPAWN_TASKS);
            (n, n, measure(&runtime, o, || joinset_many(n)))
        }
        "yield_many" => {
            let (n, tasks) = (size(YIELDS_PER_TASK), o.tasks);
            (n, n * tasks, measure(&runtime, o, || yield_many(tasks, n)))
        }
        "chained_spawn" => {
            let (n, chains) = (size(CHAIN_DEPTH), o.chains);
            (n, n * chains, measure(&runtime, o, || chained_spawn(n, chains)))
        }
        "ping_pong" => {
            let (n, pairs) = (size(PING_PONG_HOPS), o.pairs);
            (n, n * pairs, measure(&runtime, o, || ping_pong(pairs, n)))
        }
        "spawn_blocking_many" => {
            let n = size(BLOCKING_CLOSURES);
            (n, n, measure(&runtime, o, || spawn_blocking_many(n)))
        }
        "sleep_many" => {
            let n = size(SLEEP_TASKS);
            let durations = sleep_durations_ms(n);
            (n, n, measure(&runtime, o, || sleep_many(durations.clone())))
        }
        "abort_many" => {
            let n = size(ABORT_TASKS);
            (n, n, measure(&runtime, o, || abort_many(n)))
        }
        "tcp_echo" => {
            let (n, conns) = (size(ECHO_ROUND_TRIPS), o.conns);
            let server = runtime.block_on(start_echo_server());
            (n, n * conns, measure(&runtime, o, || tcp_echo(server, conns, n)))
        }
        "mpsc_unbounded" => {
            let n = size(MPSC_MESSAGES);
            (n, n, measure(&runtime, o, || mpsc_unbounded(MPSC_PRODUCERS, n)))
        }
        "broadcast_fanout" => {
            let n = size(FANOUT_MESSAGES);
            (n, n * FANOUT_RECEIVERS, measure(&runtime, o, || broadcast_fanout(FANOUT_RECEIVERS, n)))
        }
        "fs_read" => {
            let n = size(FS_READS);
            let dir = ScratchDir::new();
            let (path, offsets) = (write_fs_read_file(&dir), fs_read_offsets(n));
            let samples = measure(&runtime, o, || fs_read(path.clone(), offsets.clone(), FS_READS_IN_FLIGHT));
            (n, n, samples)
        }
        "fs_write_fsync" => {
            let n = size(FS_WRITES);
            let dir = ScratchDir::new();
            let path = dir.0.join("fs_write_fsync.dat");
            (n, n, measure(&runtime, o, || fs_write_fsync(path.clone(), n)))
        }
        "memory_per_task" => {
            // One run in this fresh process: a second one would find the
            // first one's memory already mapped.
            let n = size(PARKED_TASKS);
            let (sample, figures) = timed_run(&runtime, o.root, memory_per_task(n));
            let per_task = |kib: u64| kib.saturating_sub(figures.rss_before_kib) as f64 * 1024.0 / n as f64;
            let extra = format!(
                ",\"bytes_per_task\":{:.1},\"hwm_bytes_per_task\":{:.1}",
                per_task(figures.rss_after_kib),
                per_task(figures.hwm_after_kib)
            );
            let once = Options { reps: 1, warmup: 0, workload: o.workload.clone(), ..*o };
            report(&once, n, n, &[sample], &extra);
            // Leave without tearing a million parked tasks down.
            runtime.shutdown_background();
            return;
        }
        other => usage_error(&format!("unknown workload {other:?} (`tokio-peer list` lists them)")),
    };
    report(o, n, ops, &samples, "");
    // abort_many's timer entries and tcp_echo's server are still there:
    // drop the runtime without waiting for them.
    runtime.shutdown_background();
}

fn main() {
    let options = parse_options();
    if options.workload == "list" {
        WORKLOADS.iter().for_each(|w| println!("{w}"));
        return;
    }
    run(&options);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/BENCH.md quotes the first sleep_many durations; weft's
    /// SleepDurationsMs (bench/workloads.cc) must draw the same.
    #[test]
    fn sleep_durations_match_bench_md() {
        assert_eq!(sleep_durations_ms(5).as_slice(), &[9, 5, 2, 1, 2]);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
