// ZADD, ZPOPMIN, ZRANGE, ZCARD and ZSCORE: replies (scores written as Redis
// 7.0 writes them), errors, WRONGTYPE and the removal of an emptied sorted
// set.

#include "examples/mini_redis/commands_test_fixture.h"
#include "gtest/gtest.h"

namespace mini_redis {
namespace {

class SortedSetCommandsTest : public CommandsTestBase {};

TEST_F(SortedSetCommandsTest, AddScoreAndRange) {
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "2", "b", "1.5", "c"}), ":3\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "3", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "inf", "i", "-inf", "j"}), ":2\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "c"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), "$1\r\n3\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "i"}), "$3\r\ninf\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "nomember"}), "$-1\r\n");
  EXPECT_EQ(Run({"ZSCORE", "missing", "a"}), "$-1\r\n");
  EXPECT_EQ(Run({"ZCARD", "z"}), ":5\r\n");
  EXPECT_EQ(Run({"ZCARD", "missing"}), ":0\r\n");
  EXPECT_EQ(Run({"TYPE", "z"}), "+zset\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1"}),
            "*5\r\n$1\r\nj\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\ni\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "1", "2", "WITHSCORES"}),
            "*4\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "1", "rev"}),
            "*2\r\n$1\r\ni\r\n$1\r\na\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "-1", "-1", "withscores", "REV"}),
            "*2\r\n$1\r\nj\r\n$4\r\n-inf\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "10", "20"}), "*0\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "-100", "0"}), "*1\r\n$1\r\nj\r\n");
  EXPECT_EQ(Run({"ZRANGE", "missing", "0", "-1"}), "*0\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "x", "1"}), kNotIntegerReply);
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1", "BOGUS"}), "-ERR syntax error\r\n");
}

TEST_F(SortedSetCommandsTest, ScoresAreWrittenAsRedis70) {
  Run({"ZADD", "z", "1.1", "a", "0x10", "b", "1.5e1", "c"});
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), "$18\r\n1.1000000000000001\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "b"}), "$2\r\n16\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "c"}), "$2\r\n15\r\n");
}

TEST_F(SortedSetCommandsTest, BadScoresAndPairs) {
  constexpr char kNotAFloat[] = "-ERR value is not a valid float\r\n";
  EXPECT_EQ(Run({"ZADD", "z", "x", "a"}), kNotAFloat);
  EXPECT_EQ(Run({"ZADD", "z", "nan", "a"}), kNotAFloat);
  EXPECT_EQ(Run({"ZADD", "z", "", "a"}), kNotAFloat);
  EXPECT_EQ(Run({"ZADD", "z", " 1", "a"}), kNotAFloat);
  EXPECT_EQ(Run({"ZADD", "z", "1 ", "a"}), kNotAFloat);
  EXPECT_EQ(Run({"ZADD", "z", "1e400", "a"}), kNotAFloat);
  // A bad score anywhere adds nothing.
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "x", "b"}), kNotAFloat);
  EXPECT_EQ(Run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"ZADD", "z", "1"}),
            "-ERR wrong number of arguments for 'zadd' command\r\n");
}

TEST_F(SortedSetCommandsTest, PopMin) {
  Run({"ZADD", "z", "3", "c", "1", "a", "2", "b", "2", "bb"});
  EXPECT_EQ(Run({"ZPOPMIN", "z"}), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z", "2"}),
            "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nbb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z", "x"}), kMustBePositiveReply);
  EXPECT_EQ(Run({"ZPOPMIN", "z", "-1"}), kMustBePositiveReply);
  EXPECT_EQ(Run({"ZPOPMIN", "z", "1", "2"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z", "10"}), "*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  EXPECT_EQ(Run({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "missing"}), "*0\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "missing", "3"}), "*0\r\n");
}

TEST_F(SortedSetCommandsTest, ArityAndWrongType) {
  EXPECT_EQ(Run({"ZPOPMIN"}),
            "-ERR wrong number of arguments for 'zpopmin' command\r\n");
  EXPECT_EQ(Run({"ZRANGE", "z", "0"}),
            "-ERR wrong number of arguments for 'zrange' command\r\n");
  EXPECT_EQ(Run({"ZCARD"}),
            "-ERR wrong number of arguments for 'zcard' command\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z"}),
            "-ERR wrong number of arguments for 'zscore' command\r\n");
  Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(Run({"ZADD", "h", "1", "a"}), kWrongTypeReply);
  EXPECT_EQ(Run({"ZPOPMIN", "h"}), kWrongTypeReply);
  EXPECT_EQ(Run({"ZRANGE", "h", "0", "-1"}), kWrongTypeReply);
  EXPECT_EQ(Run({"ZCARD", "h"}), kWrongTypeReply);
  EXPECT_EQ(Run({"ZSCORE", "h", "a"}), kWrongTypeReply);
  EXPECT_EQ(Run({"HLEN", "h"}), ":1\r\n");
}

TEST_F(SortedSetCommandsTest, MSetReplacesAndDelRemoves) {
  Run({"ZADD", "z", "1", "a"});
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(Run({"MSET", "z", "x", "l", "y"}), "+OK\r\n");
  EXPECT_EQ(Run({"TYPE", "z"}), "+string\r\n");
  EXPECT_EQ(Run({"MGET", "z", "l"}), "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
  Run({"ZADD", "z2", "1", "a"});
  EXPECT_EQ(Run({"DEL", "z2", "z"}), ":2\r\n");
  EXPECT_EQ(Run({"TYPE", "z2"}), "+none\r\n");
}

}  // namespace
}  // namespace mini_redis
