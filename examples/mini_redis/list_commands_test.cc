// LPUSH, RPUSH, LPOP, RPOP, LRANGE and LLEN: replies, errors, WRONGTYPE and
// the removal of an emptied list.

#include "examples/mini_redis/commands_test_fixture.h"
#include "gtest/gtest.h"

namespace mini_redis {
namespace {

class ListCommandsTest : public CommandsTestBase {};

TEST_F(ListCommandsTest, PushAndRange) {
  EXPECT_EQ(Run({"RPUSH", "l", "a", "b", "c", "d", "e"}), ":5\r\n");
  EXPECT_EQ(Run({"LPUSH", "l", "z", "y"}), ":7\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "0", "2"}),
            "*3\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\na\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "-2", "-1"}), "*2\r\n$1\r\nd\r\n$1\r\ne\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "-100", "1"}), "*2\r\n$1\r\ny\r\n$1\r\nz\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "5", "100"}), "*2\r\n$1\r\nd\r\n$1\r\ne\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "5", "2"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "7", "10"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "-1", "-2"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "missing", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "x", "1"}), kNotIntegerReply);
  EXPECT_EQ(Run({"LRANGE", "l", "0", "1.5"}), kNotIntegerReply);
  EXPECT_EQ(Run({"LLEN", "l"}), ":7\r\n");
  EXPECT_EQ(Run({"LLEN", "missing"}), ":0\r\n");
  EXPECT_EQ(Run({"TYPE", "l"}), "+list\r\n");
}

TEST_F(ListCommandsTest, Pop) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(Run({"LPOP", "l"}), "$1\r\na\r\n");
  EXPECT_EQ(Run({"RPOP", "l"}), "$1\r\ne\r\n");
  EXPECT_EQ(Run({"LPOP", "l", "2"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(Run({"RPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"LPOP", "l", "x"}), kMustBePositiveReply);
  EXPECT_EQ(Run({"RPOP", "l", "-1"}), kMustBePositiveReply);
  EXPECT_EQ(Run({"LPOP", "missing"}), "$-1\r\n");
  EXPECT_EQ(Run({"LPOP", "missing", "2"}), "*-1\r\n");
  EXPECT_EQ(Run({"RPOP", "missing", "0"}), "*-1\r\n");
  // More than there is: what there is, and the emptied list disappears.
  EXPECT_EQ(Run({"RPOP", "l", "10"}), "*1\r\n$1\r\nd\r\n");
  EXPECT_EQ(Run({"EXISTS", "l"}), ":0\r\n");
  EXPECT_EQ(Run({"TYPE", "l"}), "+none\r\n");
  Run({"RPUSH", "one", "x"});
  EXPECT_EQ(Run({"RPOP", "one"}), "$1\r\nx\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
}

TEST_F(ListCommandsTest, Arity) {
  EXPECT_EQ(Run({"LPUSH", "l"}),
            "-ERR wrong number of arguments for 'lpush' command\r\n");
  EXPECT_EQ(Run({"RPUSH", "l"}),
            "-ERR wrong number of arguments for 'rpush' command\r\n");
  EXPECT_EQ(Run({"LPOP"}),
            "-ERR wrong number of arguments for 'lpop' command\r\n");
  EXPECT_EQ(Run({"RPOP", "l", "1", "2"}),
            "-ERR wrong number of arguments for 'rpop' command\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "0"}),
            "-ERR wrong number of arguments for 'lrange' command\r\n");
  EXPECT_EQ(Run({"LLEN", "l", "x"}),
            "-ERR wrong number of arguments for 'llen' command\r\n");
}

TEST_F(ListCommandsTest, WrongType) {
  Run({"SET", "s", "v"});
  EXPECT_EQ(Run({"LPUSH", "s", "a"}), kWrongTypeReply);
  EXPECT_EQ(Run({"RPUSH", "s", "a"}), kWrongTypeReply);
  EXPECT_EQ(Run({"LPOP", "s"}), kWrongTypeReply);
  EXPECT_EQ(Run({"RPOP", "s", "1"}), kWrongTypeReply);
  EXPECT_EQ(Run({"LRANGE", "s", "0", "-1"}), kWrongTypeReply);
  EXPECT_EQ(Run({"LLEN", "s"}), kWrongTypeReply);
  EXPECT_EQ(Run({"GET", "s"}), "$1\r\nv\r\n");

  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(Run({"GET", "l"}), kWrongTypeReply);
  EXPECT_EQ(Run({"INCR", "l"}), kWrongTypeReply);
  EXPECT_EQ(Run({"SET", "l", "v", "GET"}), kWrongTypeReply);
  EXPECT_EQ(Run({"LLEN", "l"}), ":1\r\n");
  EXPECT_EQ(Run({"MGET", "s", "l"}), "*2\r\n$1\r\nv\r\n$-1\r\n");
  // SET without GET replaces a value of any type.
  EXPECT_EQ(Run({"SET", "l", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"TYPE", "l"}), "+string\r\n");
}

TEST_F(ListCommandsTest, ExpiryAndDelete) {
  Run({"RPUSH", "l", "a", "b"});
  EXPECT_EQ(Run({"EXPIRE", "l", "10"}), ":1\r\n");
  EXPECT_EQ(Run({"TTL", "l"}), ":10\r\n");
  // Pushing keeps the deadline.
  Run({"RPUSH", "l", "c"});
  EXPECT_EQ(Run({"TTL", "l"}), ":10\r\n");
  now_ += std::chrono::seconds(10);
  EXPECT_EQ(Run({"LLEN", "l"}), ":0\r\n");
  EXPECT_EQ(Run({"TTL", "l"}), ":-2\r\n");
  // An expired list is gone: a push starts a new one, without expiry.
  EXPECT_EQ(Run({"LPUSH", "l", "x"}), ":1\r\n");
  EXPECT_EQ(Run({"TTL", "l"}), ":-1\r\n");
  EXPECT_EQ(Run({"DEL", "l"}), ":1\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), "*0\r\n");
}

}  // namespace
}  // namespace mini_redis
