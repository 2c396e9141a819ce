// OpenFileProbe: whether any descriptor (Linux) or handle (Windows) is open
// on a file, for tests of operations that an abort may leave finishing on
// another thread (FsTest.AbortedOpensLeakNoDescriptor).
//
// Each platform asks the question its own way. On Linux the probe looks for
// the file among /proc/self/fd's links. On Windows it opens the file without
// sharing, which succeeds only when no handle to it is open anywhere (under
// Wine, /proc/self/fd would be the Wine server's: the files of every Windows
// process it serves, a second test shard's too).

#ifndef WEFT_TESTING_CONFORMANCE_OPEN_FILES_H_
#define WEFT_TESTING_CONFORMANCE_OPEN_FILES_H_

#include <string>

namespace weft::conformance {

class OpenFileProbe {
 public:
  /// A probe for the existing file at `path`.
  explicit OpenFileProbe(std::string path);

  /// Whether no descriptor or handle is open on the file.
  bool AllClosed() const;

  /// What the last AllClosed saw, for a failure message.
  std::string Describe() const;

 private:
  std::string path_;
  mutable std::string last_;
};

}  // namespace weft::conformance

#endif  // WEFT_TESTING_CONFORMANCE_OPEN_FILES_H_
