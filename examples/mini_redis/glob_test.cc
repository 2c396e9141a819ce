// GlobMatch follows Redis's KEYS pattern language, in bounded time.

#include "examples/mini_redis/glob.h"

#include <string>

#include "gtest/gtest.h"

namespace mini_redis {
namespace {

TEST(GlobMatchTest, Literals) {
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_TRUE(GlobMatch("abc", "abc"));
  EXPECT_FALSE(GlobMatch("abc", "abd"));
  EXPECT_FALSE(GlobMatch("abc", "ab"));
  EXPECT_FALSE(GlobMatch("ab", "abc"));
}

TEST(GlobMatchTest, Star) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("user:*", "user:42"));
  EXPECT_FALSE(GlobMatch("user:*", "session:42"));
  EXPECT_TRUE(GlobMatch("*:42", "user:42"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(GlobMatch("a*b*c", "abc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXcYYb"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
  EXPECT_TRUE(GlobMatch("*a", "aaa"));
}

TEST(GlobMatchTest, QuestionMark) {
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h?llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
}

TEST(GlobMatchTest, Classes) {
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h[b-a]llo", "hallo"));  // reversed range
  EXPECT_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(GlobMatch("[a-]", "-"));    // '-' before ']' is literal
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));   // escaped ']'
  EXPECT_TRUE(GlobMatch("x[abc", "xb"));  // unterminated class
}

TEST(GlobMatchTest, Escapes) {
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "aXb"));
  EXPECT_TRUE(GlobMatch("a\\?", "a?"));
  EXPECT_TRUE(GlobMatch("a\\", "a\\"));  // a trailing backslash is itself
}

TEST(GlobMatchTest, PathologicalPatternIsFast) {
  // Exponential for a naive recursive matcher; quadratic here.
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "a*";
  pattern += "b";
  EXPECT_FALSE(GlobMatch(pattern, text));
}

}  // namespace
}  // namespace mini_redis
