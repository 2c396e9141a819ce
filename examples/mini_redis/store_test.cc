// Store: values, conditional sets, counters, lazy expiry on a hand-moved
// clock, and concurrent increments from several threads.

#include "examples/mini_redis/store.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace mini_redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class StoreTest : public ::testing::Test {
 protected:
  // A clock that moves only when the test says so.
  Store::TimePoint now_ = Store::TimePoint(std::chrono::hours(1000));
  Store store_{[this] { return now_; }};
};

TEST_F(StoreTest, SetGetDelete) {
  EXPECT_EQ(store_.Get("k").value, std::nullopt);
  EXPECT_TRUE(store_.Set("k", "v", {}).written);
  EXPECT_EQ(store_.Get("k").value, "v");
  std::vector<std::string> keys = {"k", "k", "missing"};
  EXPECT_EQ(store_.CountExisting(keys), 2);
  EXPECT_EQ(store_.Delete(keys), 1);
  EXPECT_EQ(store_.Get("k").value, std::nullopt);
}

TEST_F(StoreTest, ConditionalSet) {
  Store::SetOptions nx;
  nx.condition = Store::SetCondition::kIfMissing;
  Store::SetOptions xx;
  xx.condition = Store::SetCondition::kIfPresent;
  EXPECT_FALSE(store_.Set("k", "a", xx).written);
  EXPECT_TRUE(store_.Set("k", "a", nx).written);
  Store::SetResult second = store_.Set("k", "b", nx);
  EXPECT_FALSE(second.written);
  EXPECT_EQ(second.previous, "a");
  EXPECT_TRUE(store_.Set("k", "c", xx).written);
  EXPECT_EQ(store_.Get("k").value, "c");
}

TEST_F(StoreTest, ExpiryIsLazyAndInvisible) {
  store_.Set("k", "v", {.expires_at = store_.DeadlineAfter(seconds(10))});
  store_.Set("forever", "v", {});
  EXPECT_EQ(store_.GetTtl("k").state, Store::TtlState::kExpires);
  EXPECT_EQ(store_.GetTtl("k").remaining, seconds(10));
  EXPECT_EQ(store_.GetTtl("forever").state, Store::TtlState::kNoExpiry);
  EXPECT_EQ(store_.GetTtl("missing").state, Store::TtlState::kMissing);

  now_ += seconds(9);
  EXPECT_EQ(store_.Get("k").value, "v");
  now_ += seconds(1);            // exactly at the deadline: gone
  EXPECT_EQ(store_.Size(), 2u);  // not yet removed...
  std::vector<std::string> keys = {"k"};
  EXPECT_EQ(store_.CountExisting(keys), 0);  // ...but never visible
  EXPECT_EQ(store_.Size(), 1u);              // and removed once touched
  EXPECT_EQ(store_.Get("k").value, std::nullopt);
  EXPECT_EQ(store_.GetTtl("k").state, Store::TtlState::kMissing);
}

TEST_F(StoreTest, KeysSkipsExpiredKeys) {
  store_.Set("user:1", "a", {});
  store_.Set("user:2", "b", {.expires_at = store_.DeadlineAfter(seconds(1))});
  store_.Set("session:1", "c", {});
  std::vector<std::string> users = store_.Keys("user:*");
  std::sort(users.begin(), users.end());
  EXPECT_EQ(users, (std::vector<std::string>{"user:1", "user:2"}));
  now_ += seconds(2);
  EXPECT_EQ(store_.Keys("user:*"), (std::vector<std::string>{"user:1"}));
  EXPECT_EQ(store_.Keys("*").size(), 2u);
  EXPECT_EQ(store_.Size(), 2u);
}

TEST_F(StoreTest, SetClearsTtlUnlessKeepTtl) {
  store_.Set("k", "v", {.expires_at = store_.DeadlineAfter(seconds(10))});
  Store::SetOptions keep_ttl;
  keep_ttl.keep_ttl = true;
  store_.Set("k", "w", keep_ttl);
  EXPECT_EQ(store_.GetTtl("k").state, Store::TtlState::kExpires);
  store_.Set("k", "x", {});
  EXPECT_EQ(store_.GetTtl("k").state, Store::TtlState::kNoExpiry);
}

TEST_F(StoreTest, ExpireConditions) {
  store_.Set("k", "v", {});
  EXPECT_FALSE(store_.Expire("missing", store_.DeadlineAfter(seconds(5))));
  EXPECT_FALSE(store_.Expire("k", store_.DeadlineAfter(seconds(5)),
                             {.if_has_expiry = true}));
  EXPECT_FALSE(
      store_.Expire("k", store_.DeadlineAfter(seconds(5)), {.if_later = true}));
  EXPECT_TRUE(store_.Expire("k", store_.DeadlineAfter(seconds(5)),
                            {.if_no_expiry = true}));
  EXPECT_FALSE(store_.Expire("k", store_.DeadlineAfter(seconds(9)),
                             {.if_no_expiry = true}));
  EXPECT_FALSE(store_.Expire("k", store_.DeadlineAfter(seconds(9)),
                             {.if_earlier = true}));
  EXPECT_TRUE(
      store_.Expire("k", store_.DeadlineAfter(seconds(9)), {.if_later = true}));
  EXPECT_EQ(store_.GetTtl("k").remaining, seconds(9));
  EXPECT_TRUE(store_.Persist("k"));
  EXPECT_FALSE(store_.Persist("k"));
  // A deadline that is not in the future deletes the key.
  EXPECT_TRUE(store_.Expire("k", now_));
  EXPECT_EQ(store_.Get("k").value, std::nullopt);
}

TEST_F(StoreTest, HugeTtlSaturates) {
  EXPECT_EQ(store_.DeadlineAfter(milliseconds::max()), Store::TimePoint::max());
  store_.Set("k", "v",
             {.expires_at = store_.DeadlineAfter(milliseconds::max())});
  now_ += std::chrono::hours(24 * 365 * 100);
  EXPECT_EQ(store_.Get("k").value, "v");
}

TEST_F(StoreTest, IncrementBy) {
  EXPECT_EQ(store_.IncrementBy("n", 1).value, 1);
  EXPECT_EQ(store_.IncrementBy("n", 41).value, 42);
  EXPECT_EQ(store_.IncrementBy("n", -50).value, -8);
  EXPECT_EQ(store_.Get("n").value, "-8");
  store_.Set("s", "abc", {});
  Store::IncrementResult bad = store_.IncrementBy("s", 1);
  EXPECT_FALSE(bad.value.has_value());
  EXPECT_EQ(bad.error, Store::IncrementError::kNotAnInteger);
  store_.Set("big", "9223372036854775807", {});
  Store::IncrementResult overflow = store_.IncrementBy("big", 1);
  EXPECT_FALSE(overflow.value.has_value());
  EXPECT_EQ(overflow.error, Store::IncrementError::kOverflow);
  EXPECT_EQ(store_.Get("big").value, "9223372036854775807");
}

TEST_F(StoreTest, IncrementKeepsTtl) {
  store_.Set("n", "1", {.expires_at = store_.DeadlineAfter(seconds(10))});
  EXPECT_EQ(store_.IncrementBy("n", 1).value, 2);
  EXPECT_EQ(store_.GetTtl("n").state, Store::TtlState::kExpires);
}

TEST_F(StoreTest, ManyKeysAtOnce) {
  store_.SetMany({{"a", "1"}, {"b", "2"}});
  std::vector<std::string> keys = {"a", "missing", "b"};
  std::vector<std::optional<std::string>> values = store_.GetMany(keys);
  EXPECT_EQ(values,
            (std::vector<std::optional<std::string>>{"1", std::nullopt, "2"}));
  store_.Clear();
  EXPECT_EQ(store_.Size(), 0u);
}

TEST_F(StoreTest, AccessCreatesReadsAndRemovesEmptied) {
  using Mode = Store::AccessMode;
  bool ran = false;
  EXPECT_TRUE(store_.Access<ListValue>("l", Mode::kRead, [&](ListValue* list) {
    ran = true;
    EXPECT_EQ(list, nullptr);
  }));
  EXPECT_TRUE(ran);
  EXPECT_EQ(store_.Size(), 0u);  // reading created nothing
  EXPECT_TRUE(store_.Access<ListValue>(
      "l", Mode::kCreate, [](ListValue* list) { list->push_back("a"); }));
  EXPECT_EQ(store_.TypeOf("l"), "list");
  // Creating and leaving it empty stores nothing, as Redis never keeps an
  // empty aggregate.
  EXPECT_TRUE(store_.Access<SetValue>("s", Mode::kCreate, [](SetValue*) {}));
  EXPECT_EQ(store_.TypeOf("s"), "none");
  EXPECT_TRUE(store_.Access<ListValue>(
      "l", Mode::kRead, [](ListValue* list) { list->pop_front(); }));
  EXPECT_EQ(store_.TypeOf("l"), "none");
  EXPECT_EQ(store_.Size(), 0u);
}

TEST_F(StoreTest, WrongTypeLeavesTheValueAlone) {
  using Mode = Store::AccessMode;
  store_.Set("str", "v", {});
  bool ran = false;
  EXPECT_FALSE(store_.Access<HashValue>("str", Mode::kCreate,
                                        [&](HashValue*) { ran = true; }));
  EXPECT_FALSE(ran);
  EXPECT_EQ(store_.Get("str").value, "v");

  store_.Access<SortedSetValue>(
      "z", Mode::kCreate, [](SortedSetValue* zset) { zset->Insert("m", 1.5); });
  EXPECT_EQ(store_.TypeOf("z"), "zset");
  Store::GetResult get = store_.Get("z");
  EXPECT_TRUE(get.wrong_type);
  EXPECT_EQ(get.value, std::nullopt);
  EXPECT_EQ(store_.IncrementBy("z", 1).error,
            Store::IncrementError::kWrongType);
  Store::SetOptions with_get;
  with_get.get_previous = true;
  EXPECT_TRUE(store_.Set("z", "x", with_get).wrong_type);
  EXPECT_EQ(store_.TypeOf("z"), "zset");
  std::vector<std::string> keys = {"z", "str"};
  EXPECT_EQ(store_.GetMany(keys),
            (std::vector<std::optional<std::string>>{std::nullopt, "v"}));
  // SET without GET replaces any type.
  EXPECT_TRUE(store_.Set("z", "x", {}).written);
  EXPECT_EQ(store_.TypeOf("z"), "string");
}

TEST_F(StoreTest, AggregatesExpireLikeStrings) {
  using Mode = Store::AccessMode;
  store_.Access<SetValue>("s", Mode::kCreate,
                          [](SetValue* set) { set->insert("a"); });
  EXPECT_TRUE(store_.Expire("s", store_.DeadlineAfter(seconds(3))));
  EXPECT_EQ(store_.GetTtl("s").state, Store::TtlState::kExpires);
  now_ += seconds(3);
  EXPECT_TRUE(store_.Access<SetValue>(
      "s", Mode::kRead, [](SetValue* set) { EXPECT_EQ(set, nullptr); }));
  EXPECT_EQ(store_.TypeOf("s"), "none");
  EXPECT_EQ(store_.Size(), 0u);
}

TEST(SortedSetValueTest, OrdersByScoreThenMember) {
  SortedSetValue zset;
  EXPECT_TRUE(zset.Insert("b", 2));
  EXPECT_TRUE(zset.Insert("a", 2));
  EXPECT_TRUE(zset.Insert("c", 1));
  EXPECT_FALSE(zset.Insert("c", 3));  // a new score, not a new member
  EXPECT_EQ(zset.size(), 3u);
  ASSERT_NE(zset.Score("c"), nullptr);
  EXPECT_EQ(*zset.Score("c"), 3);
  EXPECT_EQ(zset.PopMin(), std::make_pair(2.0, std::string("a")));
  EXPECT_EQ(zset.PopMin(), std::make_pair(2.0, std::string("b")));
  EXPECT_EQ(zset.PopMin(), std::make_pair(3.0, std::string("c")));
  EXPECT_TRUE(zset.empty());
  EXPECT_EQ(zset.Score("c"), nullptr);
}

// Concurrent INCRs lose no update (run under TSan too).
TEST(StoreConcurrencyTest, ConcurrentIncrementsAreAtomic) {
  Store store;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store] {
      for (int i = 0; i < kPerThread; ++i) store.IncrementBy("n", 1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(store.Get("n").value, std::to_string(kThreads * kPerThread));
}

}  // namespace
}  // namespace mini_redis
