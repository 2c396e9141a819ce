// The fixture of the command tests: runs one command against a Store whose
// clock the test moves by hand, and returns its RESP reply. Every expected
// reply in these tests was checked against redis-server 7.0.

#ifndef WEFT_EXAMPLES_MINI_REDIS_COMMANDS_TEST_FIXTURE_H_
#define WEFT_EXAMPLES_MINI_REDIS_COMMANDS_TEST_FIXTURE_H_

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

#include "examples/mini_redis/commands.h"
#include "examples/mini_redis/store.h"
#include "gtest/gtest.h"

namespace mini_redis {

class CommandsTestBase : public ::testing::Test {
 protected:
  std::string Run(std::initializer_list<std::string> args) {
    std::vector<std::string> command(args);
    std::string reply;
    ExecuteCommand(store_, command, reply);
    return reply;
  }

  Store::TimePoint now_ = Store::TimePoint(std::chrono::hours(1000));
  Store store_{[this] { return now_; }};
};

inline constexpr char kWrongTypeReply[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
inline constexpr char kNotIntegerReply[] =
    "-ERR value is not an integer or out of range\r\n";
inline constexpr char kMustBePositiveReply[] =
    "-ERR value is out of range, must be positive\r\n";

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_COMMANDS_TEST_FIXTURE_H_
