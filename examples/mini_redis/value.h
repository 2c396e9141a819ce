// Value: what one key of mini_redis's keyspace holds, one of Redis's data
// types (string, list, set, hash, sorted set), with Redis's TYPE names.
//
// An aggregate (list, set, hash, sorted set) never stays empty in the store:
// the Store removes a key whose aggregate a command emptied, as Redis does.

#ifndef WEFT_EXAMPLES_MINI_REDIS_VALUE_H_
#define WEFT_EXAMPLES_MINI_REDIS_VALUE_H_

#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace mini_redis {

using ListValue = std::deque<std::string>;
using SetValue = absl::flat_hash_set<std::string>;
using HashValue = absl::flat_hash_map<std::string, std::string>;

// A sorted set: each member's score, and the members ordered by (score,
// member) as Redis orders them, kept in step by the methods below.
class SortedSetValue {
 public:
  using Ordered = std::set<std::pair<double, std::string>>;

  // Adds `member` or changes its score; true if it is new.
  bool Insert(const std::string& member, double score);
  // Removes and returns the lowest (score, member); requires !empty().
  std::pair<double, std::string> PopMin();
  const double* Score(std::string_view member) const;
  const Ordered& ordered() const { return ordered_; }
  size_t size() const { return ordered_.size(); }
  bool empty() const { return ordered_.empty(); }

 private:
  absl::flat_hash_map<std::string, double> scores_;
  Ordered ordered_;
};

using Value =
    std::variant<std::string, ListValue, SetValue, HashValue, SortedSetValue>;

// TYPE's answer for `value`: "string", "list", "set", "hash" or "zset".
std::string_view TypeName(const Value& value);

// True for an aggregate with no element left (a string never counts).
bool IsEmptyAggregate(const Value& value);

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_VALUE_H_
