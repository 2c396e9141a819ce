#include "examples/mini_redis/value.h"

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/strings/string_view.h"

namespace mini_redis {

bool SortedSetValue::Insert(const std::string& member, double score) {
  auto [it, inserted] = scores_.try_emplace(member, score);
  if (!inserted) {
    if (it->second == score) return false;
    ordered_.erase({it->second, member});
    it->second = score;
  }
  ordered_.emplace(score, member);
  return inserted;
}

std::pair<double, std::string> SortedSetValue::PopMin() {
  auto node = ordered_.extract(ordered_.begin());
  scores_.erase(node.value().second);
  return std::move(node.value());
}

const double* SortedSetValue::Score(std::string_view member) const {
  // Debian's Abseil looks up with absl::string_view only.
  auto it = scores_.find(absl::string_view(member.data(), member.size()));
  return it == scores_.end() ? nullptr : &it->second;
}

std::string_view TypeName(const Value& value) {
  static constexpr std::string_view kNames[] = {"string", "list", "set", "hash",
                                                "zset"};
  static_assert(std::variant_size_v<Value> == std::size(kNames));
  return kNames[value.index()];
}

bool IsEmptyAggregate(const Value& value) {
  if (std::holds_alternative<std::string>(value)) return false;
  return std::visit([](const auto& aggregate) { return aggregate.empty(); },
                    value);
}

}  // namespace mini_redis
