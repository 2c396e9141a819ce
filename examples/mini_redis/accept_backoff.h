// AcceptBackoff: what mini_redis's accept loop does after a failed accept.
//
// A listener whose accept fails for want of descriptors (EMFILE, ENFILE)
// stays readable, so retrying at once spins and logging every failure
// floods the log (about 100 lines a second with a fixed 10 ms wait). So the
// wait doubles with each consecutive failure, as in tokio's mini-redis,
// from `initial` up to `max`, and starts over after a successful accept;
// and at most one line is logged per `log_interval`, saying how many
// failures went unlogged since the last line, so that none go uncounted.
//
// It only decides: the caller sleeps, accepts and writes the lines, and
// passes the time, so that the policy is tested without sockets or clocks.

#ifndef WEFT_EXAMPLES_MINI_REDIS_ACCEPT_BACKOFF_H_
#define WEFT_EXAMPLES_MINI_REDIS_ACCEPT_BACKOFF_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace mini_redis {

class AcceptBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    Clock::duration initial = std::chrono::milliseconds(10);
    Clock::duration max = std::chrono::seconds(1);
    Clock::duration log_interval = std::chrono::seconds(1);
  };

  struct Decision {
    Clock::duration wait;                 // before the next accept
    std::optional<std::string> log_line;  // none: this failure is not logged
  };

  AcceptBackoff() : AcceptBackoff(Options()) {}
  explicit AcceptBackoff(Options options);

  // Accept failed with `error` at `now`.
  Decision OnFailure(const absl::Status& error, Clock::time_point now);

  // Accept succeeded at `now`: the next failure waits `initial` again. A line
  // to log when failures went unlogged and a line may be logged now (else
  // they are counted in a later line).
  std::optional<std::string> OnSuccess(Clock::time_point now);

 private:
  // Whether a line may be logged at `now`; if so, counts it as logged.
  bool TakeLogSlot(Clock::time_point now);

  Options options_;
  Clock::duration next_wait_;
  uint64_t not_logged_ = 0;  // failures since the last line, not in one
  std::optional<Clock::time_point> last_line_;
};

}  // namespace mini_redis

#endif  // WEFT_EXAMPLES_MINI_REDIS_ACCEPT_BACKOFF_H_
