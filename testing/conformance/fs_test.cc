// weft::fs on every backend: whole-file round trips, positioned reads and
// writes, metadata, rename, remove, directories, errors that name the path,
// and tasks aborted in the middle of a file operation. On io_uring and
// libuv the operations must be the backend's own (io_uring's opcodes,
// libuv's uv_fs_*: nothing goes to the runtime's blocking pool); elsewhere
// they run on the blocking pool.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/weft.h"
#include "testing/conformance/conformance.h"
#include "testing/conformance/open_files.h"

namespace weft::conformance {
namespace {

class FsTest : public RuntimeTest {
 protected:
  void SetUp() override {
    const char* root = std::getenv("TEST_TMPDIR");
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->name());
    std::replace(name.begin(), name.end(), '/', '_');
    dir_ = std::string(root != nullptr ? root : "/tmp") + "/fs_" + name + "_" +
           std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A fresh, empty directory for this test.
  const std::string& dir() const { return dir_; }
  std::string PathOf(const std::string& name) const {
    return dir_ + "/" + name;
  }

 private:
  std::string dir_;
};
WEFT_CONFORMANCE_INSTANTIATE(FsTest);

std::span<std::byte> Bytes(std::string& buffer) {
  return std::as_writable_bytes(std::span(buffer));
}

// A status's message (absl::string_view here is not std::string_view).
std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

TEST_P(FsTest, WriteThenReadRoundTrips) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("round_trip.txt");
  runtime.block_on([&]() -> Task<void> {
    std::string data(300 * 1000, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i);
    absl::Status written = co_await fs::write(path, data);
    EXPECT_TRUE(written.ok()) << written;
    absl::StatusOr<std::string> read = co_await fs::read(path);
    EXPECT_TRUE(read.ok()) << read.status();
    if (read.ok()) {
      EXPECT_TRUE(*read == data) << read->size();
    }

    // Replacing truncates.
    absl::Status again = co_await fs::write(path, "short text");
    EXPECT_TRUE(again.ok()) << again;
    absl::StatusOr<std::string> text = co_await fs::read_to_string(path);
    EXPECT_TRUE(text.ok()) << text.status();
    if (text.ok()) {
      EXPECT_EQ(*text, "short text");
    }

    // Through File, chunk by chunk.
    absl::StatusOr<fs::File> file = co_await fs::File::open(path);
    WEFT_CO_ASSERT_TRUE(file.ok());
    std::string chunk(4, '\0');
    std::string all;
    for (;;) {
      absl::StatusOr<size_t> got = co_await file->read(Bytes(chunk));
      WEFT_CO_ASSERT_TRUE(got.ok());
      if (*got == 0) break;
      all.append(chunk, 0, *got);
    }
    EXPECT_EQ(all, "short text");
  });
}

TEST_P(FsTest, ReadToStringRejectsInvalidUtf8) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("latin1.txt");
  runtime.block_on([&]() -> Task<void> {
    EXPECT_TRUE((co_await fs::write(path, "caf\xe9")).ok());
    absl::StatusOr<std::string> text = co_await fs::read_to_string(path);
    EXPECT_TRUE(absl::IsInvalidArgument(text.status())) << text.status();
    absl::StatusOr<std::string> bytes = co_await fs::read(path);
    EXPECT_TRUE(bytes.ok() && *bytes == "caf\xe9");
  });
}

TEST_P(FsTest, ReadAtAndWriteAtUseTheirOffsets) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("offsets.bin");
  runtime.block_on([&]() -> Task<void> {
    absl::StatusOr<fs::File> file = co_await fs::File::create_new(path);
    WEFT_CO_ASSERT_TRUE(file.ok());
    absl::StatusOr<size_t> world = co_await file->write_at("world", 6);
    EXPECT_TRUE(world.ok() && *world == 5);
    absl::StatusOr<size_t> hello = co_await file->write_at("hello ", 0);
    EXPECT_TRUE(hello.ok() && *hello == 6);

    std::string part(5, '\0');
    absl::StatusOr<size_t> got = co_await file->read_at(Bytes(part), 6);
    EXPECT_TRUE(got.ok() && *got == 5);
    EXPECT_EQ(part, "world");
    std::string past(4, 'x');
    absl::StatusOr<size_t> eof = co_await file->read_at(Bytes(past), 100);
    EXPECT_TRUE(eof.ok() && *eof == 0);

    // The positioned calls did not move the file position.
    std::string from_start(11, '\0');
    absl::StatusOr<size_t> all = co_await file->read(Bytes(from_start));
    EXPECT_TRUE(all.ok() && *all == 11);
    EXPECT_EQ(from_start, "hello world");

    // A plain write continues from the position.
    EXPECT_TRUE((co_await file->write_all("!")).ok());
    absl::StatusOr<fs::Metadata> meta = co_await file->metadata();
    EXPECT_TRUE(meta.ok() && meta->len() == 12);
    EXPECT_TRUE((co_await file->sync_all()).ok());
    EXPECT_TRUE((co_await file->sync_data()).ok());
    EXPECT_TRUE((co_await file->set_len(5)).ok());
    absl::StatusOr<std::string> shortened = co_await fs::read(path);
    EXPECT_TRUE(shortened.ok() && *shortened == "hello");
  });
}

TEST_P(FsTest, OpenOptionsAppendAndCreate) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("log.txt");
  runtime.block_on([&]() -> Task<void> {
    for (const char* line : {"one\n", "two\n"}) {
      fs::OpenOptions options;
      options.append(true).create(true);
      absl::StatusOr<fs::File> file = co_await options.open(path);
      WEFT_CO_ASSERT_TRUE(file.ok());
      EXPECT_TRUE((co_await file->write_all(line)).ok());
    }
    absl::StatusOr<std::string> log = co_await fs::read(path);
    EXPECT_TRUE(log.ok() && *log == "one\ntwo\n");

    fs::OpenOptions nothing;
    absl::StatusOr<fs::File> invalid = co_await nothing.open(path);
    EXPECT_TRUE(absl::IsInvalidArgument(invalid.status())) << invalid.status();
    EXPECT_TRUE(Contains(Message(invalid.status()), path));

    // Read-only: writing fails, naming the path.
    absl::StatusOr<fs::File> read_only = co_await fs::File::open(path);
    WEFT_CO_ASSERT_TRUE(read_only.ok());
    absl::StatusOr<size_t> refused = co_await read_only->write("x");
    EXPECT_FALSE(refused.ok());
    EXPECT_TRUE(Contains(Message(refused.status()), "write " + path));
  });
}

TEST_P(FsTest, MetadataTellsSizeTypeAndTime) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("sized.txt");
  runtime.block_on([&]() -> Task<void> {
    const auto before =
        std::chrono::system_clock::now() - std::chrono::minutes(1);
    EXPECT_TRUE((co_await fs::write(path, std::string(1234, 'a'))).ok());
    absl::StatusOr<fs::Metadata> file = co_await fs::metadata(path);
    WEFT_CO_ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->len(), 1234u);
    EXPECT_TRUE(file->is_file());
    EXPECT_FALSE(file->is_dir());
    EXPECT_GT(file->modified(), before);
    EXPECT_LT(file->modified(),
              std::chrono::system_clock::now() + std::chrono::minutes(1));

    absl::StatusOr<fs::Metadata> directory = co_await fs::metadata(dir());
    WEFT_CO_ASSERT_TRUE(directory.ok());
    EXPECT_TRUE(directory->is_dir());
    EXPECT_FALSE(directory->is_file());

    absl::StatusOr<bool> exists = co_await fs::try_exists(path);
    EXPECT_TRUE(exists.ok() && *exists);
    absl::StatusOr<bool> missing = co_await fs::try_exists(PathOf("nope"));
    EXPECT_TRUE(missing.ok() && !*missing);
  });
}

TEST_P(FsTest, RenameMovesTheFile) {
  Runtime runtime = MakeRuntime();
  const std::string from = PathOf("from.txt");
  const std::string to = PathOf("to.txt");
  runtime.block_on([&]() -> Task<void> {
    EXPECT_TRUE((co_await fs::write(from, "moved")).ok());
    absl::Status renamed = co_await fs::rename(from, to);
    EXPECT_TRUE(renamed.ok()) << renamed;
    absl::StatusOr<std::string> moved = co_await fs::read(to);
    EXPECT_TRUE(moved.ok() && *moved == "moved");
    absl::StatusOr<std::string> gone = co_await fs::read(from);
    EXPECT_TRUE(absl::IsNotFound(gone.status())) << gone.status();

    absl::Status again = co_await fs::rename(from, to);
    EXPECT_TRUE(absl::IsNotFound(again)) << again;
    EXPECT_TRUE(Contains(Message(again), "rename " + from + " to " + to));
  });
}

TEST_P(FsTest, RemoveFileAndRemoveDir) {
  Runtime runtime = MakeRuntime();
  const std::string file = PathOf("doomed.txt");
  const std::string sub = PathOf("empty");
  runtime.block_on([&]() -> Task<void> {
    EXPECT_TRUE((co_await fs::write(file, "x")).ok());
    EXPECT_TRUE((co_await fs::remove_file(file)).ok());
    absl::StatusOr<bool> exists = co_await fs::try_exists(file);
    EXPECT_TRUE(exists.ok() && !*exists);
    absl::Status twice = co_await fs::remove_file(file);
    EXPECT_TRUE(absl::IsNotFound(twice)) << twice;
    EXPECT_TRUE(Contains(Message(twice), "remove_file " + file));

    EXPECT_TRUE((co_await fs::create_dir(sub)).ok());
    absl::Status exists_already = co_await fs::create_dir(sub);
    EXPECT_TRUE(absl::IsAlreadyExists(exists_already)) << exists_already;
    EXPECT_TRUE((co_await fs::remove_dir(sub)).ok());
    absl::StatusOr<bool> dir_exists = co_await fs::try_exists(sub);
    EXPECT_TRUE(dir_exists.ok() && !*dir_exists);
  });
}

TEST_P(FsTest, CreateDirAllThenReadDir) {
  Runtime runtime = MakeRuntime();
  const std::string deep = PathOf("a/b/c");
  runtime.block_on([&]() -> Task<void> {
    absl::Status made = co_await fs::create_dir_all(deep);
    EXPECT_TRUE(made.ok()) << made;
    absl::Status again = co_await fs::create_dir_all(deep + "/");
    EXPECT_TRUE(again.ok()) << again;
    EXPECT_TRUE((co_await fs::write(deep + "/one.txt", "1")).ok());
    EXPECT_TRUE((co_await fs::write(deep + "/two.txt", "2")).ok());
    EXPECT_TRUE((co_await fs::create_dir(deep + "/sub")).ok());

    absl::StatusOr<std::vector<fs::DirEntry>> entries =
        co_await fs::read_dir(deep);
    WEFT_CO_ASSERT_TRUE(entries.ok());
    std::vector<std::string> names;
    for (const fs::DirEntry& entry : *entries) {
      names.push_back(entry.file_name);
      EXPECT_EQ(entry.path, deep + "/" + entry.file_name);
      if (entry.file_name == "sub") {
        EXPECT_TRUE(entry.is_dir);
      } else {
        EXPECT_TRUE(entry.is_file);
      }
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"one.txt", "sub", "two.txt"}));

    // A file in the way.
    absl::Status blocked = co_await fs::create_dir_all(deep + "/one.txt/x");
    EXPECT_FALSE(blocked.ok());
    absl::StatusOr<std::vector<fs::DirEntry>> missing =
        co_await fs::read_dir(PathOf("missing"));
    EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  });
}

TEST_P(FsTest, OpenOfAMissingFileIsNotFoundAndNamesThePath) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("no/such/file");
  runtime.block_on([&]() -> Task<void> {
    absl::StatusOr<fs::File> file = co_await fs::File::open(path);
    EXPECT_TRUE(absl::IsNotFound(file.status())) << file.status();
    EXPECT_EQ(Message(file.status()),
              "open " + path + ": No such file or directory");
    absl::StatusOr<fs::Metadata> meta = co_await fs::metadata(path);
    EXPECT_TRUE(absl::IsNotFound(meta.status())) << meta.status();
    EXPECT_TRUE(Contains(Message(meta.status()), path));
  });
}

TEST_P(FsTest, CreateNewOnAnExistingFileIsAlreadyExists) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("taken.txt");
  runtime.block_on([&]() -> Task<void> {
    EXPECT_TRUE((co_await fs::write(path, "mine")).ok());
    absl::StatusOr<fs::File> file = co_await fs::File::create_new(path);
    EXPECT_TRUE(absl::IsAlreadyExists(file.status())) << file.status();
    EXPECT_TRUE(Contains(Message(file.status()), "open " + path));
    absl::StatusOr<std::string> kept = co_await fs::read(path);
    EXPECT_TRUE(kept.ok() && *kept == "mine");
  });
}

TEST_P(FsTest, AbortingATaskMidReadLosesNothing) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("big.bin");
  runtime.block_on([&]() -> Task<void> {
    std::string data(4 << 20, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
    EXPECT_TRUE((co_await fs::write(path, data)).ok());
    absl::StatusOr<fs::File> file = co_await fs::File::open(path);
    WEFT_CO_ASSERT_TRUE(file.ok());

    for (int round = 0; round < 20; ++round) {
      auto buffer = std::make_unique<std::byte[]>(data.size());
      std::atomic<int> reads{0};
      auto reader = spawn([&]() -> Task<void> {
        for (;;) {
          std::span<std::byte> whole(buffer.get(), data.size());
          (void)co_await file->read_at(whole, 0);
          reads.fetch_add(1);
        }
      });
      // Abort at different points: before the first read, during one, or
      // between two.
      for (int i = 0; i < round % 4; ++i) co_await yield_now();
      if (round % 2 == 1) {
        std::function<bool()> started = [&] { return reads.load() > 0; };
        EXPECT_TRUE(co_await Eventually(started));
      }
      reader.abort();
      JoinResult<void> result = co_await reader;
      EXPECT_TRUE(!result.has_value() && result.error().is_cancelled());
      buffer.reset();  // ASan: no operation may write here any more
    }
    // The file and the File are intact.
    std::string check(data.size(), '\0');
    absl::StatusOr<size_t> got = co_await file->read_at(Bytes(check), 0);
    EXPECT_TRUE(got.ok() && *got == data.size());
    EXPECT_TRUE(check == data);
  });
}

TEST_P(FsTest, AbortedOpensLeakNoDescriptor) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("opened.txt");
  runtime.block_on([&]() -> Task<void> {
    EXPECT_TRUE((co_await fs::write(path, "x")).ok());
    const OpenFileProbe probe(path);
    {
      // The probe sees a file that is open (else it could not fail below).
      absl::StatusOr<fs::File> held = co_await fs::File::open(path);
      EXPECT_TRUE(held.ok());
      EXPECT_FALSE(probe.AllClosed()) << probe.Describe();
    }
    for (int round = 0; round < 40; ++round) {
      auto opener = spawn([&]() -> Task<void> {
        absl::StatusOr<fs::File> file = co_await fs::File::open(path);
        EXPECT_TRUE(file.ok());
        co_await sleep(kForever);
      });
      for (int i = 0; i < round % 3; ++i) co_await yield_now();
      opener.abort();
      (void)co_await opener;
    }
    // An open on the blocking pool may finish after its task is gone; its
    // descriptor is closed then.
    std::function<bool()> all_closed = [&] { return probe.AllClosed(); };
    EXPECT_TRUE(co_await Eventually(all_closed)) << probe.Describe();
  });
}

TEST_P(FsTest, FileOperationsAreNativeOnUringAndUv) {
  Runtime runtime = MakeRuntime();
  const std::string path = PathOf("native.txt");
  const std::string renamed = PathOf("renamed.txt");
  const std::string backend = runtime.handle().backend().running;
  const uint64_t spawned_before = runtime.handle().metrics().total_spawned;
  runtime.block_on([&]() -> Task<void> {
    EXPECT_TRUE((co_await fs::write(path, "native")).ok());
    absl::StatusOr<fs::File> file = co_await fs::File::open(path);
    WEFT_CO_ASSERT_TRUE(file.ok());
    std::string buffer(6, '\0');
    EXPECT_TRUE((co_await file->read_at(Bytes(buffer), 0)).ok());
    EXPECT_TRUE((co_await file->metadata()).ok());
    EXPECT_TRUE((co_await fs::rename(path, renamed)).ok());
    EXPECT_TRUE((co_await fs::create_dir(PathOf("d"))).ok());
    EXPECT_TRUE((co_await fs::remove_file(renamed)).ok());
  });
  const uint64_t spawned =
      runtime.handle().metrics().total_spawned - spawned_before;
  if (backend == "uring" || backend == "uv") {
    EXPECT_EQ(spawned, 0u) << backend << " ran file operations on the pool";
  } else {
    EXPECT_GT(spawned, 0u) << backend << " cannot run them natively";
  }
}

TEST_P(FsTest, ATaskMadeBeforeTheRuntimeOwnsItsPath) {
  const std::string path = PathOf("outside.txt");
  Task<absl::StatusOr<fs::File>> opening = fs::File::open(path);
  Runtime runtime = MakeRuntime();
  // Awaited inside: fine. The Task itself was only made outside.
  absl::StatusOr<fs::File> file = runtime.block_on(std::move(opening));
  EXPECT_TRUE(absl::IsNotFound(file.status())) << file.status();
}

}  // namespace
}  // namespace weft::conformance
