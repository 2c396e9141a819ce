// Runs a program in a process where io_uring cannot be set up, the way a
// container's seccomp profile or kernel.io_uring_disabled=2 would have it:
// installs a seccomp filter that makes io_uring_setup fail with EPERM (every
// other system call allowed), then execs its arguments.
//
//   seccomp_launcher PROGRAM [ARGS...]
//
// The filter is inherited across exec and by every thread and child of the
// program, and cannot be removed; libseccomp sets no_new_privs first, so no
// privilege is needed. Exit status 127 with a message on stderr when the
// filter cannot be installed or the program cannot be run.

#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>

namespace {

int Fail(const char* what, int error) {
  std::fprintf(stderr, "seccomp_launcher: %s: %s\n", what, strerror(error));
  return 127;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
    return 127;
  }
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (filter == nullptr) return Fail("seccomp_init", ENOMEM);
  int ret = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM),
                             SCMP_SYS(io_uring_setup), 0);
  if (ret < 0) return Fail("seccomp_rule_add(io_uring_setup)", -ret);
  ret = seccomp_load(filter);
  if (ret < 0) return Fail("seccomp_load", -ret);
  seccomp_release(filter);
  execv(argv[1], argv + 1);
  return Fail(argv[1], errno);
}
