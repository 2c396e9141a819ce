// Every uv reactor test ends by destroying its reactor, whose uv_loop_close
// must then succeed: a handle or request left open is a leak that nothing
// else shows. Linked (alwayslink) into the uv backend's test binaries, the
// conformance suite's and its own, this adds that check to every
// ReactorTest there.

#include <cstdint>

#include "executors/testing/reactor_fixture.h"
#include "executors/uv/uv_poller.h"
#include "gtest/gtest.h"

namespace weft::uv {
namespace {

class LoopCloseCheck : public reactor_testing::ReactorTestHook {
 public:
  void BeforeTest() override { busy_before_ = UvPoller::BusyLoopCloses(); }

  void AfterTest() override {
    EXPECT_EQ(UvPoller::BusyLoopCloses(), busy_before_)
        << "uv_loop_close failed: a handle or request was left open";
  }

 private:
  int64_t busy_before_ = 0;
};

[[maybe_unused]] const bool kRegistered =
    reactor_testing::RegisterReactorTestHook(new LoopCloseCheck);

}  // namespace
}  // namespace weft::uv
