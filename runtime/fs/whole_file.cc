#include "runtime/fs/whole_file.h"

#include <utility>

#include "runtime/fs/file.h"

namespace weft::fs {
namespace {

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length;
    uint32_t code;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = code << 6 | (next & 0x3F);
    }
    constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10FFFF ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

Task<absl::StatusOr<std::string>> read(std::string path) {
  Task<absl::StatusOr<File>> opening = File::open(std::move(path));
  absl::StatusOr<File> file = co_await opening;
  if (!file.ok()) co_return file.status();
  co_return co_await file->read_to_end();
}

Task<absl::StatusOr<std::string>> read_to_string(std::string path) {
  Task<absl::StatusOr<std::string>> reading = read(path);
  absl::StatusOr<std::string> contents = co_await reading;
  if (contents.ok() && !IsUtf8(*contents)) {
    co_return absl::InvalidArgumentError("read_to_string " + path +
                                         ": stream did not contain valid "
                                         "UTF-8");
  }
  co_return contents;
}

Task<absl::Status> write(std::string path, std::string_view data) {
  Task<absl::StatusOr<File>> opening = File::create(std::move(path));
  absl::StatusOr<File> file = co_await opening;
  if (!file.ok()) co_return file.status();
  co_return co_await file->write_all(data);
}

}  // namespace weft::fs
