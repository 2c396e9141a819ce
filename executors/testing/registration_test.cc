// The backend registers itself as its row of executors/backends.bzl says:
// under the row's name, with the row's preference, and it is the only one
// linked into the test.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "executors/testing/reactor_fixture.h"
#include "gtest/gtest.h"
#include "runtime/executor.h"
#include "runtime/known_executors.h"

namespace weft::reactor_testing {
namespace {

std::string Expected(const char* variable) {
  const char* value = std::getenv(variable);
  return value != nullptr ? value : "";
}

TEST_F(ReactorTest, RegisteredAsItsTableRowSays) {
  const std::string name = Expected("WEFT_EXPECTED_BACKEND");
  const std::string preference = Expected("WEFT_EXPECTED_PREFERENCE");
  ASSERT_FALSE(name.empty()) << "run through reactor_conformance_test, which "
                                "passes the backend's row";
  std::vector<ExecutorRegistration> linked = LinkedExecutors();
  ASSERT_EQ(linked.size(), 1u);
  EXPECT_EQ(linked[0].name, name);
  EXPECT_EQ(std::to_string(linked[0].preference), preference);
  EXPECT_EQ(executor_->name(), name);
  const std::vector<std::string>& known = KnownExecutorNames();
  EXPECT_NE(std::find(known.begin(), known.end(), name), known.end());
}

}  // namespace
}  // namespace weft::reactor_testing
