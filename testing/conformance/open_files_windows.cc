#include <windows.h>

#include <string>
#include <utility>

#include "testing/conformance/open_files.h"

namespace weft::conformance {

OpenFileProbe::OpenFileProbe(std::string path) : path_(std::move(path)) {}

bool OpenFileProbe::AllClosed() const {
  // No sharing: refused with ERROR_SHARING_VIOLATION while any handle to
  // the file is open, whatever that handle allows others.
  HANDLE file =
      ::CreateFileA(path_.c_str(), GENERIC_READ, /*dwShareMode=*/0, nullptr,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    const DWORD error = ::GetLastError();
    last_ = error == ERROR_SHARING_VIOLATION
                ? path_ + " is still open (an exclusive open was refused)"
                : path_ + ": CreateFileA failed with error " +
                      std::to_string(error);
    return false;
  }
  ::CloseHandle(file);
  last_ = path_ + " is open nowhere";
  return true;
}

std::string OpenFileProbe::Describe() const { return last_; }

}  // namespace weft::conformance
