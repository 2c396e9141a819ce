#include "examples/mini_redis/store.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "examples/mini_redis/glob.h"
#include "examples/mini_redis/integer.h"

namespace mini_redis {
namespace {

// Debian's Abseil has its own absl::string_view (not std::string_view), and
// the map's heterogeneous lookup takes only that.
absl::string_view Key(std::string_view key) {
  return absl::string_view(key.data(), key.size());
}

}  // namespace

Store::TimePoint Store::DeadlineAfter(std::chrono::milliseconds ttl) const {
  TimePoint start = now();
  if (ttl <= std::chrono::milliseconds::zero()) return start;
  // Compare in milliseconds, where the headroom cannot overflow.
  auto headroom = std::chrono::duration_cast<std::chrono::milliseconds>(
      TimePoint::max() - start);
  if (ttl >= headroom) return TimePoint::max();
  return start + ttl;
}

Store::Entry* Store::FindLive(std::string_view key, TimePoint now) {
  auto it = map_.find(Key(key));
  if (it == map_.end()) return nullptr;
  if (Expired(it->second, now)) {
    map_.erase(it);
    return nullptr;
  }
  return &it->second;
}

Store::GetResult Store::Get(std::string_view key) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = FindLive(key, now);
  if (entry == nullptr) return {};
  const auto* text = std::get_if<std::string>(&entry->value);
  if (text == nullptr) return {std::nullopt, /*wrong_type=*/true};
  return {*text, false};
}

Store::SetResult Store::Set(std::string key, std::string value,
                            const SetOptions& options) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = FindLive(key, now);
  SetResult result;
  if (entry != nullptr) {
    if (const auto* text = std::get_if<std::string>(&entry->value)) {
      result.previous = *text;
    } else if (options.get_previous) {
      result.wrong_type = true;
      return result;
    }
  }
  if ((options.condition == SetCondition::kIfMissing && entry != nullptr) ||
      (options.condition == SetCondition::kIfPresent && entry == nullptr)) {
    return result;
  }
  if (entry == nullptr) {
    entry = &map_[std::move(key)];
  }
  entry->value = std::move(value);
  if (!options.keep_ttl) entry->expires_at = options.expires_at;
  result.written = true;
  return result;
}

void Store::SetMany(std::vector<std::pair<std::string, std::string>> pairs) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [key, value] : pairs) {
    Entry& entry = map_[std::move(key)];
    entry.value = std::move(value);
    entry.expires_at.reset();
  }
}

std::vector<std::optional<std::string>> Store::GetMany(
    std::span<const std::string> keys) {
  TimePoint now = now_();
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& key : keys) {
    Entry* entry = FindLive(key, now);
    const std::string* text =
        entry == nullptr ? nullptr : std::get_if<std::string>(&entry->value);
    if (text == nullptr) {
      values.emplace_back();
    } else {
      values.emplace_back(*text);
    }
  }
  return values;
}

int64_t Store::Delete(std::span<const std::string> keys) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t removed = 0;
  for (const std::string& key : keys) {
    auto it = map_.find(Key(key));
    if (it == map_.end()) continue;
    // An expired key is removed too, but does not count: it was not there.
    if (!Expired(it->second, now)) ++removed;
    map_.erase(it);
  }
  return removed;
}

int64_t Store::CountExisting(std::span<const std::string> keys) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t count = 0;
  for (const std::string& key : keys) {
    if (FindLive(key, now) != nullptr) ++count;
  }
  return count;
}

Store::IncrementResult Store::IncrementBy(std::string_view key, int64_t delta) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = FindLive(key, now);
  int64_t current = 0;
  if (entry != nullptr) {
    const auto* text = std::get_if<std::string>(&entry->value);
    if (text == nullptr) return {std::nullopt, IncrementError::kWrongType};
    std::optional<int64_t> parsed = ParseInteger(*text);
    if (!parsed.has_value())
      return {std::nullopt, IncrementError::kNotAnInteger};
    current = *parsed;
  }
  if ((delta > 0 && current > std::numeric_limits<int64_t>::max() - delta) ||
      (delta < 0 && current < std::numeric_limits<int64_t>::min() - delta)) {
    return {std::nullopt, IncrementError::kOverflow};
  }
  int64_t updated = current + delta;
  if (entry == nullptr) entry = &map_[std::string(key)];
  entry->value = std::to_string(updated);
  return {updated, IncrementError::kNotAnInteger};
}

bool Store::Expire(std::string_view key, TimePoint deadline,
                   ExpireConditions conditions) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = map_.find(Key(key));
  if (it == map_.end()) return false;
  Entry& entry = it->second;
  if (Expired(entry, now)) {
    map_.erase(it);
    return false;
  }
  const std::optional<TimePoint>& current = entry.expires_at;
  if (conditions.if_no_expiry && current.has_value()) return false;
  if (conditions.if_has_expiry && !current.has_value()) return false;
  if (conditions.if_later && (!current.has_value() || deadline <= *current)) {
    return false;
  }
  if (conditions.if_earlier && current.has_value() && deadline >= *current) {
    return false;
  }
  if (deadline <= now) {
    map_.erase(it);
  } else {
    entry.expires_at = deadline;
  }
  return true;
}

bool Store::Persist(std::string_view key) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = FindLive(key, now);
  if (entry == nullptr || !entry->expires_at.has_value()) return false;
  entry->expires_at.reset();
  return true;
}

Store::Ttl Store::GetTtl(std::string_view key) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = FindLive(key, now);
  if (entry == nullptr) return {TtlState::kMissing, {}};
  if (!entry->expires_at.has_value()) return {TtlState::kNoExpiry, {}};
  return {TtlState::kExpires,
          std::chrono::duration_cast<std::chrono::milliseconds>(
              *entry->expires_at - now)};
}

std::string_view Store::TypeOf(std::string_view key) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = FindLive(key, now);
  return entry == nullptr ? "none" : TypeName(entry->value);
}

bool Store::AccessValue(std::string_view key, AccessMode mode,
                        absl::FunctionRef<bool(const Value&)> holds_type,
                        absl::FunctionRef<Value()> make_empty,
                        absl::FunctionRef<void(Value*)> operation) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  Entry* entry = FindLive(key, now);
  if (entry != nullptr && !holds_type(entry->value)) return false;
  if (entry == nullptr) {
    if (mode == AccessMode::kRead) {
      operation(nullptr);
      return true;
    }
    entry = &map_[std::string(key)];
    entry->value = make_empty();
  }
  operation(&entry->value);
  if (IsEmptyAggregate(entry->value)) map_.erase(Key(key));
  return true;
}

std::vector<std::string> Store::Keys(std::string_view pattern) {
  TimePoint now = now_();
  const bool everything = pattern == "*";
  std::vector<std::string> keys;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = map_.begin(); it != map_.end();) {
    if (Expired(it->second, now)) {
      // flat_hash_map::erase(iterator) invalidates only that iterator.
      map_.erase(it++);
      continue;
    }
    if (everything || GlobMatch(pattern, it->first)) keys.push_back(it->first);
    ++it;
  }
  return keys;
}

void Store::ForEachLive(absl::FunctionRef<void(const std::string&, const Value&,
                                               std::optional<TimePoint>)>
                            visit) {
  TimePoint now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, entry] : map_) {
    if (!Expired(entry, now)) visit(key, entry.value, entry.expires_at);
  }
}

size_t Store::Size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return map_.size();
}

void Store::Clear() {
  Map old;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    old.swap(map_);
  }
  // `old` is freed here, outside the lock, so other commands do not wait
  // for a large store's destruction.
}

}  // namespace mini_redis
