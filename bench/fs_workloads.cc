// fs_read and fs_write_fsync (docs/BENCH.md) on weft::fs, and the scratch
// files they work on. workloads.cc registers them with Google Benchmark.

#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/workloads.h"
#include "runtime/weft.h"

namespace weft_bench {
namespace {

void Check(bool ok, std::string_view what) {
  if (!ok) throw std::runtime_error(std::string(what));
}

void CheckStatus(const absl::Status& status, std::string_view what) {
  if (!status.ok()) {
    throw std::runtime_error(std::string(what) + ": " + status.ToString());
  }
}

// The 64-bit little-endian word at `bytes`.
uint64_t WordAt(const std::byte* bytes) {
  uint64_t word = 0;
  for (int i = 7; i >= 0; --i) {
    word = (word << 8) | static_cast<uint64_t>(bytes[i]);
  }
  return word;
}

// Fills `block` as the file holds the block at `offset`: each aligned word
// is its own offset.
void FillBlock(std::vector<char>& block, uint64_t offset) {
  for (size_t i = 0; i < block.size(); i += 8) {
    uint64_t word = offset + i;
    for (size_t b = 0; b < 8; ++b) {
      block[i + b] = static_cast<char>((word >> (8 * b)) & 0xff);
    }
  }
}

// Removes the scratch directory when the process exits.
struct ScratchDir {
  std::string path;
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// One of fs_read's tasks: reads offsets[first], offsets[first + stride], ...
weft::Task<uint64_t> BlockReader(
    std::shared_ptr<weft::fs::File> file,
    std::shared_ptr<const std::vector<uint64_t>> offsets, size_t first,
    size_t stride) {
  std::vector<std::byte> buffer(kFsBlockBytes);
  uint64_t sum = 0;
  for (size_t i = first; i < offsets->size(); i += stride) {
    const uint64_t offset = (*offsets)[i];
    absl::StatusOr<size_t> got = co_await file->read_at(buffer, offset);
    CheckStatus(got.status(), "fs_read: read_at");
    Check(*got == kFsBlockBytes, "fs_read: a short read");
    Check(WordAt(buffer.data()) == offset &&
              WordAt(buffer.data() + kFsBlockBytes - 8) ==
                  offset + kFsBlockBytes - 8,
          "fs_read: a block holds the wrong bytes");
    sum += offset;
  }
  co_return sum;
}

}  // namespace

const std::string& FsScratchDir() {
  static const ScratchDir* dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
        "/weft-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("fs workloads: cannot create a directory " +
                               pattern + ": " + std::strerror(errno));
    }
    // Destroyed at exit (a function-local static), removing the files.
    static ScratchDir scratch{pattern};
    return &scratch;
  }();
  return dir->path;
}

std::string FsReadFile() {
  static const std::string path = [] {
    std::string file = FsScratchDir() + "/fs_read.dat";
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    std::vector<char> block(1 << 20);
    for (uint64_t offset = 0; offset < kFsFileBytes; offset += block.size()) {
      FillBlock(block, offset);
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
    out.close();
    Check(out.good(), "fs_read: cannot write " + file);
    return file;
  }();
  return path;
}

std::shared_ptr<const std::vector<uint64_t>> FsReadOffsets(uint64_t n) {
  auto offsets = std::make_shared<std::vector<uint64_t>>();
  offsets->reserve(n);
  SplitMix64 random(kFsReadSeed);
  for (uint64_t i = 0; i < n; ++i) {
    offsets->push_back(random.Next() % (kFsFileBytes / kFsBlockBytes) *
                       kFsBlockBytes);
  }
  return offsets;
}

weft::Task<void> FsRead(std::shared_ptr<const std::vector<uint64_t>> offsets,
                        uint64_t in_flight) {
  absl::StatusOr<weft::fs::File> opened =
      co_await weft::fs::File::open(FsReadFile());
  CheckStatus(opened.status(), "fs_read: open");
  auto file = std::make_shared<weft::fs::File>(std::move(*opened));
  std::vector<weft::JoinHandle<uint64_t>> readers;
  readers.reserve(in_flight);
  for (uint64_t t = 0; t < in_flight; ++t) {
    readers.push_back(weft::spawn(BlockReader(file, offsets, t, in_flight)));
  }
  uint64_t sum = 0;
  for (weft::JoinHandle<uint64_t>& reader : readers) {
    weft::JoinResult<uint64_t> result = co_await reader;
    Check(result.has_value(), "fs_read: a reader failed");
    sum += *result;
  }
  uint64_t expected = 0;
  for (uint64_t offset : *offsets) expected += offset;
  Check(sum == expected, "fs_read: wrong sum");
}

weft::Task<void> FsWriteFsync(std::string path, uint64_t n) {
  absl::StatusOr<weft::fs::File> created =
      co_await weft::fs::File::create(path);
  CheckStatus(created.status(), "fs_write_fsync: create");
  weft::fs::File file = std::move(*created);
  std::vector<char> block(kFsBlockBytes);
  for (uint64_t i = 0; i < n; ++i) {
    FillBlock(block, i * kFsBlockBytes);
    std::string_view data(block.data(), block.size());
    absl::Status written = co_await file.write_all(data);
    CheckStatus(written, "fs_write_fsync: write");
    absl::Status synced = co_await file.sync_data();
    CheckStatus(synced, "fs_write_fsync: sync_data");
  }
  absl::StatusOr<weft::fs::Metadata> metadata = co_await file.metadata();
  CheckStatus(metadata.status(), "fs_write_fsync: metadata");
  Check(metadata->len() == n * kFsBlockBytes, "fs_write_fsync: wrong length");
}

}  // namespace weft_bench
