// RespParser: both command forms, input split anywhere, pipelines, and
// every kind of malformed input ending in a protocol error.

#include "examples/mini_redis/resp_parser.h"

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace mini_redis {
namespace {

using Args = std::vector<std::string>;
using Status = RespParser::Status;

// Every command in `input` (fed at once), or the protocol error text
// appended last as "error: ...".
std::vector<Args> ParseAll(std::string_view input,
                           RespParser::Limits limits = {}) {
  RespParser parser(limits);
  parser.Append(input);
  std::vector<Args> commands;
  Args args;
  while (true) {
    Status status = parser.Next(args);
    if (status == Status::kNeedMore) break;
    if (status == Status::kError) {
      commands.push_back({"error: " + parser.error()});
      break;
    }
    commands.push_back(args);
  }
  return commands;
}

std::string ErrorOf(std::string_view input, RespParser::Limits limits = {}) {
  std::vector<Args> commands = ParseAll(input, limits);
  if (commands.empty() || commands.back().size() != 1 ||
      commands.back()[0].rfind("error: ", 0) != 0) {
    return "no error";
  }
  return commands.back()[0].substr(7);
}

TEST(RespParserTest, Multibulk) {
  EXPECT_EQ(ParseAll("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n"),
            (std::vector<Args>{{"ECHO", "hello"}}));
}

TEST(RespParserTest, InCommandUntilTheCommandIsComplete) {
  RespParser parser;
  Args args;
  EXPECT_FALSE(parser.in_command());
  // Headers and whole arguments are consumed, but the command is not done.
  parser.Append("*2\r\n$3\r\nGET\r\n");
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  EXPECT_TRUE(parser.in_command());
  parser.Append("$1\r\nk\r\nPI");
  EXPECT_EQ(parser.Next(args), Status::kCommand);
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  EXPECT_TRUE(parser.in_command());
  parser.Append("NG\r\n");
  EXPECT_EQ(parser.Next(args), Status::kCommand);
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  EXPECT_FALSE(parser.in_command());
}

TEST(RespParserTest, BinarySafeBulkStrings) {
  std::string value("a\r\n\0b", 5);
  std::string input = "*2\r\n$4\r\nECHO\r\n$5\r\n" + value + "\r\n";
  EXPECT_EQ(ParseAll(input), (std::vector<Args>{{"ECHO", value}}));
  EXPECT_EQ(ParseAll("*2\r\n$3\r\nGET\r\n$0\r\n\r\n"),
            (std::vector<Args>{{"GET", ""}}));
}

TEST(RespParserTest, Inline) {
  EXPECT_EQ(ParseAll("PING\r\n"), (std::vector<Args>{{"PING"}}));
  EXPECT_EQ(ParseAll("SET  key \t value\n"),
            (std::vector<Args>{{"SET", "key", "value"}}));
  EXPECT_EQ(ParseAll("ECHO \"a b\\n\\x41\" 'it\\'s'\r\n"),
            (std::vector<Args>{{"ECHO", "a b\nA", "it's"}}));
  EXPECT_EQ(ParseAll("ECHO \"\"\r\n"), (std::vector<Args>{{"ECHO", ""}}));
}

TEST(RespParserTest, BlankLinesAndEmptyMultibulksAreSkipped) {
  EXPECT_EQ(ParseAll("\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n"),
            (std::vector<Args>{{"PING"}}));
}

TEST(RespParserTest, PipelineOfMixedForms) {
  EXPECT_EQ(
      ParseAll("*1\r\n$4\r\nPING\r\nECHO x\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
      (std::vector<Args>{{"PING"}, {"ECHO", "x"}, {"GET", "k"}}));
}

TEST(RespParserTest, PartialInputWaitsAndKeepsOnlyThePartialCommand) {
  RespParser parser;
  Args args;
  parser.Append("*2\r\n$4\r\nECHO\r\n$5\r\nhel");
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  parser.Append("lo\r\n*1\r\n$4\r\nPI");
  ASSERT_EQ(parser.Next(args), Status::kCommand);
  EXPECT_EQ(args, (Args{"ECHO", "hello"}));
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  // The headers of the partial command are consumed; only "PI" is kept.
  EXPECT_EQ(parser.buffered(), 2u);
  parser.Append("NG\r\n");
  ASSERT_EQ(parser.Next(args), Status::kCommand);
  EXPECT_EQ(args, (Args{"PING"}));
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(RespParserTest, MissingBulkBytesTellsHowMuchOfAValueIsStillToCome) {
  RespParser parser;
  Args args;
  parser.Append("*2\r\n$3\r\nSET\r\n");
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  EXPECT_EQ(parser.missing_bulk_bytes(), 0u);  // the header is not here yet
  parser.Append("$1000\r\nabc");
  EXPECT_EQ(parser.Next(args), Status::kNeedMore);
  EXPECT_EQ(parser.missing_bulk_bytes(), 999u);  // 997 bytes and the CRLF
  parser.Append(std::string(997, 'x') + "\r\n");
  EXPECT_EQ(parser.missing_bulk_bytes(), 0u);
  EXPECT_EQ(parser.Next(args), Status::kCommand);
  EXPECT_EQ(args[1].size(), 1000u);
}

// Feeding a pipeline in pieces of every size gives the same commands as
// feeding it at once.
TEST(RespParserTest, AnySplitGivesTheSameCommands) {
  const std::string input =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n"
      "GET key\r\n"
      "*1\r\n$4\r\nPING\r\n"
      "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n";
  const std::vector<Args> expected = ParseAll(input);
  ASSERT_EQ(expected.size(), 4u);
  std::mt19937 random(1234);
  for (int trial = 0; trial < 500; ++trial) {
    RespParser parser;
    std::vector<Args> got;
    Args args;
    size_t at = 0;
    while (at < input.size()) {
      size_t piece = 1 + random() % 7;
      parser.Append(std::string_view(input).substr(at, piece));
      at += piece;
      Status status;
      while ((status = parser.Next(args)) == Status::kCommand) {
        got.push_back(args);
      }
      ASSERT_EQ(status, Status::kNeedMore);
    }
    EXPECT_EQ(got, expected);
  }
}

TEST(RespParserTest, CommandsBeforeAnErrorAreReturned) {
  EXPECT_EQ(ParseAll("PING\r\n*1\r\n!4\r\nPING\r\n"),
            (std::vector<Args>{
                {"PING"}, {"error: Protocol error: expected '$', got '!'"}}));
}

TEST(RespParserTest, BadTypeBytes) {
  EXPECT_EQ(ErrorOf("*1\r\n+PING\r\n"),
            "Protocol error: expected '$', got '+'");
  EXPECT_EQ(ErrorOf("*1\r\n\x01"), "Protocol error: expected '$', got '\\x01'");
  EXPECT_EQ(ErrorOf("$4\r\nPING\r\n"),
            "Protocol error: expected '*' or an inline command, got '$'");
  EXPECT_EQ(ErrorOf(":1\r\n"),
            "Protocol error: expected '*' or an inline command, got ':'");
}

TEST(RespParserTest, BadLengths) {
  EXPECT_EQ(ErrorOf("*x\r\n"), "Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf("*\r\n"), "Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf("*1 \r\n"), "Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf("*99999999999999999999\r\n"),
            "Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf("*1048577\r\n"),
            "Protocol error: invalid multibulk length");
  EXPECT_EQ(ErrorOf("*1\r\n$abc\r\n"), "Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorOf("*1\r\n$-1\r\n"), "Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorOf("*1\r\n$+4\r\n"), "Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorOf("*1\r\n$4\r\nPINGxx"),
            "Protocol error: expected CRLF after a bulk string");
}

TEST(RespParserTest, OversizedBulkIsRejectedBeforeItsBytesArrive) {
  EXPECT_EQ(ErrorOf("*2\r\n$3\r\nGET\r\n$536870913\r\n"),
            "Protocol error: invalid bulk length");
  // Exactly 512 MB is allowed: the parser just waits for it.
  EXPECT_EQ(ErrorOf("*2\r\n$3\r\nGET\r\n$536870912\r\nabc"), "no error");
}

TEST(RespParserTest, OverlongLines) {
  RespParser::Limits limits;
  limits.max_inline_length = 16;
  EXPECT_EQ(ErrorOf(std::string(17, 'a'), limits),
            "Protocol error: too big inline request");
  EXPECT_EQ(ErrorOf(std::string(17, 'a') + "\r\n", limits),
            "Protocol error: too big inline request");
  EXPECT_EQ(ErrorOf(std::string(16, 'a'), limits), "no error");
  EXPECT_EQ(ErrorOf("*" + std::string(20, '1'), limits),
            "Protocol error: too big mbulk count string");
  EXPECT_EQ(ErrorOf("*1\r\n$" + std::string(20, '1'), limits),
            "Protocol error: too big bulk count string");
}

// A 16-byte argument costs 23 bytes on the wire, and 65 in the parser: a
// std::string (32 bytes) and a heap block (17 bytes and malloc's header).
// The limit counts the latter: the command below is refused part way,
// although the whole of it is well under the limit in bytes.
TEST(RespParserTest, QueryBufferLimitCountsArgumentOverhead) {
  RespParser::Limits limits;
  limits.query_buffer_limit = 40000;
  const std::string argument = "$16\r\n" + std::string(16, 'a') + "\r\n";
  const size_t kArguments = 1000;
  ASSERT_LT(kArguments * argument.size() * 3 / 2,
            static_cast<size_t>(limits.query_buffer_limit));
  RespParser parser(limits);
  Args args;
  parser.Append(absl::StrCat("*", kArguments, "\r\n"));
  ASSERT_EQ(parser.Next(args), Status::kNeedMore);
  size_t sent = 0;
  Status status = Status::kNeedMore;
  while (status == Status::kNeedMore && sent < kArguments) {
    for (int i = 0; i < 10; ++i, ++sent) parser.Append(argument);
    status = parser.Next(args);
    if (status == Status::kNeedMore) {
      EXPECT_LE(parser.request_bytes(),
                static_cast<size_t>(limits.query_buffer_limit));
    }
  }
  ASSERT_EQ(status, Status::kError);
  EXPECT_EQ(parser.error(),
            "Protocol error: query buffer limit of 40000 bytes exceeded");
  EXPECT_LT(sent, kArguments * 2 / 3);
}

TEST(RespParserTest, QueryBufferLimitRefusesAnnouncedSizesThatCannotFit) {
  RespParser::Limits limits;
  limits.query_buffer_limit = 64 * 1024;
  // 4096 arguments need 4096 std::strings: 128 KB, even if they are
  // empty (24 KB on the wire). Refused before any of them is sent.
  EXPECT_EQ(ErrorOf("*4096\r\n", limits),
            "Protocol error: query buffer limit of 65536 bytes exceeded");
  EXPECT_EQ(ErrorOf("*2048\r\n", limits), "no error");
  EXPECT_EQ(ErrorOf("*2\r\n$3\r\nGET\r\n$70000\r\n", limits),
            "Protocol error: query buffer limit of 65536 bytes exceeded");
}

// SET k <value>: three std::strings (SET and k fit in theirs), then the value
// and its CRLF in the buffer. A limit of exactly that is enough; one byte
// less is not.
TEST(RespParserTest, CommandJustUnderTheQueryBufferLimitIsParsed) {
  const std::string value(10000, 'v');
  const std::string request =
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000\r\n" + value + "\r\n";
  RespParser::Limits limits;
  limits.query_buffer_limit = 3 * sizeof(std::string) + value.size() + 2;
  EXPECT_EQ(ParseAll(request, limits),
            (std::vector<Args>{{"SET", "k", value}}));
  // Byte by byte too: what is held never passes the limit on the way.
  RespParser parser(limits);
  Args args;
  for (size_t i = 0; i + 1 < request.size(); ++i) {
    parser.Append(std::string_view(request).substr(i, 1));
    ASSERT_EQ(parser.Next(args), Status::kNeedMore) << "at byte " << i;
    EXPECT_LE(parser.request_bytes(),
              static_cast<size_t>(limits.query_buffer_limit));
  }
  parser.Append(std::string_view(request).substr(request.size() - 1));
  ASSERT_EQ(parser.Next(args), Status::kCommand);
  EXPECT_EQ(args, (Args{"SET", "k", value}));

  --limits.query_buffer_limit;
  EXPECT_EQ(ErrorOf(request, limits),
            absl::StrCat("Protocol error: query buffer limit of ",
                         limits.query_buffer_limit, " bytes exceeded"));
}

TEST(RespParserTest, QueryBufferLimitCountsUnparsedBytes) {
  RespParser::Limits limits;
  limits.query_buffer_limit = 1000;
  // An inline command still without its newline.
  EXPECT_EQ(ErrorOf(std::string(1001, 'a'), limits),
            "Protocol error: query buffer limit of 1000 bytes exceeded");
  EXPECT_EQ(ErrorOf(std::string(1000, 'a'), limits), "no error");
  // A pipeline of complete commands is not held: it is parsed as it comes.
  std::string pipeline;
  for (int i = 0; i < 1000; ++i) pipeline += "*1\r\n$4\r\nPING\r\n";
  EXPECT_EQ(ParseAll(pipeline, limits).size(), 1000u);
}

TEST(RespParserTest, UnbalancedQuotes) {
  EXPECT_EQ(ErrorOf("ECHO \"abc\r\n"),
            "Protocol error: unbalanced quotes in request");
  EXPECT_EQ(ErrorOf("ECHO 'abc\r\n"),
            "Protocol error: unbalanced quotes in request");
  EXPECT_EQ(ErrorOf("ECHO \"abc\"def\r\n"),
            "Protocol error: unbalanced quotes in request");
}

TEST(RespParserTest, ErrorIsSticky) {
  RespParser parser;
  Args args;
  parser.Append("*1\r\n$x\r\n");
  EXPECT_EQ(parser.Next(args), Status::kError);
  parser.Append("PING\r\n");
  EXPECT_EQ(parser.Next(args), Status::kError);
}

// Random bytes never crash the parser, and it always ends in one of its
// three states.
TEST(RespParserTest, RandomInputNeverCrashes) {
  std::mt19937 random(42);
  const std::string alphabet = "*$+-:\r\n0123456789-abc \"'\\x";
  for (int trial = 0; trial < 2000; ++trial) {
    RespParser parser;
    Args args;
    std::string input;
    size_t length = random() % 64;
    for (size_t i = 0; i < length; ++i) {
      input.push_back(random() % 4 == 0 ? static_cast<char>(random())
                                        : alphabet[random() % alphabet.size()]);
    }
    parser.Append(input);
    for (int step = 0; step < 100; ++step) {
      Status status = parser.Next(args);
      if (status != Status::kCommand) break;
      EXPECT_FALSE(args.empty());
    }
  }
}

}  // namespace
}  // namespace mini_redis
