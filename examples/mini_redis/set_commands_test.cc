// SADD, SREM, SPOP, SCARD, SISMEMBER and SMEMBERS: replies, errors,
// WRONGTYPE and the removal of an emptied set.

#include <algorithm>
#include <string>

#include "examples/mini_redis/commands_test_fixture.h"
#include "gtest/gtest.h"

namespace mini_redis {
namespace {

class SetCommandsTest : public CommandsTestBase {};

TEST_F(SetCommandsTest, AddRemoveAndQuery) {
  EXPECT_EQ(Run({"SADD", "s", "a", "b", "c", "a"}), ":3\r\n");
  EXPECT_EQ(Run({"SADD", "s", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"SCARD", "s"}), ":3\r\n");
  EXPECT_EQ(Run({"SISMEMBER", "s", "a"}), ":1\r\n");
  EXPECT_EQ(Run({"SISMEMBER", "s", "q"}), ":0\r\n");
  EXPECT_EQ(Run({"SISMEMBER", "missing", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"SREM", "s", "a", "q"}), ":1\r\n");
  EXPECT_EQ(Run({"SREM", "missing", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"TYPE", "s"}), "+set\r\n");
  std::string members = Run({"SMEMBERS", "s"});
  EXPECT_TRUE(members == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n" ||
              members == "*2\r\n$1\r\nc\r\n$1\r\nb\r\n")
      << members;
  EXPECT_EQ(Run({"SMEMBERS", "missing"}), "*0\r\n");
  EXPECT_EQ(Run({"SCARD", "missing"}), ":0\r\n");
  EXPECT_EQ(Run({"SREM", "s", "b", "c"}), ":2\r\n");
  EXPECT_EQ(Run({"EXISTS", "s"}), ":0\r\n");
}

TEST_F(SetCommandsTest, Pop) {
  Run({"SADD", "s", "a", "b", "c"});
  std::string one = Run({"SPOP", "s"});
  EXPECT_TRUE(one == "$1\r\na\r\n" || one == "$1\r\nb\r\n" ||
              one == "$1\r\nc\r\n")
      << one;
  EXPECT_EQ(Run({"SISMEMBER", "s", one.substr(4, 1)}), ":0\r\n");
  EXPECT_EQ(Run({"SPOP", "s", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"SPOP", "s", "x"}), kMustBePositiveReply);
  EXPECT_EQ(Run({"SPOP", "s", "-1"}), kMustBePositiveReply);
  EXPECT_EQ(Run({"SPOP", "s", "1", "2"}), "-ERR syntax error\r\n");
  std::string rest = Run({"SPOP", "s", "10"});
  EXPECT_EQ(rest.substr(0, 4), "*2\r\n") << rest;
  EXPECT_EQ(Run({"EXISTS", "s"}), ":0\r\n");
  EXPECT_EQ(Run({"SPOP", "missing"}), "$-1\r\n");
  EXPECT_EQ(Run({"SPOP", "missing", "2"}), "*0\r\n");
}

TEST_F(SetCommandsTest, ArityAndWrongType) {
  EXPECT_EQ(Run({"SADD", "s"}),
            "-ERR wrong number of arguments for 'sadd' command\r\n");
  EXPECT_EQ(Run({"SREM", "s"}),
            "-ERR wrong number of arguments for 'srem' command\r\n");
  EXPECT_EQ(Run({"SPOP"}),
            "-ERR wrong number of arguments for 'spop' command\r\n");
  EXPECT_EQ(Run({"SCARD"}),
            "-ERR wrong number of arguments for 'scard' command\r\n");
  EXPECT_EQ(Run({"SISMEMBER", "s"}),
            "-ERR wrong number of arguments for 'sismember' command\r\n");
  EXPECT_EQ(Run({"SMEMBERS", "s", "t"}),
            "-ERR wrong number of arguments for 'smembers' command\r\n");
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(Run({"SADD", "l", "a"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SREM", "l", "a"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SPOP", "l"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SPOP", "l", "1"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SCARD", "l"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SISMEMBER", "l", "a"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SMEMBERS", "l"}), kWrongTypeReply);
  EXPECT_EQ(Run({"LLEN", "l"}), ":1\r\n");
}

TEST_F(SetCommandsTest, Expiry) {
  Run({"SADD", "s", "a"});
  EXPECT_EQ(Run({"PEXPIRE", "s", "1500"}), ":1\r\n");
  EXPECT_EQ(Run({"PTTL", "s"}), ":1500\r\n");
  now_ += std::chrono::milliseconds(1500);
  EXPECT_EQ(Run({"SISMEMBER", "s", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"EXISTS", "s"}), ":0\r\n");
}

}  // namespace
}  // namespace mini_redis
