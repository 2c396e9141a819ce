// The stress suite's helpers: how big a run is.
//
// Every stress test runs a fixed number of rounds that it asks for through
// Scaled(), so that one run takes seconds in the plain build and the
// sanitizer builds (several times slower) can shrink it with
// WEFT_STRESS_SCALE (a factor, e.g. 0.25) without changing what is checked.
// Counts are exact: a stress test checks that every task, message and
// result is accounted for once, never that something was fast.

#ifndef WEFT_TESTING_STRESS_STRESS_H_
#define WEFT_TESTING_STRESS_STRESS_H_

#include <algorithm>
#include <cstdlib>
#include <string>

namespace weft::stress {

// `count` times WEFT_STRESS_SCALE (default 1), at least 1.
inline int Scaled(int count) {
  static const double kScale = [] {
    const char* text = std::getenv("WEFT_STRESS_SCALE");
    if (text == nullptr || *text == '\0') return 1.0;
    double scale = std::strtod(text, nullptr);
    return scale > 0 ? scale : 1.0;
  }();
  return std::max(1, static_cast<int>(count * kScale));
}

}  // namespace weft::stress

#endif  // WEFT_TESTING_STRESS_STRESS_H_
