#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "testing/conformance/open_files.h"

namespace weft::conformance {
namespace {

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? resolved : path;
}

// How many of this process's descriptors refer to `target` (Linux's
// /proc/self/fd, whose entries are links to what each descriptor opened).
int DescriptorsOn(const std::string& target) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    const std::string link = std::string("/proc/self/fd/") + entry->d_name;
    char opened[PATH_MAX];
    const ssize_t length = readlink(link.c_str(), opened, sizeof(opened));
    if (length > 0 && std::string(opened, length) == target) ++count;
  }
  closedir(dir);
  return count;
}

}  // namespace

OpenFileProbe::OpenFileProbe(std::string path) : path_(RealPath(path)) {}

bool OpenFileProbe::AllClosed() const {
  const int open = DescriptorsOn(path_);
  last_ = open < 0 ? "cannot read /proc/self/fd"
                   : std::to_string(open) + " descriptors open on " + path_;
  return open == 0;
}

std::string OpenFileProbe::Describe() const { return last_; }

}  // namespace weft::conformance
