// Store: mini_redis's keyspace, one map of string keys to values of any of
// Redis's types (value.h) with optional expiry deadlines, shared by every
// connection. String commands use the methods named after them; the other
// types' commands run their work on a typed value through Access(), inside
// the same lock, so they keep the store's one-lock design and atomicity.
//
// Locking: one std::mutex, taken by each public method for the duration of
// one command's work on the map, never across an await. Every Redis command
// here is a short synchronous operation (no I/O happens while the map is
// being read or changed), so a plain mutex is the cheapest correct choice:
// uncontended it costs a couple of atomic operations, and when contended the
// wait is as short as the other command. weft::Mutex<T> would be needed only
// if the lock had to be held across a suspension point; using it here would
// add a scheduler round trip to every contended command for nothing (this is
// tokio's own advice for short critical sections). Each method is one
// critical section, which makes each command atomic (MSET sets all its keys
// at once; INCR never loses an update). ThreadSanitizer understands
// std::mutex (Debian's Abseil is not instrumented, see .bazelrc), so the TSan
// build checks this locking too. The cost of the choice: KEYS on a huge
// store holds the lock for its whole scan, stalling the workers that want
// the map meanwhile, much as Redis's single thread stalls on KEYS.
//
// Expiry is lazy: a key past its deadline is removed when a command touches
// it (and KEYS and EXISTS skip and remove such keys), so no expired key is
// ever visible. A key that expires and is never touched again stays in
// memory until FLUSHALL; Redis adds an active sampling sweep for that, which
// this example leaves out.
//
// Time comes from a caller-supplied clock (std::chrono::steady_clock by
// default), so tests can move time by hand.

#ifndef WEFT_EXAMPLES_MINI_REDIS_STORE_H_
#define WEFT_EXAMPLES_MINI_REDIS_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "examples/mini_redis/value.h"

namespace mini_redis {

// EXPIRE's NX, XX, GT and LT, which combine (all that are set must
// hold). For GT and LT a key without expiry counts as never expiring.
struct ExpireConditions {
  bool if_no_expiry = false;   // NX
  bool if_has_expiry = false;  // XX
  bool if_later = false;       // GT
  bool if_earlier = false;     // LT
};

class Store {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  explicit Store(std::function<TimePoint()> now = &Clock::now)
      : now_(std::move(now)) {}
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The store's current time, and `now() + ttl` without overflow (a TTL
  // beyond the clock's range never expires).
  TimePoint now() const { return now_(); }
  TimePoint DeadlineAfter(std::chrono::milliseconds ttl) const;

  // The string at `key`; none when missing. `wrong_type` when the key holds
  // another type (GET's WRONGTYPE error).
  struct GetResult {
    std::optional<std::string> value;
    bool wrong_type = false;
  };
  GetResult Get(std::string_view key);

  enum class SetCondition { kAlways, kIfMissing /* NX */, kIfPresent /* XX */ };
  struct SetOptions {
    SetCondition condition = SetCondition::kAlways;
    // The new deadline; none means no expiry, unless keep_ttl.
    std::optional<TimePoint> expires_at;
    bool keep_ttl = false;  // KEEPTTL: keep the key's current deadline
    // SET GET: a key of another type then fails the SET (wrong_type) and
    // is left as it was; otherwise SET overwrites a value of any type.
    bool get_previous = false;
  };
  struct SetResult {
    bool written = false;
    std::optional<std::string> previous;  // the string before (for SET GET)
    bool wrong_type = false;
  };
  SetResult Set(std::string key, std::string value, const SetOptions& options);

  // Sets every (key, value) pair at once, clearing their deadlines and
  // replacing values of any type.
  void SetMany(std::vector<std::pair<std::string, std::string>> pairs);
  // MGET: none for a key that is missing or holds another type.
  std::vector<std::optional<std::string>> GetMany(
      std::span<const std::string> keys);

  // How many of `keys` were removed / exist (a key named twice counts
  // twice for CountExisting, once for Delete, as in Redis).
  int64_t Delete(std::span<const std::string> keys);
  int64_t CountExisting(std::span<const std::string> keys);

  enum class IncrementError { kNotAnInteger, kOverflow, kWrongType };
  struct IncrementResult {
    std::optional<int64_t> value;  // set on success
    IncrementError error = IncrementError::kNotAnInteger;
  };
  // Adds `delta` to the integer stored at `key` (0 when missing), keeping
  // its deadline.
  IncrementResult IncrementBy(std::string_view key, int64_t delta);

  // Sets the deadline of an existing key (a deadline not after now deletes
  // it). True if the key existed and the conditions held.
  bool Expire(std::string_view key, TimePoint deadline,
              ExpireConditions conditions = ExpireConditions());
  // Removes the deadline; true if there was one.
  bool Persist(std::string_view key);

  enum class TtlState { kMissing, kNoExpiry, kExpires };
  struct Ttl {
    TtlState state = TtlState::kMissing;
    std::chrono::milliseconds remaining{0};  // for kExpires
  };
  Ttl GetTtl(std::string_view key);

  // TYPE: the TypeName() of the value at `key`, or "none" when missing.
  std::string_view TypeOf(std::string_view key);

  // How Access() treats a missing key: kRead runs the operation with null,
  // kCreate first stores an empty T (without expiry) under the key.
  enum class AccessMode { kRead, kCreate };
  // Runs `operation` on the T at `key` under the store's lock, and removes
  // the key afterwards if the operation left an aggregate empty. Returns
  // false, without running it, when the key holds another type (the
  // command's WRONGTYPE error). `operation` must not call the Store.
  //
  //   bool ok = store.Access<ListValue>(key, Store::AccessMode::kCreate,
  //                                     [&](ListValue* list) {
  //                                       list->push_back("x");
  //                                     });
  template <typename T>
  bool Access(std::string_view key, AccessMode mode,
              absl::FunctionRef<void(T*)> operation) {
    return AccessValue(
        key, mode,
        [](const Value& value) { return std::holds_alternative<T>(value); },
        [] { return Value(std::in_place_type<T>); },
        [&](Value* value) {
          operation(value == nullptr ? nullptr : &std::get<T>(*value));
        });
  }

  // Calls `visit` with every live key, its value and its deadline (none:
  // no expiry), all under the store's lock, so that what it sees is one
  // instant's keyspace (SAVE's snapshot; other commands wait meanwhile).
  // `visit` must not call the Store.
  void ForEachLive(
      absl::FunctionRef<void(const std::string& key, const Value& value,
                             std::optional<TimePoint> expires_at)>
          visit);

  // Keys matching the glob `pattern` (see glob.h), in no particular order.
  std::vector<std::string> Keys(std::string_view pattern);
  // Keys in the map, including expired ones not yet removed (Redis's
  // DBSIZE counts those too).
  size_t Size();
  void Clear();

 private:
  struct Entry {
    Value value;
    std::optional<TimePoint> expires_at;
  };
  using Map = absl::flat_hash_map<std::string, Entry>;

  static bool Expired(const Entry& entry, TimePoint now) {
    return entry.expires_at.has_value() && *entry.expires_at <= now;
  }
  // The live entry of `key`, removing it first if it has expired; null when
  // missing. Requires mutex_.
  Entry* FindLive(std::string_view key, TimePoint now);
  bool AccessValue(std::string_view key, AccessMode mode,
                   absl::FunctionRef<bool(const Value&)> holds_type,
                   absl::FunctionRef<Value()> make_empty,
                   absl::FunctionRef<void(Value*)> operation);

  const std::function<TimePoint()> now_;
  std::mutex mutex_;
  Map map_;  // guarded by mutex_
};

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_STORE_H_
