#include "runtime/runtime_dump.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace weft {

std::string RuntimeDump::ToString() const {
  std::string text;
  for (const TaskDump& task : tasks) {
    absl::StrAppend(&text, task.local ? "local task " : "task ",
                    task.id.value());
    absl::string_view file =
        task.location.file_name() != nullptr ? task.location.file_name() : "";
    if (!task.name.empty() || !file.empty()) {
      absl::StrAppend(&text, " (", task.name);
      if (!task.name.empty() && !file.empty()) absl::StrAppend(&text, ", ");
      if (!file.empty()) {
        absl::StrAppend(&text, file, ":", task.location.line());
      }
      absl::StrAppend(&text, ")");
    }
    absl::StrAppend(&text, ": ", std::string(TaskStateName(task.state)), "\n");
  }
  return text;
}

}  // namespace weft
