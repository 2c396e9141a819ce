// HSET, HGET, HGETALL, HDEL and HLEN: replies, errors, WRONGTYPE and the
// removal of an emptied hash.

#include <string>

#include "examples/mini_redis/commands_test_fixture.h"
#include "gtest/gtest.h"

namespace mini_redis {
namespace {

class HashCommandsTest : public CommandsTestBase {};

TEST_F(HashCommandsTest, SetGetDelete) {
  EXPECT_EQ(Run({"HSET", "h", "f1", "v1", "f2", "v2"}), ":2\r\n");
  EXPECT_EQ(Run({"HSET", "h", "f1", "w1", "f3", "v3"}), ":1\r\n");
  EXPECT_EQ(Run({"HGET", "h", "f1"}), "$2\r\nw1\r\n");
  EXPECT_EQ(Run({"HGET", "h", "nofield"}), "$-1\r\n");
  EXPECT_EQ(Run({"HGET", "missing", "f"}), "$-1\r\n");
  EXPECT_EQ(Run({"HLEN", "h"}), ":3\r\n");
  EXPECT_EQ(Run({"HLEN", "missing"}), ":0\r\n");
  EXPECT_EQ(Run({"TYPE", "h"}), "+hash\r\n");
  EXPECT_EQ(Run({"HDEL", "h", "f1", "f2", "nofield"}), ":2\r\n");
  EXPECT_EQ(Run({"HDEL", "missing", "f"}), ":0\r\n");
  EXPECT_EQ(Run({"HGETALL", "h"}), "*2\r\n$2\r\nf3\r\n$2\r\nv3\r\n");
  EXPECT_EQ(Run({"HGETALL", "missing"}), "*0\r\n");
  EXPECT_EQ(Run({"HDEL", "h", "f3"}), ":1\r\n");
  EXPECT_EQ(Run({"EXISTS", "h"}), ":0\r\n");
}

TEST_F(HashCommandsTest, HGetAllHasEveryPair) {
  Run({"HSET", "h", "a", "1", "b", "2"});
  std::string all = Run({"HGETALL", "h"});
  EXPECT_TRUE(all == "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n" ||
              all == "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n")
      << all;
}

TEST_F(HashCommandsTest, ArityAndWrongType) {
  EXPECT_EQ(Run({"HSET", "h", "f"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(Run({"HSET", "h", "f", "v", "g"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(Run({"HGET", "h"}),
            "-ERR wrong number of arguments for 'hget' command\r\n");
  EXPECT_EQ(Run({"HGETALL"}),
            "-ERR wrong number of arguments for 'hgetall' command\r\n");
  EXPECT_EQ(Run({"HDEL", "h"}),
            "-ERR wrong number of arguments for 'hdel' command\r\n");
  EXPECT_EQ(Run({"HLEN", "h", "x"}),
            "-ERR wrong number of arguments for 'hlen' command\r\n");
  EXPECT_EQ(Run({"EXISTS", "h"}), ":0\r\n");
  Run({"SADD", "s", "a"});
  EXPECT_EQ(Run({"HSET", "s", "f", "v"}), kWrongTypeReply);
  EXPECT_EQ(Run({"HGET", "s", "f"}), kWrongTypeReply);
  EXPECT_EQ(Run({"HGETALL", "s"}), kWrongTypeReply);
  EXPECT_EQ(Run({"HDEL", "s", "f"}), kWrongTypeReply);
  EXPECT_EQ(Run({"HLEN", "s"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SCARD", "s"}), ":1\r\n");
}

TEST_F(HashCommandsTest, ExpiryAndPersist) {
  Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(Run({"EXPIRE", "h", "5"}), ":1\r\n");
  EXPECT_EQ(Run({"PERSIST", "h"}), ":1\r\n");
  EXPECT_EQ(Run({"TTL", "h"}), ":-1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "h", "5"}), ":1\r\n");
  now_ += std::chrono::seconds(5);
  EXPECT_EQ(Run({"HGET", "h", "f"}), "$-1\r\n");
  EXPECT_EQ(Run({"KEYS", "*"}), "*0\r\n");
}

}  // namespace
}  // namespace mini_redis
