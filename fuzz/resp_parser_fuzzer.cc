// A libFuzzer target for mini_redis's RespParser: the bytes are what a
// client sends. Besides not crashing (and, in the clang build, no ASan or
// UBSan report), every input must keep the parser's promises:
//
//   * fed in pieces of any size, the input gives the same commands, the
//     same outcome (an error or not) and the same unparsed tail as fed at
//     once;
//   * Next() never consumes more bytes than were appended (buffered() never
//     grows without an Append, and never passes what was appended);
//   * a command is never empty, and written back as a multibulk it parses
//     to the same arguments;
//   * with a small query buffer limit, what the parser holds after kNeedMore
//     is within it;
//   * a protocol error is sticky and says "Protocol error: ...".
//
// Built two ways: by clang++-14 with -fsanitize=fuzzer for real fuzzing
// (fuzz/fuzz_test.sh), and by Bazel's g++ into :resp_parser_corpus_test,
// which replays the checked-in corpus (fuzz/corpus/resp_parser).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "examples/mini_redis/resp_parser.h"

namespace {

using mini_redis::RespParser;
using Args = std::vector<std::string>;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "resp_parser_fuzzer: broken promise: %s\n", what);
  std::abort();
}

struct Outcome {
  std::vector<Args> commands;
  bool error = false;
  size_t buffered = 0;  // when no error
};

// Every command the parser returns now; checks the per-call promises.
void Drain(RespParser& parser, Outcome& outcome, size_t appended) {
  Args args;
  while (true) {
    size_t before = parser.buffered();
    RespParser::Status status = parser.Next(args);
    Check(parser.buffered() <= before, "Next() added bytes");
    Check(parser.buffered() <= appended, "consumed more than appended");
    if (status == RespParser::Status::kNeedMore) {
      Check(parser.request_bytes() <=
                static_cast<uint64_t>(parser.limits().query_buffer_limit),
            "held more than the query buffer limit");
      Check(parser.missing_bulk_bytes() <=
                static_cast<uint64_t>(parser.limits().max_bulk_length) + 2,
            "waiting for a bulk string over the limit");
      return;
    }
    if (status == RespParser::Status::kError) {
      Check(parser.error().rfind("Protocol error: ", 0) == 0,
            "error without \"Protocol error: \"");
      Check(parser.Next(args) == RespParser::Status::kError,
            "error not sticky");
      outcome.error = true;
      return;
    }
    Check(!args.empty(), "empty command");
    outcome.commands.push_back(args);
  }
}

Outcome Parse(std::string_view input, RespParser::Limits limits,
              uint64_t split_seed) {
  RespParser parser(limits);
  Outcome outcome;
  size_t at = 0;
  uint64_t random = split_seed | 1;
  while (at < input.size() && !outcome.error) {
    size_t piece = input.size() - at;
    if (split_seed != 0) {
      // xorshift64: pieces of 1 to 64 bytes, now and then 1 to 4096.
      random ^= random << 13;
      random ^= random >> 7;
      random ^= random << 17;
      piece = 1 + (random % 8 == 0 ? random % 4096 : random % 64);
      if (piece > input.size() - at) piece = input.size() - at;
    }
    size_t before = parser.buffered();
    parser.Append(input.substr(at, piece));
    at += piece;
    Check(parser.buffered() == before + piece, "Append() lost bytes");
    Drain(parser, outcome, at);
  }
  if (!outcome.error) outcome.buffered = parser.buffered();
  return outcome;
}

std::string AsMultibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  return out;
}

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t hash = 14695981039346656037u;
  for (char c : bytes) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211u;
  }
  return hash;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  const Outcome whole = Parse(input, {}, 0);
  const Outcome pieces = Parse(input, {}, Fnv1a(input));
  Check(pieces.commands == whole.commands, "split changed the commands");
  Check(pieces.error == whole.error, "split changed the outcome");
  Check(pieces.buffered == whole.buffered, "split changed the tail");

  for (const Args& command : whole.commands) {
    RespParser parser;
    parser.Append(AsMultibulk(command));
    Args again;
    Check(parser.Next(again) == RespParser::Status::kCommand,
          "re-serialized command does not parse");
    Check(again == command, "re-serialized command parses differently");
    Check(parser.Next(again) == RespParser::Status::kNeedMore &&
              parser.buffered() == 0,
          "re-serialized command leaves bytes");
  }

  // Small limits, so that inputs of a few KB reach them.
  RespParser::Limits small;
  small.max_bulk_length = 1000;
  small.max_arguments = 100;
  small.max_inline_length = 200;
  small.query_buffer_limit = 2048;
  (void)Parse(input, small, Fnv1a(input) + 1);
  return 0;
}
