// Every command's replies and errors, byte for byte, without sockets; time
// is moved by hand through the Store's clock.

#include "examples/mini_redis/commands.h"

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

#include "examples/mini_redis/store.h"
#include "gtest/gtest.h"

namespace mini_redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class CommandsTest : public ::testing::Test {
 protected:
  // The RESP reply to one command.
  std::string Run(std::initializer_list<std::string> args) {
    std::vector<std::string> command(args);
    std::string reply;
    last_after_ = ExecuteCommand(store_, command, reply);
    return reply;
  }

  Store::TimePoint now_ = Store::TimePoint(std::chrono::hours(1000));
  Store store_{[this] { return now_; }};
  AfterReply last_after_ = AfterReply::kKeepOpen;
};

TEST_F(CommandsTest, PingAndEcho) {
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(Run({"ping", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(Run({"PING", "a", "b"}),
            "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(Run({"EcHo", "hello world"}), "$11\r\nhello world\r\n");
  EXPECT_EQ(Run({"ECHO"}),
            "-ERR wrong number of arguments for 'echo' command\r\n");
}

TEST_F(CommandsTest, GetSet) {
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(Run({"SET", "k"}),
            "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(Run({"GET", "k", "x"}),
            "-ERR wrong number of arguments for 'get' command\r\n");
}

TEST_F(CommandsTest, SetOptions) {
  EXPECT_EQ(Run({"SET", "k", "1", "XX"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "1", "nx"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k", "2", "NX"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "3", "XX", "GET"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"SET", "new", "3", "GET"}), "$-1\r\n");
  EXPECT_EQ(Run({"GET", "new"}), "$1\r\n3\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "1", "PX", "1"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "EX", "1"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "abc"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "-5"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854775807"}),
            "-ERR invalid expire time in 'set' command\r\n");
}

TEST_F(CommandsTest, SetWithExpiry) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10"}), "+OK\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":10\r\n");
  EXPECT_EQ(Run({"PTTL", "k"}), ":10000\r\n");
  now_ += milliseconds(9400);
  EXPECT_EQ(Run({"TTL", "k"}), ":1\r\n");  // 600 ms rounds to 1 s
  EXPECT_EQ(Run({"SET", "k", "w", "KEEPTTL"}), "+OK\r\n");
  EXPECT_EQ(Run({"PTTL", "k"}), ":600\r\n");
  now_ += milliseconds(600);
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":-2\r\n");

  EXPECT_EQ(Run({"SET", "p", "v", "px", "1500"}), "+OK\r\n");
  EXPECT_EQ(Run({"PTTL", "p"}), ":1500\r\n");
  EXPECT_EQ(Run({"SET", "p", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"TTL", "p"}), ":-1\r\n");
}

TEST_F(CommandsTest, DelExists) {
  Run({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"EXISTS", "a", "b", "a", "c"}), ":3\r\n");
  EXPECT_EQ(Run({"DEL", "a", "c", "a"}), ":1\r\n");
  EXPECT_EQ(Run({"EXISTS", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"DEL"}),
            "-ERR wrong number of arguments for 'del' command\r\n");
  EXPECT_EQ(Run({"TYPE", "b"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "a"}), "+none\r\n");
}

TEST_F(CommandsTest, Counters) {
  EXPECT_EQ(Run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(Run({"INCR", "n"}), ":2\r\n");
  EXPECT_EQ(Run({"INCR", "n"}), ":3\r\n");
  EXPECT_EQ(Run({"DECR", "n"}), ":2\r\n");
  EXPECT_EQ(Run({"INCRBY", "n", "40"}), ":42\r\n");
  EXPECT_EQ(Run({"DECRBY", "n", "50"}), ":-8\r\n");
  EXPECT_EQ(Run({"DECR", "fresh"}), ":-1\r\n");
  EXPECT_EQ(Run({"GET", "n"}), "$2\r\n-8\r\n");

  const std::string not_integer =
      "-ERR value is not an integer or out of range\r\n";
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Run({"INCR", "s"}), not_integer);
  EXPECT_EQ(Run({"DECR", "s"}), not_integer);
  Run({"SET", "s", " 1"});
  EXPECT_EQ(Run({"INCR", "s"}), not_integer);
  EXPECT_EQ(Run({"INCRBY", "n", "x"}), not_integer);

  Run({"SET", "max", "9223372036854775807"});
  EXPECT_EQ(Run({"INCR", "max"}),
            "-ERR increment or decrement would overflow\r\n");
  Run({"SET", "min", "-9223372036854775808"});
  EXPECT_EQ(Run({"DECR", "min"}),
            "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Run({"DECRBY", "n", "-9223372036854775808"}),
            "-ERR decrement would overflow\r\n");
}

TEST_F(CommandsTest, MGetMSet) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "22"}), "+OK\r\n");
  EXPECT_EQ(Run({"MGET", "a", "missing", "b"}),
            "*3\r\n$1\r\n1\r\n$-1\r\n$2\r\n22\r\n");
  EXPECT_EQ(Run({"MSET", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(Run({"MSET", "a"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
}

TEST_F(CommandsTest, ExpireTtl) {
  EXPECT_EQ(Run({"EXPIRE", "k", "10"}), ":0\r\n");
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(Run({"TTL", "missing"}), ":-2\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "10"}), ":1\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":10\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "5", "GT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "5", "LT"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "NX"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "XX"}), ":1\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "k", "2500"}), ":1\r\n");
  EXPECT_EQ(Run({"PTTL", "k"}), ":2500\r\n");
  EXPECT_EQ(Run({"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "-1"}), ":1\r\n");  // deletes
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");

  EXPECT_EQ(Run({"EXPIRE", "k", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "1", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not "
            "compatible\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "1", "GT", "LT"}),
            "-ERR GT and LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "1", "SOON"}),
            "-ERR Unsupported option SOON\r\n");
}

TEST_F(CommandsTest, ExpireAt) {
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_EQ(Run({"PEXPIREAT", "k", std::to_string(now_ms + 60000)}), ":0\r\n");
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"PEXPIREAT", "k", std::to_string(now_ms + 60000)}), ":1\r\n");
  // The wall clock moves on while the test runs; the store's does not.
  std::string pttl = Run({"PTTL", "k"});
  int64_t left = std::stoll(pttl.substr(1));
  EXPECT_LE(left, 60000);
  EXPECT_GT(left, 50000);
  EXPECT_EQ(Run({"EXPIREAT", "k", std::to_string(now_ms / 1000 + 3600), "LT"}),
            ":0\r\n");
  EXPECT_EQ(Run({"EXPIREAT", "k", std::to_string(now_ms / 1000 + 30), "LT"}),
            ":1\r\n");
  std::string ttl = Run({"TTL", "k"});
  EXPECT_TRUE(ttl == ":29\r\n" || ttl == ":30\r\n") << ttl;
  // A time in the past deletes the key.
  EXPECT_EQ(Run({"PEXPIREAT", "k", "1"}), ":1\r\n");
  EXPECT_EQ(Run({"EXISTS", "k"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIREAT", "k", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"EXPIREAT", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'expireat' command\r\n");
}

TEST_F(CommandsTest, ConnectionCommandsAreLeftToTheConnection) {
  for (std::initializer_list<std::string> command :
       {std::initializer_list<std::string>{"PUBLISH", "ch", "m"},
        {"save"},
        {"SUBSCRIBE", "a", "b"},
        {"PSUBSCRIBE", "a*"},
        {"UNSUBSCRIBE"},
        {"PUNSUBSCRIBE", "x"},
        {"RESET"}}) {
    EXPECT_EQ(Run(command), "") << *command.begin();
    EXPECT_EQ(last_after_, AfterReply::kConnection) << *command.begin();
    EXPECT_TRUE(IsValidCommand(std::vector<std::string>(command)));
  }
  // Their arity is checked like any command's.
  EXPECT_EQ(Run({"PUBLISH", "ch"}),
            "-ERR wrong number of arguments for 'publish' command\r\n");
  EXPECT_EQ(Run({"SUBSCRIBE"}),
            "-ERR wrong number of arguments for 'subscribe' command\r\n");
  EXPECT_EQ(Run({"SAVE", "x"}),
            "-ERR wrong number of arguments for 'save' command\r\n");
  EXPECT_EQ(last_after_, AfterReply::kKeepOpen);
  EXPECT_FALSE(IsValidCommand(std::vector<std::string>{"SAVE", "x"}));
  EXPECT_FALSE(IsValidCommand(std::vector<std::string>{"NOSUCH"}));
  EXPECT_TRUE(IsValidCommand(std::vector<std::string>{"get", "k"}));
}

TEST_F(CommandsTest, ExpiredKeysDisappearEverywhere) {
  Run({"SET", "gone", "v", "EX", "1"});
  Run({"SET", "kept", "v"});
  now_ += seconds(1);
  EXPECT_EQ(Run({"GET", "gone"}), "$-1\r\n");
  EXPECT_EQ(Run({"EXISTS", "gone", "kept"}), ":1\r\n");
  EXPECT_EQ(Run({"KEYS", "*"}), "*1\r\n$4\r\nkept\r\n");
  EXPECT_EQ(Run({"INCR", "gone"}), ":1\r\n");  // starts again from 0
  EXPECT_EQ(Run({"TTL", "gone"}), ":-1\r\n");
}

TEST_F(CommandsTest, KeysAndFlushAll) {
  Run({"MSET", "user:1", "a", "user:2", "b", "other", "c"});
  std::string reply = Run({"KEYS", "user:?"});
  EXPECT_TRUE(reply == "*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n" ||
              reply == "*2\r\n$6\r\nuser:2\r\n$6\r\nuser:1\r\n")
      << reply;
  EXPECT_EQ(Run({"KEYS", "o[a-z]her"}), "*1\r\n$5\r\nother\r\n");
  EXPECT_EQ(Run({"KEYS", "nothing*"}), "*0\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":3\r\n");
  EXPECT_EQ(Run({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(Run({"FLUSHALL", "ASYNC"}), "+OK\r\n");
  EXPECT_EQ(Run({"FLUSHALL", "LATER"}), "-ERR syntax error\r\n");
}

TEST_F(CommandsTest, UnknownCommandsQuoteTheirArguments) {
  EXPECT_EQ(Run({"FOO"}),
            "-ERR unknown command 'FOO', with args beginning with: \r\n");
  EXPECT_EQ(Run({"foo", "a", "b c"}),
            "-ERR unknown command 'foo', with args beginning with: 'a' 'b c' "
            "\r\n");
  // Line breaks in the input cannot break the reply's framing.
  EXPECT_EQ(Run({"x\r\ny", "1\n"}),
            "-ERR unknown command 'x  y', with args beginning with: '1 ' \r\n");
  // Long names and arguments are cut at 128 bytes.
  std::string reply = Run({std::string(1000, 'n'), std::string(1000, 'a')});
  EXPECT_EQ(reply, "-ERR unknown command '" + std::string(128, 'n') +
                       "', with args beginning with: '" +
                       std::string(128, 'a') + "' \r\n");
  EXPECT_EQ(Run({""}),
            "-ERR unknown command '', with args beginning with: \r\n");
}

TEST_F(CommandsTest, ClientIntrospection) {
  EXPECT_EQ(Run({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "appendonly"}),
            "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(Run({"config", "get", "SAVE", "append*"}),
            "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory"}), "*0\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET"}),
            "-ERR wrong number of arguments for 'config|get' command\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "save", ""}),
            "-ERR unknown subcommand 'SET'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(Run({"COMMAND"}), "*0\r\n");
  EXPECT_EQ(Run({"COMMAND", "DOCS"}), "*0\r\n");
  EXPECT_EQ(Run({"COMMAND", "INFO", "get"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(Run({"COMMAND", "NOPE"}),
            "-ERR unknown subcommand 'NOPE'. Try COMMAND HELP.\r\n");
  EXPECT_EQ(Run({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(Run({"SELECT", "1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"INFO"}).substr(0, 1), "$");
}

TEST_F(CommandsTest, QuitClosesAfterReplying) {
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(last_after_, AfterReply::kKeepOpen);
  EXPECT_EQ(Run({"QUIT"}), "+OK\r\n");
  EXPECT_EQ(last_after_, AfterReply::kClose);
}

}  // namespace
}  // namespace mini_redis
