// ParseInteger accepts exactly what Redis's string2ll accepts.

#include "examples/mini_redis/integer.h"

#include <cstdint>
#include <limits>
#include <optional>

#include "gtest/gtest.h"

namespace mini_redis {
namespace {

TEST(ParseIntegerTest, AcceptsCanonicalDecimals) {
  EXPECT_EQ(ParseInteger("0"), 0);
  EXPECT_EQ(ParseInteger("7"), 7);
  EXPECT_EQ(ParseInteger("-42"), -42);
  EXPECT_EQ(ParseInteger("9223372036854775807"),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseInteger("-9223372036854775808"),
            std::numeric_limits<int64_t>::min());
}

TEST(ParseIntegerTest, RejectsNonCanonicalSpellings) {
  for (const char* text : {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1.0",
                           "1e3", "abc", "12a", "0x10", "\xff"}) {
    EXPECT_EQ(ParseInteger(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(ParseIntegerTest, RejectsOverflow) {
  EXPECT_EQ(ParseInteger("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseInteger("-9223372036854775809"), std::nullopt);
  EXPECT_EQ(ParseInteger("99999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseInteger("123456789012345678901"), std::nullopt);
}

}  // namespace
}  // namespace mini_redis
