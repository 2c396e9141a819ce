#!/bin/bash
# Fails, naming the file, when a source outside runtime/ includes a header of
# runtime/internal/. Bazel's visibility keeps other packages from depending on
# the internal targets, but a header reached through //runtime:runtime's deps
# can still be included by path, and g++ has no layering_check to refuse it.
#
# The test reads the source tree itself (it is tagged local and external:
# unsandboxed, never cached), found through the real path of this script.
# It first checks itself on a made-up tree that must fail.
set -euo pipefail

# Prints every file under $1, outside $1/runtime, that includes
# runtime/internal/; returns 1 if there is one.
offenders() {
  local root=$1
  # -P: \s; symlinks (bazel-*) are not followed by find.
  find "$root" \( -name .git -o -path "$root/runtime" -o -name 'bazel-*' \) \
    -prune -o -type f \
    \( -name '*.h' -o -name '*.hh' -o -name '*.hpp' -o -name '*.inc' \
    -o -name '*.c' -o -name '*.cc' -o -name '*.cpp' \) -print0 |
    xargs -0 --no-run-if-empty grep -lP \
      '^\s*#\s*include\s*["<]([^">]*/)?runtime/internal/' || true
}

check() {
  local found
  found=$(offenders "$1")
  if [ -n "$found" ]; then
    echo "Outside runtime/, these files include runtime/internal/ headers:"
    echo "$found"
    echo "Use the public headers of runtime/ (runtime/weft.h) instead."
    return 1
  fi
}

# Self-check: a tree with one offender and one allowed include must fail and
# name the offender only.
fake="${TEST_TMPDIR:-$(mktemp -d)}/fake_workspace"
mkdir -p "$fake/examples" "$fake/runtime/internal/task"
printf '#include "runtime/weft.h"\n' >"$fake/examples/fine.cc"
printf '  # include <runtime/internal/task/waker.h>\n' >"$fake/examples/bad.h"
printf '#include "runtime/internal/task/waker.h"\n' >"$fake/runtime/ok.h"
if self=$(check "$fake"); then
  echo "self-check failed: a tree with examples/bad.h passed"
  exit 1
fi
if [[ "$self" != *examples/bad.h* || "$self" == *fine.cc* ||
  "$self" == *runtime/ok.h* ]]; then
  echo "self-check failed: wrong files named: $self"
  exit 1
fi

# shellcheck source=runtime/source_tree.sh
source "$(dirname "$(readlink -f "$0")")/source_tree.sh"
workspace=$(source_tree runtime/internal_include_test.sh runtime/internal) || exit 1
check "$workspace"
echo "no source outside runtime/ includes runtime/internal/ ($workspace)"
