/// \file
/// The names of every backend weft has, linked into this binary or not: the
/// rows of the table in executors/backends.bzl, from which the build
/// generates the definition. Error messages name them, so that a user who
/// asks for a backend that does not exist learns which ones do.

#ifndef WEFT_RUNTIME_KNOWN_EXECUTORS_H_
#define WEFT_RUNTIME_KNOWN_EXECUTORS_H_

#include <string>
#include <vector>

namespace weft {

/// Every backend weft has (executors/backends.bzl), whether or not it is
/// linked into this binary.
const std::vector<std::string>& KnownExecutorNames();

}  // namespace weft

#endif  // WEFT_RUNTIME_KNOWN_EXECUTORS_H_
