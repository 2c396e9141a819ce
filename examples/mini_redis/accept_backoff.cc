#include "examples/mini_redis/accept_backoff.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace mini_redis {
namespace {

std::string Format(AcceptBackoff::Clock::duration duration) {
  return absl::FormatDuration(absl::FromChrono(duration));
}

}  // namespace

AcceptBackoff::AcceptBackoff(Options options)
    : options_(options), next_wait_(options.initial) {}

bool AcceptBackoff::TakeLogSlot(Clock::time_point now) {
  if (last_line_.has_value() && now - *last_line_ < options_.log_interval) {
    return false;
  }
  last_line_ = now;
  return true;
}

AcceptBackoff::Decision AcceptBackoff::OnFailure(const absl::Status& error,
                                                 Clock::time_point now) {
  Decision decision{next_wait_, std::nullopt};
  next_wait_ = std::min(next_wait_ * 2, options_.max);
  if (!TakeLogSlot(now)) {
    ++not_logged_;
    return decision;
  }
  std::string line = absl::StrCat("accept failed: ", error.ToString(),
                                  "; retrying in ", Format(decision.wait));
  if (not_logged_ > 0) {
    absl::StrAppend(&line, " (", not_logged_,
                    " failed accepts since the last line not logged)");
    not_logged_ = 0;
  }
  decision.log_line = std::move(line);
  return decision;
}

std::optional<std::string> AcceptBackoff::OnSuccess(Clock::time_point now) {
  next_wait_ = options_.initial;
  if (not_logged_ == 0 || !TakeLogSlot(now)) return std::nullopt;
  std::string line = absl::StrCat("accepting again (", not_logged_,
                                  " failed accepts since the last line not "
                                  "logged)");
  not_logged_ = 0;
  return line;
}

}  // namespace mini_redis
